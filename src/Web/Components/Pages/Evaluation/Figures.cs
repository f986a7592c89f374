using System.Globalization;
using GradingPortal.Web.ApiClient;

namespace GradingPortal.Web.Components.Pages.Evaluation;

/// <summary>
/// Arithmetic and wording of the evaluation pages, kept out of the components so it can be tested alone.
/// </summary>
public static class Figures
{
    /// <summary>The metrics of the graders table, in the Api's names, with their column titles.</summary>
    public static readonly IReadOnlyList<(string Name, string Title)> Metrics =
    [
        ("mae", "MAE"), ("rmse", "RMSE"), ("bias", "Bias"), ("exact", "Exact"), ("within1", "Within 1"),
        ("pearson", "Pearson"), ("spearman", "Spearman"), ("kendallTauB", "Kendall τ-b"), ("qwk", "QWK"), ("cohenKappa", "Cohen's κ"),
        ("accuracy", "Accuracy"), ("precision", "Precision"), ("recall", "Recall"), ("f1", "F1"),
    ];

    /// <summary>A metric's value, or null when the grader lacks it or it is undefined.</summary>
    public static double? Value(IDictionary<string, MetricDto>? metrics, string name) =>
        metrics is not null && metrics.TryGetValue(name, out var metric) ? metric?.Value : null;

    /// <summary>"0.75", or an em dash for an undefined figure.</summary>
    public static string Show(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("0.00", CultureInfo.InvariantCulture) : "—";

    public static string Show(decimal? value, string format = "0.##") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "—";

    /// <summary>The 95% interval of a metric as "0.50–1.00", or null when there is none.</summary>
    public static string? Interval(MetricDto? metric) =>
        metric is { Low: { } low, High: { } high } ? $"{Show(low)}–{Show(high)}" : null;

    /// <summary>
    /// The graders no other grader beats on both cost and MAE: nobody is at most as expensive and at most as far off
    /// while strictly better on one of the two. Graders without a recorded cost or MAE (imported grades) take no part.
    /// </summary>
    public static IReadOnlySet<Guid> CostFrontier(IEnumerable<(Guid Id, decimal? Cost, double? Mae)> graders)
    {
        var known = graders.Where(g => g.Cost is not null && g.Mae is { } m && double.IsFinite(m))
            .Select(g => (g.Id, Cost: g.Cost!.Value, Mae: g.Mae!.Value)).ToList();
        return known.Where(g => !known.Any(o => o.Id != g.Id && o.Cost <= g.Cost && o.Mae <= g.Mae && (o.Cost < g.Cost || o.Mae < g.Mae)))
            .Select(g => g.Id).ToHashSet();
    }

    /// <summary>Where a grader's model grades came from, in words.</summary>
    public static string Origin(AgreementGraderDto grader) => grader.Kind == "run"
        ? $"grading run ({grader.Workflow ?? "workflow unknown"}{(grader.RubricDesign is { } d ? $", rubric {d}" : "")}) with the model {grader.Model}"
          + (grader.Samples is > 1 ? $", {grader.Samples} samples" : "")
        : $"imported grades from {grader.Source ?? grader.Model}" + (grader.Source is not null && grader.Model != grader.Source ? $" (model {grader.Model})" : "");

    /// <summary>
    /// Whether a model name looks like a test double (the project's fake server answers as fake-model-*): its figures
    /// measure nothing about real grading and the page says so.
    /// </summary>
    public static bool LooksFake(string? model) =>
        model is not null && (model.Contains("fake", StringComparison.OrdinalIgnoreCase) || model.Contains("mock", StringComparison.OrdinalIgnoreCase));

    /// <summary>The audit page filtered to what a figure rests on.</summary>
    public static string AuditLink(Guid projectId, Guid? grader = null, Guid? problem = null, Guid? rubricItem = null, string? humanSource = null)
    {
        var query = new List<string>();
        if (grader is { } g) query.Add($"grader={g}");
        if (problem is { } p) query.Add($"problem={p}");
        if (rubricItem is { } r) query.Add($"item={r}");
        if (!string.IsNullOrEmpty(humanSource) && humanSource != "adjudicated") query.Add($"humanSource={humanSource}");
        return $"/projects/{projectId}/audit" + (query.Count > 0 ? "?" + string.Join("&", query) : "");
    }

    /// <summary>
    /// The human–model scatter from a confusion matrix: one point per (reference, grader) cell that holds solutions,
    /// repeated by count would hide overlaps, so each cell is one point and its count goes into the label.
    /// </summary>
    public static IReadOnlyList<(double Human, double Model, int Count)> ScatterPoints(ConfusionDto? confusion)
    {
        var points = new List<(double, double, int)>();
        if (confusion is null) return points;
        for (var row = 0; row < confusion.Counts.Count && row < confusion.Labels.Count; row++)
        {
            for (var col = 0; col < confusion.Counts[row].Count && col < confusion.Labels.Count; col++)
            {
                var count = confusion.Counts[row][col];
                if (count > 0
                    && double.TryParse(confusion.Labels[row], NumberStyles.Float, CultureInfo.InvariantCulture, out var h)
                    && double.TryParse(confusion.Labels[col], NumberStyles.Float, CultureInfo.InvariantCulture, out var m))
                {
                    points.Add((h, m, count));
                }
            }
        }
        return points;
    }

    /// <summary>
    /// The calibration chart on an even scale: positions every half point (every quarter when a reference falls between
    /// halves, as means of people can) from 0 to the largest score, each reference's mean model score at its nearest
    /// position and nothing elsewhere, the diagonal at every position. A line chart spaces its labels evenly, so only an
    /// even grid keeps the diagonal straight and the distances true.
    /// </summary>
    public static (string[] Labels, List<double?> Model, List<double?> Diagonal) CalibrationGrid(
        IReadOnlyList<(decimal Human, double? MeanModel)> rows, int maxScore)
    {
        var step = rows.All(r => r.Human * 2 == decimal.Floor(r.Human * 2)) ? 0.5m : 0.25m;
        var top = Math.Max(maxScore, rows.Count == 0 ? 0 : (int)decimal.Ceiling(rows.Max(r => r.Human)));
        var count = (int)(top / step) + 1;
        var labels = new string[count];
        var model = new List<double?>(count);
        var diagonal = new List<double?>(count);
        for (var i = 0; i < count; i++)
        {
            var x = i * step;
            labels[i] = x == decimal.Floor(x) ? x.ToString("0", CultureInfo.InvariantCulture) : "";
            model.Add(null);
            diagonal.Add((double)x);
        }
        foreach (var (human, mean) in rows)
        {
            var at = (int)decimal.Round(human / step, MidpointRounding.AwayFromZero);
            if (at >= 0 && at < count)
            {
                model[at] = mean;
            }
        }
        return (labels, model, diagonal);
    }

    /// <summary>A confusion label ("3") as the whole-point category the Api filters by, or null.</summary>
    public static int? Category(string label) =>
        int.TryParse(label, NumberStyles.None, CultureInfo.InvariantCulture, out var category) ? category : null;

    /// <summary>The fill of a confusion cell: none when empty, then four steps up to the largest count.</summary>
    public static string HeatClass(int count, int max) =>
        count <= 0 || max <= 0 ? "gp-heat-0" : $"gp-heat-{Math.Clamp((int)Math.Ceiling(4.0 * count / max), 1, 4)}";

    /// <summary>The queue position after a key: j (or ArrowDown) forward, k (or ArrowUp) back, clamped to the list.</summary>
    public static int Step(int current, int count, string key) => key switch
    {
        "j" or "ArrowDown" => Math.Min(current + 1, count - 1),
        "k" or "ArrowUp" => Math.Max(current - 1, 0),
        _ => current,
    };

    /// <summary>The queue's totals in a sentence, for adjudicators and admins (graders get none).</summary>
    public static string? TotalsLine(ReviewTotalsDto? totals) => totals is null ? null
        : $"{totals.Complete} of {totals.Solutions} solutions have every grade they need or a final grade; {totals.GradesNeeded} grades are still missing.";
}
