using GradingPortal.Domain.Grading;
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
/// </summary>
internal sealed partial class RunCancellationWatcher(IServiceScopeFactory scopes, IOptions<ModelCallOptions> options,
    ILogger<RunCancellationWatcher> logger) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Watched> _runs = [];
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
                    cancelled = await db.GradingRuns.AsNoTracking()
                        .Where(r => ids.Contains(r.Id) && r.Status == GradingRunStatus.Cancelled).Select(r => r.Id).ToListAsync(stop);
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
