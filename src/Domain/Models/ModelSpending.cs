using System.Globalization;

namespace GradingPortal.Domain.Models;

/// <summary>
/// The spending-cap rules of a profile, in one place for the Api (which refuses a run whose estimate does not fit) and the
/// Worker (which stops a run once the recorded cost of its calls reaches a cap). Spending is the cost of the profile's stage
/// calls as recorded; the day is the UTC day the call started in.
/// </summary>
public static class ModelSpending
{
    /// <summary>Error of a run stopped at its profile's per-run cap.</summary>
    public const string RunCapReached = "stopped: spending cap reached (the profile's per-run cap)";

    /// <summary>Error of a run stopped at its profile's daily cap.</summary>
    public const string DailyCapReached = "stopped: spending cap reached (the profile's daily cap for today, UTC)";

    /// <summary>The start of the UTC day <paramref name="now"/> falls in: the daily cap counts calls started since.</summary>
    public static DateTimeOffset DayStart(DateTimeOffset now) => new(now.UtcDateTime.Date, TimeSpan.Zero);

    /// <summary>
    /// Why a run estimated at <paramref name="estimate"/> may not start on <paramref name="profile"/>, given what the profile
    /// has spent today; null when it fits both caps.
    /// </summary>
    public static string? EstimateProblem(ModelProfile profile, decimal estimate, decimal spentToday)
    {
        if (profile.RunSpendingCap is { } runCap && estimate > runCap)
        {
            return $"The estimated cost of this run ({Money(estimate)}) exceeds the profile's per-run spending cap ({Money(runCap)}).";
        }
        if (profile.DailySpendingCap is { } dayCap)
        {
            var left = Math.Max(0, dayCap - spentToday);
            if (estimate > left || left == 0)
            {
                return $"The estimated cost of this run ({Money(estimate)}) exceeds what is left of the profile's daily spending cap today " +
                    $"(UTC): {Money(left)} of {Money(dayCap)}.";
            }
        }
        return null;
    }

    private static string Money(decimal value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
