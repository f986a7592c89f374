namespace GradingPortal.Domain.Grading;

/// <summary>What k samples of one solution came to: the aggregate, the sample that stands for it, and how far they spread.</summary>
/// <param name="Aggregate">The aggregate total as computed (may fall between half points, e.g. a mean).</param>
/// <param name="Points">The aggregate on the half-point grid (round half up to the nearest 0.5).</param>
/// <param name="Representative">Index (into the list given) of the sample closest to the aggregate; ties go to the lower total, then the earlier sample.</param>
/// <param name="Spread">Highest minus lowest sample total: the workflow's uncertainty on this solution.</param>
/// <param name="StandardDeviation">Population standard deviation of the sample totals.</param>
/// <param name="Label">For <see cref="Aggregations.Majority"/>: the winning label on the 1–4 scale; otherwise null.</param>
public sealed record SampleAggregate(decimal Aggregate, decimal Points, int Representative, decimal Spread, double StandardDeviation, int? Label);

/// <summary>
/// Aggregation of the k sampled totals of one solution (GRADING-METHOD.md, "Beyond the paper"). Pure functions.
/// Median of an even count is the mean of the two middle values; majority works on labels of the 1–4 scale
/// (<see cref="LabelOf"/>): the most frequent label wins (ties go to the lower label, the conservative choice) and the
/// aggregate is the median of the totals carrying that label.
/// </summary>
public static class SampleAggregation
{
    public static SampleAggregate Aggregate(IReadOnlyList<decimal> totals, string method, int maxPoints)
    {
        if (totals.Count == 0)
        {
            throw new ArgumentException("At least one sample is needed.", nameof(totals));
        }
        int? label = null;
        IReadOnlyList<decimal> pool = totals;
        decimal aggregate;
        switch (method)
        {
            case Aggregations.Median:
                aggregate = Median(totals);
                break;
            case Aggregations.Mean:
                aggregate = totals.Sum() / totals.Count;
                break;
            case Aggregations.Min:
                aggregate = totals.Min();
                break;
            case Aggregations.Max:
                aggregate = totals.Max();
                break;
            case Aggregations.Majority:
                label = totals.GroupBy(t => LabelOf(t, maxPoints))
                    .OrderByDescending(g => g.Count()).ThenBy(g => g.Key)
                    .First().Key;
                pool = totals.Where(t => LabelOf(t, maxPoints) == label).ToList();
                aggregate = Median(pool);
                break;
            default:
                throw new ArgumentException($"Unknown aggregation '{method}'.", nameof(method));
        }
        var representative = 0;
        for (var i = 1; i < totals.Count; i++)
        {
            if (label is { } l && LabelOf(totals[i], maxPoints) != l)
            {
                continue;
            }
            var best = totals[representative];
            var bestEligible = label is not { } bl || LabelOf(best, maxPoints) == bl;
            var distance = Math.Abs(totals[i] - aggregate);
            var bestDistance = Math.Abs(best - aggregate);
            if (!bestEligible || distance < bestDistance || (distance == bestDistance && totals[i] < best))
            {
                representative = i;
            }
        }
        var mean = (double)(totals.Sum() / totals.Count);
        var variance = totals.Sum(t => Math.Pow((double)t - mean, 2)) / totals.Count;
        return new SampleAggregate(aggregate, RoundToHalf(aggregate), representative, totals.Max() - totals.Min(), Math.Sqrt(variance), label);
    }

    /// <summary>The median; for an even count, the mean of the two middle values.</summary>
    public static decimal Median(IReadOnlyList<decimal> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Nearest half point, halves rounded up (4.25 → 4.5, 4.2 → 4).</summary>
    public static decimal RoundToHalf(decimal value) => Math.Round(value * 2, MidpointRounding.AwayFromZero) / 2;

    /// <summary>
    /// The 1–4 label of a total (GRADING-METHOD.md, "Scales"): on 0–7, 0–1 → 1 Incorrect, 2–3 → 2 Some correct information,
    /// 4–5 → 3 Almost correct, 6–7 → 4 Correct. Other maxima are scaled to 0–7 first (fraction × 7, rounded half up).
    /// </summary>
    public static int LabelOf(decimal total, int maxPoints)
    {
        var onSeven = maxPoints == 7 ? total : Math.Round(total * 7 / Math.Max(1, maxPoints), MidpointRounding.AwayFromZero);
        return onSeven switch
        {
            < 2 => 1,
            < 4 => 2,
            < 6 => 3,
            _ => 4,
        };
    }
}
