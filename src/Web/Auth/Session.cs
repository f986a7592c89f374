using System.Globalization;
using System.Security.Claims;
using GradingPortal.Web.Api;

namespace GradingPortal.Web.Auth;

/// <summary>
/// The signed-in person as Web's auth cookie carries them: who they are (from <c>GET /api/me</c>) and the Api tokens
/// acting for them. The cookie is encrypted with data protection, so the tokens never reach the browser readable.
/// </summary>
public sealed record Session(Guid SessionId, Guid UserId, string DisplayName, string Email, bool IsAdmin, string AccessToken, string RefreshToken,
    DateTimeOffset ExpiresAt)
{
    public const string Scheme = "gp-session";

    // Names this sign-in on the Web's side, so every circuit and cookie of it can be ended together (SessionRegistry).
    private const string SessionIdClaim = "gp:sid";
    private const string AccessTokenClaim = "gp:access_token";
    private const string RefreshTokenClaim = "gp:refresh_token";
    private const string ExpiresAtClaim = "gp:expires_at";
    private const string AdminClaim = "gp:is_admin";

    /// <summary>Renew this long before the access token expires, so a page's calls never race its expiry.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromSeconds(60);

    public static Session Create(MeResponse me, TokenPairResponse tokens, DateTimeOffset now) =>
        new(Guid.NewGuid(), me.Id, me.DisplayName, me.Email, me.IsAdmin, tokens.AccessToken, tokens.RefreshToken, now.AddSeconds(tokens.ExpiresIn));

    public Session WithTokens(TokenPairResponse tokens, DateTimeOffset now) => this with
    {
        AccessToken = tokens.AccessToken,
        // An Api that does not rotate refresh tokens may omit a new one.
        RefreshToken = string.IsNullOrEmpty(tokens.RefreshToken) ? RefreshToken : tokens.RefreshToken,
        ExpiresAt = now.AddSeconds(tokens.ExpiresIn),
    };

    public bool NeedsRenewal(DateTimeOffset now) => ExpiresAt - now <= RenewBefore;

    public ClaimsPrincipal ToPrincipal()
    {
        var identity = new ClaimsIdentity(
        [
            new Claim(SessionIdClaim, SessionId.ToString()),
            new Claim(ClaimTypes.NameIdentifier, UserId.ToString()),
            new Claim(ClaimTypes.Name, DisplayName),
            new Claim(ClaimTypes.Email, Email),
            new Claim(AdminClaim, IsAdmin ? "true" : "false"),
            new Claim(AccessTokenClaim, AccessToken),
            new Claim(RefreshTokenClaim, RefreshToken),
            new Claim(ExpiresAtClaim, ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
        ], Scheme, ClaimTypes.Name, ClaimTypes.Role);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>The session in a principal, or null when it is anonymous or lacks a claim (an old or foreign cookie).</summary>
    public static Session? From(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true)
        {
            return null;
        }
        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        var access = principal.FindFirstValue(AccessTokenClaim);
        var refresh = principal.FindFirstValue(RefreshTokenClaim);
        var expires = principal.FindFirstValue(ExpiresAtClaim);
        if (!Guid.TryParse(principal.FindFirstValue(SessionIdClaim), out var sessionId) || !Guid.TryParse(id, out var userId) || string.IsNullOrEmpty(access) || refresh is null
            || !long.TryParse(expires, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }
        return new Session(sessionId, userId, principal.FindFirstValue(ClaimTypes.Name) ?? "", principal.FindFirstValue(ClaimTypes.Email) ?? "",
            principal.FindFirstValue(AdminClaim) == "true", access, refresh, DateTimeOffset.FromUnixTimeSeconds(seconds));
    }
}
