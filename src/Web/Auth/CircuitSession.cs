using Microsoft.AspNetCore.Components.Authorization;

namespace GradingPortal.Web.Auth;

/// <summary>
/// The signed-in person's Api tokens for one circuit (a scoped service: one per circuit). HttpContext exists only for
/// the request that opened the circuit, so the tokens are seeded from the principal that request authenticated (the
/// circuit's <see cref="AuthenticationStateProvider"/>), renewed here when they near expiry or the Api answers 401, and
/// dropped when the sign-in ends anywhere (<see cref="SessionRegistry"/>). Calls of one circuit share one renewal.
/// </summary>
public sealed class CircuitSession(AuthenticationStateProvider authState, SessionRegistry registry, SessionRenewer renewer,
    TimeProvider time, ILogger<CircuitSession> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Session? _session;
    private IDisposable? _listening;
    private SessionEnd? _ended;

    /// <summary>Raised once when this sign-in ends (here or in another tab); the layout then leaves for the sign-in page.</summary>
    public event Action<SessionEnd>? Ended;

    public SessionEnd? EndReason => _ended;

    /// <summary>Who is signed in, once <see cref="StartAsync"/> ran; null when the circuit has no session.</summary>
    public Session? Current => _session;

    /// <summary>Seeds the tokens from the circuit's authenticated principal and starts listening for the sign-in's end.</summary>
    public async Task<Session?> StartAsync()
    {
        if (_session is not null || _ended is not null)
        {
            return _session;
        }
        var state = await authState.GetAuthenticationStateAsync();
        if (Session.From(state.User) is not { } session)
        {
            return null;
        }
        _session = registry.Latest(session);
        _listening ??= registry.Listen(session.SessionId, OnEnded);
        return _session;
    }

    /// <summary>An access token that is not about to expire; renews first when it is.</summary>
    public async Task<string> GetAccessTokenAsync(CancellationToken ct)
    {
        var session = await StartAsync() ?? throw new SessionExpiredException();
        ThrowIfEnded();
        return session.NeedsRenewal(time.GetUtcNow()) ? await RenewAsync(session.AccessToken, ct) : session.AccessToken;
    }

    /// <summary>
    /// Renews after the Api refused <paramref name="refusedToken"/>; a call that raced another renewal gets the token that
    /// renewal obtained. Ends the sign-in when the Api refuses to renew it.
    /// </summary>
    public async Task<string> RenewAsync(string refusedToken, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            ThrowIfEnded();
            var session = _session ?? throw new SessionExpiredException();
            if (session.AccessToken != refusedToken && !session.NeedsRenewal(time.GetUtcNow()))
            {
                return session.AccessToken;
            }
            var (outcome, renewed) = await renewer.RenewAsync(session, ct);
            switch (outcome)
            {
                case TokenOutcome.Issued:
                    _session = renewed!;
                    registry.Renewed(renewed!);
                    return renewed!.AccessToken;
                case TokenOutcome.Refused:
                    registry.End(session.SessionId, SessionEnd.Expired);
                    throw new SessionExpiredException();
                default:
                    // The Api is unreachable: the token may still work until it expires; the call reports the outage.
                    return session.AccessToken;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Ends this sign-in everywhere (e.g. the Api refused a token it had just issued).</summary>
    public void End(SessionEnd reason)
    {
        if (_session is { } session)
        {
            registry.End(session.SessionId, reason);
        }
    }

    private void ThrowIfEnded()
    {
        if (_ended is not null)
        {
            throw new SessionExpiredException();
        }
    }

    private void OnEnded(SessionEnd reason)
    {
        _ended = reason;
        _session = null;
        logger.LogInformation("A circuit's sign-in ended ({Reason}).", reason);
        Ended?.Invoke(reason);
    }

    public void Dispose()
    {
        _listening?.Dispose();
        _gate.Dispose();
    }
}
