using System.Collections.Concurrent;

namespace GradingPortal.Web.Auth;

/// <summary>Why a sign-in ended.</summary>
public enum SessionEnd
{
    /// <summary>The person signed out (in this browser tab or another one).</summary>
    SignedOut,
    /// <summary>The Api refused to renew the session (revoked elsewhere, password changed, account disabled, expired).</summary>
    Expired,
}

/// <summary>
/// The Web's server-side record of sign-ins: the newest Api tokens of each (a circuit that renewed them shares them with
/// circuits opened later from the same, older cookie) and the sign-ins that ended, so that every open circuit of an ended
/// one leaves at once and its cookie is refused on the next request. Kept in memory: circuits are tied to one Web process
/// anyway; a circuit on another instance learns of the end at its next renewal, when the Api refuses it.
/// </summary>
public sealed class SessionRegistry(TimeProvider time)
{
    // Longer than any cookie lives (12 h sliding), so an ended session's cookie can never come back.
    private static readonly TimeSpan s_rememberEnded = TimeSpan.FromHours(13);

    private readonly ConcurrentDictionary<Guid, Session> _latest = new();
    private readonly ConcurrentDictionary<Guid, (SessionEnd Reason, DateTimeOffset At)> _ended = new();
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Subscription, byte>> _listeners = new();

    /// <summary>The newer of <paramref name="session"/> and what another circuit of the same sign-in renewed last.</summary>
    public Session Latest(Session session) =>
        _latest.TryGetValue(session.SessionId, out var known) && known.ExpiresAt > session.ExpiresAt ? known : session;

    public void Renewed(Session session)
    {
        if (!IsEnded(session.SessionId))
        {
            _latest.AddOrUpdate(session.SessionId, session, (_, old) => old.ExpiresAt >= session.ExpiresAt ? old : session);
        }
    }

    public bool IsEnded(Guid sessionId) => _ended.ContainsKey(sessionId);

    /// <summary>Ends a sign-in here: its tokens are forgotten and every listener (each open circuit of it) is told.</summary>
    public void End(Guid sessionId, SessionEnd reason)
    {
        var now = time.GetUtcNow();
        foreach (var (id, ended) in _ended)
        {
            if (now - ended.At > s_rememberEnded)
            {
                _ended.TryRemove(id, out _);
            }
        }
        if (!_ended.TryAdd(sessionId, (reason, now)))
        {
            return;
        }
        _latest.TryRemove(sessionId, out _);
        if (_listeners.TryRemove(sessionId, out var listeners))
        {
            foreach (var listener in listeners.Keys)
            {
                listener.Notify(reason);
            }
        }
    }

    /// <summary>Calls <paramref name="onEnd"/> once when the sign-in ends (at once if it already has); dispose to stop listening.</summary>
    public IDisposable Listen(Guid sessionId, Action<SessionEnd> onEnd)
    {
        var subscription = new Subscription(this, sessionId, onEnd);
        _listeners.GetOrAdd(sessionId, _ => new()).TryAdd(subscription, 0);
        if (_ended.TryGetValue(sessionId, out var ended))
        {
            subscription.Notify(ended.Reason);
        }
        return subscription;
    }

    private sealed class Subscription(SessionRegistry registry, Guid sessionId, Action<SessionEnd> onEnd) : IDisposable
    {
        private int _done;

        public void Notify(SessionEnd reason)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                onEnd(reason);
            }
        }

        public void Dispose()
        {
            Interlocked.Exchange(ref _done, 1);
            if (registry._listeners.TryGetValue(sessionId, out var listeners))
            {
                listeners.TryRemove(this, out _);
            }
        }
    }
}
