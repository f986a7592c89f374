using System.ClientModel;
using System.Globalization;
using Polly;
using Polly.Retry;

namespace GradingPortal.Worker.Models;

/// <summary>What an attempt's outcome asks of the retry strategy.</summary>
internal enum AttemptNext
{
    /// <summary>The logical call ends with this attempt.</summary>
    Stop,

    /// <summary>Send again after a wait: Retry-After when the endpoint gave one, else backoff.</summary>
    Retry,

    /// <summary>Send again at once with the repair turn (the bad answer and its problems).</summary>
    Repair,
}

/// <summary>
/// The retry strategy of a logical model call, as a Polly pipeline over attempts. The attempt itself classifies its
/// outcome and spends the call's allowances (429/5xx attempts, timeouts, the one repair), so the strategy only has to
/// honour <see cref="AttemptNext"/>, wait, and stop waiting when the call is cancelled.
/// </summary>
internal static class ModelRetry
{
    /// <summary>Spread added to a Retry-After wait, so that callers told the same time do not return in one burst.</summary>
    internal static readonly TimeSpan RetryAfterJitter = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The pipeline for outcomes of type <typeparamref name="T"/>. <paramref name="next"/> reads what an outcome asks for,
    /// <paramref name="retryAfter"/> the wait the endpoint asked for; <paramref name="onRetry"/> sees each wait before it starts.
    /// </summary>
    public static ResiliencePipeline<T> Build<T>(ModelCallOptions settings, TimeProvider time, Func<T, AttemptNext> next,
        Func<T, TimeSpan?> retryAfter, Func<T, TimeSpan, ValueTask>? onRetry = null) =>
        new ResiliencePipelineBuilder<T> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<T>
            {
                // An upper bound only: the attempt decides from the call's own counts whether another one is allowed.
                MaxRetryAttempts = settings.MaxAttempts - 1 + settings.TimeoutRetries + 1,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is null && next(args.Outcome.Result!) != AttemptNext.Stop),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.InitialBackoff,
                MaxDelay = settings.MaxRetryWait,
                DelayGenerator = args =>
                {
                    var outcome = args.Outcome.Result!;
                    // The repair is not a failure of the endpoint: nothing to wait for. Null keeps the jittered backoff.
                    TimeSpan? wait = next(outcome) == AttemptNext.Repair ? TimeSpan.Zero
                        : retryAfter(outcome) is { } asked ? RetryAfterWait(asked, settings)
                        : null;
                    return ValueTask.FromResult(wait);
                },
                OnRetry = args => onRetry is null || args.Outcome.Result is not { } result ? ValueTask.CompletedTask : onRetry(result, args.RetryDelay),
            })
            .Build();

    /// <summary>What Retry-After asks for plus a little jitter, never longer than the cap.</summary>
    internal static TimeSpan RetryAfterWait(TimeSpan asked, ModelCallOptions settings)
    {
        var wait = asked + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * RetryAfterJitter.TotalMilliseconds);
        return wait < settings.MaxRetryWait ? wait : settings.MaxRetryWait;
    }

    public static TimeSpan? RetryAfterOf(ClientResultException e)
    {
        var raw = e.GetRawResponse();
        if (raw is null || !raw.Headers.TryGetValue("Retry-After", out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        return ParseRetryAfter(value, DateTimeOffset.UtcNow);
    }

    /// <summary>Retry-After as delay-seconds or an HTTP date (RFC 9110); null when it is neither.</summary>
    internal static TimeSpan? ParseRetryAfter(string value, DateTimeOffset now)
    {
        value = value.Trim();
        if (double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var delay = date - now;
            return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
        }
        return null;
    }
}
