using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GradingPortal.Worker.Models;

/// <summary>
/// Interrupts the model calls of a run that is cancelled while they are in flight. The Api's cancel only writes the run's
/// status; a model call can take minutes, so waiting for it to notice between calls is too late. Every model call of a run
/// holds a <see cref="Lease"/> for its run while it lasts; one loop per process asks the database every
/// <see cref="ModelCallOptions.RunCancelPollInterval"/> which of the runs with calls in flight are cancelled, in one query
/// (none while no call is in flight), and cancels the leases of those runs. See docs/grading-pipeline.md ("Cancelling").
/// <para>
/// The same query enforces spending caps across all Workers: for a run whose profile has a cap, it sums the cost the Workers
/// have recorded on the run's stage calls (and on the profile's calls of the UTC day), and a run at or over a cap is stopped
/// (<see cref="GradingRun.StopAtSpendingCap"/>) by whichever Worker sees it first and then cancelled like any other. A
/// profile without caps adds nothing to the query, and no model call waits for it. A cap can be overshot by the calls in
/// flight when it is reached and by those started within one poll interval.
/// </para>
/// </summary>
internal sealed partial class RunCancellationWatcher(IServiceScopeFactory scopes, IOptions<ModelCallOptions> options, TimeProvider clock,
    ILogger<RunCancellationWatcher> logger) : IAsyncDisposable
{
    private const int StopAttempts = 5;
    /// <summary>How many cancelled runs a process remembers; a cancelled run is never resumed, so forgetting one only costs a poll.</summary>
    private const int RememberedCancelled = 4096;

    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Watched> _runs = [];
    private readonly HashSet<Guid> _cancelled = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    /// <summary>Watches <paramref name="runId"/> until the lease is disposed; its token is cancelled once the run is cancelled.</summary>
    public Lease Watch(Guid runId)
    {
        lock (_lock)
        {
            if (!_runs.TryGetValue(runId, out var watched))
            {
                watched = new Watched();
                _runs[runId] = watched;
                if (_cancelled.Contains(runId))
                {
                    // Seen cancelled (or stopped at its cap) already: a call that starts now ends at once, without waiting
                    // for the next poll, and sends nothing.
                    watched.Source.Cancel();
                }
            }
            watched.Calls++;
            _loop ??= Task.Run(() => LoopAsync(_stop.Token));
            return new Lease(this, runId, watched);
        }
    }

    private void Release(Guid runId, Watched watched)
    {
        lock (_lock)
        {
            if (--watched.Calls == 0 && _runs.TryGetValue(runId, out var current) && current == watched)
            {
                // The source is not disposed: the loop may be cancelling it right now, outside the lock, and a source
                // without timers holds nothing that needs disposing.
                _runs.Remove(runId);
            }
        }
    }

    private async Task LoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(options.Value.RunCancelPollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                Guid[] ids;
                lock (_lock)
                {
                    ids = [.. _runs.Keys];
                }
                if (ids.Length == 0)
                {
                    continue;
                }
                List<Guid> cancelled;
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
                    var dayStart = ModelSpending.DayStart(clock.GetUtcNow());
                    // The sums run only for unfinished runs on a capped profile (CASE evaluates its branches lazily); both use
                    // the indexes on stage_calls (run_id; model_profile_id, started_at).
                    var rows = await db.Database.SqlQuery<WatchedRun>($"""
                        SELECT r.id AS "RunId", r.status = 'Cancelled' AS "Cancelled",
                            CASE WHEN r.status IN ('Cancelled', 'Completed', 'Failed') THEN NULL
                                 WHEN p.run_spending_cap IS NOT NULL
                                      AND (SELECT coalesce(sum(c.cost), 0) FROM stage_calls c WHERE c.run_id = r.id) >= p.run_spending_cap
                                      THEN 'run'
                                 WHEN p.daily_spending_cap IS NOT NULL
                                      AND (SELECT coalesce(sum(c.cost), 0) FROM stage_calls c
                                           WHERE c.model_profile_id = p.id AND c.started_at >= {dayStart}) >= p.daily_spending_cap
                                      THEN 'day'
                            END AS "Cap"
                        FROM grading_runs r JOIN model_profiles p ON p.id = r.model_profile_id
                        WHERE r.id = ANY({ids})
                        """).ToListAsync(stop);
                    cancelled = [.. rows.Where(r => r.Cancelled).Select(r => r.RunId)];
                    foreach (var capped in rows.Where(r => r.Cap is not null))
                    {
                        var reason = capped.Cap == "run" ? ModelSpending.RunCapReached : ModelSpending.DailyCapReached;
                        LogCapReached(logger, capped.RunId, reason);
                        await StopAsync(db, capped.RunId, reason, stop);
                        cancelled.Add(capped.RunId);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The database is unreachable for a moment: the calls go on, and the next tick asks again.
                    LogPollFailed(logger, e.Message);
                    continue;
                }
                if (cancelled.Count == 0)
                {
                    continue;
                }
                List<(Guid RunId, CancellationTokenSource Source)> sources;
                lock (_lock)
                {
                    if (_cancelled.Count + cancelled.Count > RememberedCancelled)
                    {
                        _cancelled.Clear();
                    }
                    _cancelled.UnionWith(cancelled);
                    sources = [.. cancelled.Where(_runs.ContainsKey).Select(id => (id, _runs[id].Source)).Where(s => !s.Source.IsCancellationRequested)];
                }
                // Outside the lock: cancelling runs the callbacks of the calls (HTTP aborts, continuations) right here.
                foreach (var (runId, source) in sources)
                {
                    LogCancelling(logger, runId);
                    await source.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The process is stopping.
        }
    }

    /// <summary>Stops a run at its cap through its own rule and row version; another Worker doing the same first is fine.</summary>
    private async Task StopAsync(GradingDbContext db, Guid runId, string reason, CancellationToken stop)
    {
        for (var attempt = 1; ; attempt++)
        {
            var run = await db.GradingRuns.FirstOrDefaultAsync(r => r.Id == runId, stop);
            if (run is null || !run.StopAtSpendingCap(reason, clock.GetUtcNow()))
            {
                return;
            }
            try
            {
                await db.SaveChangesAsync(stop);
                return;
            }
            catch (DbUpdateConcurrencyException) when (attempt < StopAttempts)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is { } loop)
        {
            await loop;
        }
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for cancelled runs failed; the model calls go on: {Error}")]
    private static partial void LogPollFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} was cancelled with model calls in flight: interrupting them")]
    private static partial void LogCancelling(ILogger logger, Guid runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: {Reason}; interrupting its model calls")]
    private static partial void LogCapReached(ILogger logger, Guid runId, string reason);

    private sealed record WatchedRun(Guid RunId, bool Cancelled, string? Cap);

    internal sealed class Watched
    {
        public CancellationTokenSource Source { get; } = new();
        public int Calls { get; set; }
    }

    /// <summary>A call's watch on its run; dispose it when the call is over.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly RunCancellationWatcher _owner;
        private readonly Guid _runId;
        private readonly Watched _watched;
        private int _disposed;

        internal Lease(RunCancellationWatcher owner, Guid runId, Watched watched)
        {
            _owner = owner;
            _runId = runId;
            _watched = watched;
            Token = watched.Source.Token;
        }

        /// <summary>Cancelled once the run is seen cancelled.</summary>
        public CancellationToken Token { get; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _owner.Release(_runId, _watched);
            }
        }
    }
}
