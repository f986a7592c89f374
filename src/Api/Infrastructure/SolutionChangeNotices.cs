using System.Threading.Channels;
using GradingPortal.Hosting;

namespace GradingPortal.Api.Infrastructure;

/// <summary>
/// The Api process's one session listening for <c>solution_changed</c> notices (ADR 022) and the open change streams it
/// hands them to. The database sends a notice, <c>solution id:kind</c> (the kind names the table, never a row or a value),
/// from the trigger on every table
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
                            Signal(followers, SolutionChangeKinds.All);
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
        // "id:kind"; a bare id (a notice from before the kinds) means any kind.
        var split = payload.IndexOf(':');
        if (!Guid.TryParse(split < 0 ? payload : payload.AsSpan(0, split), out var id))
        {
            return;
        }
        var kinds = split < 0 ? SolutionChangeKinds.All : SolutionChangeKindNames.Parse(payload.AsSpan(split + 1));
        lock (_bySolution)
        {
            if (_bySolution.TryGetValue(id, out var followers))
            {
                Signal(followers, kinds);
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    LogNotice(logger, id, followers.Count, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                }
            }
        }
    }

    // Signalling only writes to a one-slot channel (never blocks), so it is done under the lock.
    private static void Signal(List<Subscription> followers, SolutionChangeKinds kinds)
    {
        foreach (var follower in followers)
        {
            follower.Signal(kinds);
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
        // One slot: notices that come while the last event is still being sent are one event, with their kinds added up.
        private readonly Channel<bool> _changes = System.Threading.Channels.Channel.CreateBounded<bool>(
            new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        private int _kinds;

        public Guid SolutionId { get; } = solutionId;

        internal void Signal(SolutionChangeKinds kinds)
        {
            // Kinds first: the reader takes them after it has the signal, so it never sees a signal without them.
            Interlocked.Or(ref _kinds, (int)kinds);
            _changes.Writer.TryWrite(true);
        }

        /// <summary>Waits for the next change and says of what kinds; null when <paramref name="ct"/> ends the wait first.</summary>
        public async Task<SolutionChangeKinds?> WaitAsync(CancellationToken ct)
        {
            while (true)
            {
                try
                {
                    await _changes.Reader.ReadAsync(ct);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
                // A notice that lands between the read and this exchange is in this event and signals once more; that
                // signal then finds no kinds left and is skipped rather than sent as an empty change.
                var kinds = (SolutionChangeKinds)Interlocked.Exchange(ref _kinds, 0);
                if (kinds != SolutionChangeKinds.None)
                {
                    return kinds;
                }
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
