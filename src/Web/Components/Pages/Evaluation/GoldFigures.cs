using System.Globalization;

namespace GradingPortal.Web.Components.Pages.Evaluation;

/// <summary>The gold panel's arithmetic: figures that may be undefined, and per-period lines on one shared axis.</summary>
public static class GoldFigures
{
    /// <summary>A figure, or null when it is not a finite number (the panel shows a dash then).</summary>
    public static double? Of(double value) => double.IsFinite(value) ? value : null;

    /// <summary>
    /// One line per grader over every period any grader has, oldest first. A chart line cannot have holes, so a period
    /// in which a grader graded no gold solution repeats their last figure (their first, before they began); a grader
    /// without any figure gets no line.
    /// </summary>
    public static (string[] Labels, List<(string Name, double[] Values)> Lines) Lines(IEnumerable<(string Name, IReadOnlyList<(DateTimeOffset Start, double? Value)> Periods)> graders)
    {
        var list = graders.ToList();
        var starts = list.SelectMany(g => g.Periods.Select(p => p.Start)).Distinct().Order().ToList();
        var lines = new List<(string, double[])>();
        foreach (var (name, periods) in list)
        {
            var known = periods.Where(p => p.Value is not null).ToDictionary(p => p.Start, p => p.Value!.Value);
            if (known.Count == 0) continue;
            var values = new double[starts.Count];
            double? last = known[known.Keys.Min()];
            for (var i = 0; i < starts.Count; i++)
            {
                if (known.TryGetValue(starts[i], out var v)) last = v;
                values[i] = last!.Value;
            }
            lines.Add((name, values));
        }
        return (starts.Select(s => s.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).ToArray(), lines);
    }
}
