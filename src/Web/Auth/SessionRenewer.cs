using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;

namespace GradingPortal.Web.Auth;

/// <summary>
/// Collapses concurrent refreshes of the same refresh token (a page and its circuit often ask at once) into one Api call,
/// because Api may rotate refresh tokens and a second refresh with the old one would fail and sign the person out.
/// </summary>
public sealed class RefreshCoordinator(TimeProvider time)
{
    private static readonly TimeSpan s_keep = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (Task<TokenResult> Task, DateTimeOffset At)> _inFlight = new();

    public Task<TokenResult> RefreshAsync(string refreshToken, Func<Task<TokenResult>> refresh)
    {
        var now = time.GetUtcNow();
        foreach (var stale in _inFlight.Where(e => now - e.Value.At > s_keep).Select(e => e.Key).ToList())
        {
            _inFlight.TryRemove(stale, out _);
        }
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(refreshToken)));
        var entry = _inFlight.GetOrAdd(key, _ => (refresh(), now));
        return ForgetUnlessIssuedAsync(key, entry);
    }

    /// <summary>Only new tokens are shared; a refusal or an outage is not remembered, so the next request asks again.</summary>
    private async Task<TokenResult> ForgetUnlessIssuedAsync(string key, (Task<TokenResult> Task, DateTimeOffset At) entry)
    {
        var result = await entry.Task;
        if (result.Outcome != TokenOutcome.Issued)
        {
            _inFlight.TryRemove(new KeyValuePair<string, (Task<TokenResult>, DateTimeOffset)>(key, entry));
        }
        return result;
    }
}

/// <summary>Renews a session's Api tokens and re-issues the auth cookie.</summary>
public sealed class SessionRenewer(AuthApi authApi, RefreshCoordinator coordinator, TimeProvider time, ILogger<SessionRenewer> logger)
{
    /// <summary>Refreshes the tokens of <paramref name="session"/>; null when Api refused (the session is over).</summary>
    public async Task<(TokenOutcome Outcome, Session? Session)> RenewAsync(Session session, CancellationToken ct)
    {
        var result = await coordinator.RefreshAsync(session.RefreshToken, () => authApi.RefreshAsync(session.RefreshToken, CancellationToken.None));
        if (result.Outcome != TokenOutcome.Issued)
        {
            logger.LogInformation("Refreshing the Api session of {UserId} ended with {Outcome}.", session.UserId, result.Outcome);
            return (result.Outcome, null);
        }
        ct.ThrowIfCancellationRequested();
        return (TokenOutcome.Issued, session.WithTokens(result.Tokens!, time.GetUtcNow()));
    }

    /// <summary>
    /// Renews the session of the current request after Api answered 401: updates <c>HttpContext.User</c> and, while the
    /// response has not started, the cookie. Returns the new access token, or null when the session is over.
    /// </summary>
    public async Task<string?> RenewCurrentAsync(HttpContext context, CancellationToken ct)
    {
        var session = Session.From(context.User);
        if (session is null)
        {
            return null;
        }
        var (outcome, renewed) = await RenewAsync(session, ct);
        if (outcome != TokenOutcome.Issued || renewed is null)
        {
            return null;
        }
        var principal = renewed.ToPrincipal();
        context.User = principal;
        if (!context.Response.HasStarted)
        {
            await context.SignInAsync(Session.Scheme, principal);
        }
        return renewed.AccessToken;
    }
}
