using System.ComponentModel.DataAnnotations;

namespace GradingPortal.Worker.Models;

/// <summary>How the Worker retries model calls and waits for the shared limits.</summary>
public sealed class ModelCallOptions
{
    public const string SectionName = "ModelCalls";

    /// <summary>HTTP attempts of one logical call for 429 and 5xx answers (the first included).</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Attempts added after a timeout (a timed-out request already cost the whole timeout).</summary>
    [Range(0, 10)]
    public int TimeoutRetries { get; set; } = 1;

    /// <summary>First backoff wait when the endpoint gives no Retry-After; doubled each attempt, with jitter.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest single wait between attempts, whatever Retry-After asks for.</summary>
    public TimeSpan MaxRetryWait { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How often a waiter for a concurrency slot checks again when no release notification arrives (notifications are
    /// the normal wake-up; this only bounds the wait if one is lost).
    /// </summary>
    public TimeSpan SlotPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How often a Worker with model calls in flight asks whether their runs were cancelled (one query for all of them);
    /// a cancelled run's calls are interrupted within about this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan RunCancelPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}
