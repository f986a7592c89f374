using System.Threading.Channels;
using GradingPortal.Hosting;
using GradingPortal.Web.Auth;

namespace GradingPortal.Web.Components.Pages.Solutions;

/// <summary>What a follower of a solution learns from the shared change stream.</summary>
public enum SolutionChange
{
    /// <summary>The stream is open and the Api listens: a change from now on arrives as <see cref="Changed"/>.</summary>
    Ready,

    /// <summary>Something on the solution changed (the event says what kinds of it); read that again with your own token.</summary>
    Changed,

    /// <summary>The stream broke and is being opened again; until <see cref="Ready"/>, only the slow poll sees changes.</summary>
    Down,
}

/// <summary>
/// One change stream per solution per Web process (ADR 022), shared by every circuit that has that solution open. The Api
/// stream is opened with one follower's token (its <see cref="SolutionChangeFeed"/>); when that follower leaves, its
/// sign-in ends or the Api no longer lets it see the solution, the stream is opened again with another follower's. A
/// notice carries no content, only "read again" and which kinds of rows changed, and each circuit reads through its own
/// token, so sharing the stream never shows anyone what blind rules hide. A follower whose sign-in ends is dropped and its events complete.
/// </summary>
public sealed partial class SolutionChangeHub(IConfiguration configuration, ILogger<SolutionChangeHub> logger)
{
    /// <summary>The setting for <see cref="_rereads"/>: circuits re-reading at once per core (default 4).</summary>
    internal const string RereadsPerCoreSetting = "SolutionChanges:RereadsPerCore";

    /// <summary>No event (not even a heartbeat, sent every 20 s) for this long: the stream is taken for dead and opened again.</summary>
    internal static readonly TimeSpan StreamSilence = TimeSpan.FromSeconds(65);

    private static readonly TimeSpan s_maxReconnectDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many circuits of this process re-read after a change at the same time. A change to a solution open in 50 tabs
    /// is 50 circuits each reading it and rendering: all at once, they share the cores and all finish late together (and the
    /// browsers get every update at the end); a few at a time, the first pages show it after a fraction of the time and the
    /// browsers apply updates while the rest are still read. Several per core, so a slow Api answer does not hold the
    /// others back; <see cref="RereadsPerCoreSetting"/> changes how many.
    /// </summary>
    private readonly SemaphoreSlim _rereads = new(
        Math.Max(1, configuration.GetValue<int?>(RereadsPerCoreSetting) ?? 4) * Environment.ProcessorCount);

    // Guarded by itself: joining, leaving and fanning out are each a few instructions.
    private readonly Dictionary<Guid, Upstream> _streams = [];

    /// <summary>Waits for a turn to re-read after a change; dispose the result when the read (and its render) is done.</summary>
    public async ValueTask<IDisposable> RereadTurnAsync(CancellationToken ct)
    {
        await _rereads.WaitAsync(ct);
        return new Turn(_rereads);
    }

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                gate.Release();
            }
        }
    }

    /// <summary>How many circuits follow the solution through this process's stream.</summary>
    internal int FollowerCount(Guid solutionId)
    {
        lock (_streams)
        {
            return _streams.TryGetValue(solutionId, out var upstream) ? upstream.Followers.Count : 0;
        }
    }

    /// <summary>
    /// Follows <paramref name="solutionId"/> until the returned follower is disposed. Call only once the circuit has read
    /// the solution itself: joining is what lends <paramref name="feed"/> (and the token behind it) to the shared stream.
    /// </summary>
    public Follower Follow(Guid solutionId, SolutionChangeFeed feed, CircuitSession session)
    {
        var follower = new Follower(this, solutionId, feed);
        Upstream? started = null;
        lock (_streams)
        {
            if (!_streams.TryGetValue(solutionId, out var upstream))
            {
                _streams[solutionId] = started = upstream = new Upstream(solutionId);
            }
            upstream.Followers.Add(follower);
            if (upstream.Ready)
            {
                follower.Post(SolutionChange.Ready);
            }
        }
        // Outside the lock: a sign-in that already ended calls back at once.
        follower.WatchSession(session);
        if (started is not null)
        {
            _ = RunAsync(started);
        }
        return follower;
    }

    private void Leave(Follower follower, bool refused)
    {
        lock (_streams)
        {
            if (!_streams.TryGetValue(follower.SolutionId, out var upstream) || !upstream.Followers.Remove(follower))
            {
                return;
            }
            if (upstream.Followers.Count == 0)
            {
                _streams.Remove(follower.SolutionId);
                upstream.Stop.Cancel();
            }
            else if (upstream.Opener == follower)
            {
                // The stream runs on this follower's token: open it again with someone else's.
                upstream.SwitchOpener.Cancel();
            }
        }
        if (refused)
        {
            LogRefused(logger, follower.SolutionId);
        }
    }

    private void Publish(Upstream upstream, SolutionChange change, SolutionChangeKinds kinds = SolutionChangeKinds.None)
    {
        lock (_streams)
        {
            upstream.Ready = change != SolutionChange.Down;
            if (change == SolutionChange.Changed)
            {
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    LogChanged(logger, upstream.SolutionId, upstream.Followers.Count, kinds, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                }
            }
            foreach (var follower in upstream.Followers)
            {
                follower.Post(change, kinds);
            }
        }
    }

    /// <summary>
    /// Keeps the Api stream of one solution open while it has followers: a stream that breaks, is refused or stays silent
    /// is opened again after 1, 2, 4 ... 30 s; one that ends cleanly (the Api closes streams after 10 minutes) or loses its
    /// opener is opened again at once.
    /// </summary>
    private async Task RunAsync(Upstream upstream)
    {
        var delay = TimeSpan.FromSeconds(1);
        var stop = upstream.Stop.Token;
        while (!stop.IsCancellationRequested)
        {
            Follower? opener;
            CancellationTokenSource switchOpener;
            lock (_streams)
            {
                opener = upstream.Followers.Count > 0 ? upstream.Followers[0] : null;
                upstream.Opener = opener;
                upstream.SwitchOpener.Dispose();
                upstream.SwitchOpener = switchOpener = new CancellationTokenSource();
            }
            if (opener is null)
            {
                return;
            }
            var retryAt = delay;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, switchOpener.Token);
            try
            {
                linked.CancelAfter(StreamSilence);
                bool opened = false, refused = false;
                await foreach (var (name, kinds) in opener.Feed.FollowAsync(upstream.SolutionId, linked.Token))
                {
                    linked.CancelAfter(StreamSilence);
                    if (name == "ready")
                    {
                        opened = true;
                        delay = TimeSpan.FromSeconds(1);
                        Publish(upstream, SolutionChange.Ready);
                    }
                    else if (name == "changed")
                    {
                        Publish(upstream, SolutionChange.Changed, kinds);
                    }
                    else if (name == SolutionChangeFeed.Refused)
                    {
                        // This follower may no longer see the solution: it stops following, the others go on.
                        opener.Refuse();
                        refused = true;
                    }
                }
                // A stream that ran ends after the Api's lifetime for it (10 minutes) and is opened again at once; one
                // refused moves on to the next follower at once; one that closed before it was ready waits first.
                if (opened || refused)
                {
                    retryAt = TimeSpan.Zero;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException) when (switchOpener.IsCancellationRequested)
            {
                retryAt = TimeSpan.Zero;
            }
            catch (ObjectDisposedException)
            {
                // The opener's circuit went away under the stream (its services are gone): move on to another follower.
                opener.Refuse();
                retryAt = TimeSpan.Zero;
            }
            catch (SessionExpiredException)
            {
                // The opener's sign-in ended: it is dropped (its session watcher does that too) and another one opens.
                opener.Refuse();
                retryAt = TimeSpan.Zero;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                LogBroken(logger, upstream.SolutionId, e.GetType().Name);
            }
            catch (Exception e)
            {
                // Never let one solution's stream end the loop for good; the slow poll covers the gap.
                LogFailed(logger, e, upstream.SolutionId);
            }
            if (stop.IsCancellationRequested)
            {
                return;
            }
            Publish(upstream, SolutionChange.Down);
            if (retryAt > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(retryAt, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, s_maxReconnectDelay.Ticks));
            }
        }
    }

    private sealed class Upstream(Guid solutionId)
    {
        public Guid SolutionId { get; } = solutionId;
        public List<Follower> Followers { get; } = [];
        public CancellationTokenSource Stop { get; } = new();
        public CancellationTokenSource SwitchOpener { get; set; } = new();
        public Follower? Opener { get; set; }
        public bool Ready { get; set; }
    }

    /// <summary>
    /// One circuit's interest in one solution: its events in order, with changes that arrive faster than they are read
    /// folded into one whose kinds are all of theirs (a re-read sees all of them). Completes when the follower is dropped (its sign-in ended, or the Api
    /// refused it the stream); dispose to leave.
    /// </summary>
    public sealed class Follower : IDisposable
    {
        private readonly SolutionChangeHub _hub;
        // Unbounded but small: Ready and Down come only when the stream's state flips, and changes are folded into one.
        private readonly Channel<SolutionChange> _events = Channel.CreateUnbounded<SolutionChange>(
            new UnboundedChannelOptions { SingleReader = true });
        private CircuitSession? _session;
        // The kinds of the changes not yet taken, plus PendingFlag while a Changed event is queued for them.
        private int _pendingKinds, _left;
        private long _received;
        // Completed (and replaced) whenever a change arrives, for a page waiting for the notice of its own write.
        private TaskCompletionSource _arrival = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private const int PendingFlag = 1 << 30;

        internal Follower(SolutionChangeHub hub, Guid solutionId, SolutionChangeFeed feed)
        {
            _hub = hub;
            SolutionId = solutionId;
            Feed = feed;
        }

        public Guid SolutionId { get; }

        internal SolutionChangeFeed Feed { get; }

        /// <summary>When the last change reached this follower, in Unix milliseconds (for the Debug timing of a refresh).</summary>
        public long LastChangeAt { get; private set; }

        /// <summary>
        /// How many change notices have reached this follower. A notice counted before a read was sent is about a write
        /// that read already sees; one counted later may not be.
        /// </summary>
        public long Received => Interlocked.Read(ref _received);

        /// <summary>
        /// Waits until more than <paramref name="after"/> notices have arrived, or <paramref name="max"/> has passed;
        /// says whether they had.
        /// </summary>
        internal async Task<bool> WaitForChangeAsync(long after, TimeSpan max, CancellationToken ct)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(max);
            while (true)
            {
                // The signal is taken before the count is checked: a notice counted after the check completes this one.
                var arrival = Volatile.Read(ref _arrival);
                if (Received > after)
                {
                    return true;
                }
                try
                {
                    await arrival.Task.WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    return Received > after;
                }
            }
        }

        /// <summary>
        /// The next event, with the kinds of what changed for <see cref="SolutionChange.Changed"/>; null once the follower
        /// was dropped or left.
        /// </summary>
        /// <remarks>
        /// <c>Through</c> is <see cref="Received"/> once a change's kinds were taken: every notice folded into it was
        /// counted by then (a notice is counted before its kinds are added).
        /// </remarks>
        internal async ValueTask<(SolutionChange Change, SolutionChangeKinds Kinds, long Through)?> NextAsync(CancellationToken ct)
        {
            if (!await _events.Reader.WaitToReadAsync(ct) || !_events.Reader.TryRead(out var change))
            {
                return null;
            }
            if (change != SolutionChange.Changed)
            {
                return (change, SolutionChangeKinds.None, Received);
            }
            // From here on a new change is a new event: the re-read about to start may already miss it.
            var kinds = (SolutionChangeKinds)(Interlocked.Exchange(ref _pendingKinds, 0) & ~PendingFlag);
            return (change, kinds == SolutionChangeKinds.None ? SolutionChangeKinds.All : kinds, Received);
        }

        internal void Post(SolutionChange change, SolutionChangeKinds kinds = SolutionChangeKinds.None)
        {
            if (change == SolutionChange.Changed)
            {
                LastChangeAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                Interlocked.Increment(ref _received);
                Interlocked.Exchange(ref _arrival, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                // Unknown kinds are all of them; a change already queued takes these kinds along.
                var flags = (int)(kinds == SolutionChangeKinds.None ? SolutionChangeKinds.All : kinds);
                if ((Interlocked.Or(ref _pendingKinds, flags | PendingFlag) & PendingFlag) != 0)
                {
                    return;
                }
            }
            _events.Writer.TryWrite(change);
        }

        internal void WatchSession(CircuitSession session)
        {
            session.Ended += OnSessionEnded;
            _session = session;
            if (session.EndReason is not null)
            {
                Refuse();
            }
        }

        private void OnSessionEnded(SessionEnd reason) => Refuse();

        /// <summary>Drops this follower: it receives nothing more, and a stream on its token is opened again on another.</summary>
        internal void Refuse() => LeaveOnce(refused: true);

        public void Dispose() => LeaveOnce(refused: false);

        private void LeaveOnce(bool refused)
        {
            if (Interlocked.Exchange(ref _left, 1) == 1)
            {
                return;
            }
            if (_session is not null)
            {
                _session.Ended -= OnSessionEnded;
            }
            _events.Writer.TryComplete();
            _hub.Leave(this, refused);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Solution {SolutionId} changed: fanned out to {Followers} circuits at {UnixMs} (Unix ms), kinds {Kinds}")]
    private static partial void LogChanged(ILogger logger, Guid solutionId, int followers, SolutionChangeKinds kinds, long unixMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Solution {SolutionId}: a follower was dropped (sign-in ended or access refused)")]
    private static partial void LogRefused(ILogger logger, Guid solutionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Solution {SolutionId}: the change stream broke ({Reason}); opening it again")]
    private static partial void LogBroken(ILogger logger, Guid solutionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Solution {SolutionId}: the change stream failed; opening it again")]
    private static partial void LogFailed(ILogger logger, Exception exception, Guid solutionId);
}
