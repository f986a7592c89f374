using GradingPortal.Domain.Evaluation;
using GradingPortal.Domain.Grading;

namespace GradingPortal.Domain.Tests.Evaluation;

/// <summary>Builds score pairs with readable, stable ids, and the textbook definitions the fast code is checked against.</summary>
internal static class EvaluationData
{
    public static Guid Id(int kind, int a, int b = 0) => new((uint)kind, (ushort)a, (ushort)b, 0, 0, 0, 0, 0, 0, 0, 0);

    public static Guid Problem(int p) => Id(1, p);

    /// <summary>Pairs of one problem, labelled on the 1–4 scale from their points.</summary>
    public static List<ScorePair> Pairs(int problem, decimal[] reference, decimal[] grader, int maxPoints = 7, int firstSolution = 0)
    {
        var pairs = new List<ScorePair>();
        for (var i = 0; i < reference.Length; i++)
        {
            pairs.Add(new ScorePair(Problem(problem), Id(2, problem, firstSolution + i), reference[i], grader[i], maxPoints,
                Label(reference[i], maxPoints), Label(grader[i], maxPoints)));
        }
        return pairs;
    }

    public static string Label(decimal points, int maxPoints = 7) =>
        SampleAggregation.LabelOf(points, maxPoints).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static List<ScorePair> Swapped(IEnumerable<ScorePair> pairs) =>
        [.. pairs.Select(p => p with { Reference = p.Grader, Grader = p.Reference, ReferenceLabel = p.GraderLabel, GraderLabel = p.ReferenceLabel })];

    /// <summary>τ-b straight from its definition: every pair of solutions, O(n²).</summary>
    public static double? NaiveTauB(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        long concordant = 0, discordant = 0, tiedX = 0, tiedY = 0, pairs = 0;
        for (var i = 0; i < x.Count; i++)
        {
            for (var j = i + 1; j < x.Count; j++)
            {
                pairs++;
                var sx = Math.Sign(x[j] - x[i]);
                var sy = Math.Sign(y[j] - y[i]);
                if (sx == 0)
                {
                    tiedX++;
                }
                if (sy == 0)
                {
                    tiedY++;
                }
                if (sx * sy > 0)
                {
                    concordant++;
                }
                else if (sx * sy < 0)
                {
                    discordant++;
                }
            }
        }
        var denominator = Math.Sqrt((double)(pairs - tiedX) * (pairs - tiedY));
        return denominator > 0 ? (concordant - discordant) / denominator : null;
    }

    public static double? NaivePearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var mx = x.Average();
        var my = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Count; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : null;
    }

    /// <summary>Average ranks: each value's rank is the mean of the positions its ties occupy.</summary>
    public static double[] MidRanks(IReadOnlyList<double> x) =>
        [.. x.Select(v => x.Count(u => u < v) + (x.Count(u => u == v) + 1) / 2.0)];
}
