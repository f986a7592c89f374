namespace GradingPortal.Domain.Evaluation;

/// <summary>The length of the periods agreement on gold solutions is grouped by.</summary>
public enum PeriodBucket
{
    Day,
    /// <summary>ISO weeks, starting on Monday.</summary>
    Week,
    Month,
}

/// <summary>How far a grader's grades of gold solutions are from their adjudicated points (n, MAE, exact).</summary>
public sealed record GoldSummary(int N, double Mae, double Exact);

/// <summary>
/// Agreement of people with the known answers of gold solutions, overall and per period (all times UTC). A grade falls in
/// the period in which it was first given, so a later correction does not move it.
/// </summary>
public static class GoldAgreement
{
    /// <summary>The start (UTC midnight) of the period that contains <paramref name="at"/>.</summary>
    public static DateTimeOffset PeriodStart(DateTimeOffset at, PeriodBucket bucket)
    {
        var day = new DateTimeOffset(at.UtcDateTime.Date, TimeSpan.Zero);
        return bucket switch
        {
            PeriodBucket.Day => day,
            // DayOfWeek counts from Sunday = 0; Monday starts the week.
            PeriodBucket.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
            _ => new DateTimeOffset(day.Year, day.Month, 1, 0, 0, 0, TimeSpan.Zero),
        };
    }

    /// <summary>n, mean absolute difference and share of exact matches over (given, gold) pairs; null for no pairs.</summary>
    public static GoldSummary? Summarize(IReadOnlyCollection<(decimal Given, decimal Gold)> pairs) => pairs.Count == 0
        ? null
        : new GoldSummary(pairs.Count, pairs.Average(p => (double)Math.Abs(p.Given - p.Gold)), pairs.Count(p => p.Given == p.Gold) / (double)pairs.Count);
}
