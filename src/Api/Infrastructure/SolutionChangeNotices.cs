using System.Threading.Channels;
using GradingPortal.Hosting;

namespace GradingPortal.Api.Infrastructure;

/// <summary>
/// The Api process's one session listening for <c>solution_changed</c> notices (ADR 022) and the open change streams it
/// hands them to. The database sends a notice, with the solution's id as its only payload, from the trigger on every table
/// a solution page shows (grades, items, adjudication, annotations, model grades and findings, gold), inside the writing
/// transaction, so it arrives only once the change can be read, whichever Api or Worker process wrote it. The session
/// comes from a data source built on the configured connection string, which keeps the password, so a lost session is
/// opened again a second later; every open stream is then told to read once more, for changes made while nobody listened.
/// </summary>
internal sealed partial class SolutionChangeNotices(PostgresConnections connections, ILogger<SolutionChangeNotices> logger)
    : BackgroundService
{
    public const string Channel = "solution_changed";

    // Guarded by itself: subscribing, leaving and a notice's look-up are each a few instructions.
    private readonly Dictionary<Guid, List<Subscription>> _bySolution = [];
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _lost;

    /// <summary>Completes once the first listening session is open: a notice sent after that reaches this process.</summary>
    public Task WhenListeningAsync(CancellationToken ct) => _listening.Task.WaitAsync(ct);

    /// <summary>Follows one solution until disposed; changes that come faster than they are read collapse into one.</summary>
    public Subscription Subscribe(Guid solutionId)
    {
        var subscription = new Subscription(this, solutionId);
        lock (_bySolution)
        {
            if (!_bySolution.TryGetValue(solutionId, out var followers))
            {
                _bySolution[solutionId] = followers = [];
            }
            followers.Add(subscription);
        }
        return subscription;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var dataSource = connections.CreateDataSource(settings =>
        {
            settings.ApplicationName = "GradingPortal.Api.SolutionChanges";
            // While it waits, Npgsql checks the session this often, so a connection dropped without a word is noticed too.
            settings.KeepAlive = 30;
        });
        await NotificationListener.RunAsync(dataSource.OpenConnectionAsync, Channel, e => Publish(e.Payload),
            onListening: () =>
            {
                if (_lost)
                {
                    _lost = false;
                    LogListeningAgain(logger);
                    // Notices sent while the session was down are gone: every follower reads once more.
                    lock (_bySolution)
                    {
                        foreach (var followers in _bySolution.Values)
                        {
                            Signal(followers);
                        }
                    }
                }
                _listening.TrySetResult();
            },
            onLost: e =>
            {
                _lost = true;
                LogLost(logger, e.Message);
            },
            stoppingToken);
    }

    internal void Publish(string payload)
    {
        if (!Guid.TryParse(payload, out var id))
        {
            return;
        }
        lock (_bySolution)
        {
            if (_bySolution.TryGetValue(id, out var followers))
            {
                Signal(followers);
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    LogNotice(logger, id, followers.Count, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                }
            }
        }
    }

    // Signalling only writes to a one-slot channel (never blocks), so it is done under the lock.
    private static void Signal(List<Subscription> followers)
    {
        foreach (var follower in followers)
        {
            follower.Signal();
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_bySolution)
        {
            if (_bySolution.TryGetValue(subscription.SolutionId, out var followers) && followers.Remove(subscription) && followers.Count == 0)
            {
                _bySolution.Remove(subscription.SolutionId);
            }
        }
    }

    /// <summary>One open stream's interest in one solution.</summary>
    internal sealed class Subscription(SolutionChangeNotices owner, Guid solutionId) : IDisposable
    {
        // One slot: a follower that is still reading the last change re-reads everything anyway, so more notices are one.
        private readonly Channel<bool> _changes = System.Threading.Channels.Channel.CreateBounded<bool>(
            new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

        public Guid SolutionId { get; } = solutionId;

        internal void Signal() => _changes.Writer.TryWrite(true);

        /// <summary>Waits for the next change; false when <paramref name="ct"/> ends the wait first.</summary>
        public async Task<bool> WaitAsync(CancellationToken ct)
        {
            try
            {
                return await _changes.Reader.ReadAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public void Dispose() => owner.Remove(this);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Solution change notices: the listening session was lost ({Reason}); open pages fall back to their slow poll until it is back")]
    private static partial void LogLost(ILogger logger, string reason);

    // The fan-out benchmark reads these stamps to split a grade's way to the pages into stages.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Solution {SolutionId} changed: notice handed to {Streams} streams at {UnixMs} (Unix ms)")]
    private static partial void LogNotice(ILogger logger, Guid solutionId, int streams, long unixMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Solution change notices: listening again")]
    private static partial void LogListeningAgain(ILogger logger);
}
