using System.Security.Claims;
using System.Text.Encodings.Web;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Persistence;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GradingPortal.Api.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer gpt_...</c> personal API tokens by the SHA-256 of the secret.
/// Login tokens (Identity bearer tokens) are handled by the bearer-token scheme; a policy scheme picks one.
/// </summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    GradingDbContext db,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    /// <summary>Tokens are touched at most this often, so reads do not become writes.</summary>
    private static readonly TimeSpan s_touchInterval = TimeSpan.FromMinutes(5);

    public static bool IsApiToken(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer " + ApiToken.SecretPrefix, StringComparison.Ordinal);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!IsApiToken(header))
        {
            return AuthenticateResult.NoResult();
        }
        var hash = ApiToken.Hash(header["Bearer ".Length..].Trim());
        var now = clock.GetUtcNow();
        // Identity's lockout is deliberately not consulted: it answers password guessing, and a stranger guessing
        // wrong passwords must not be able to stop a person's scripts. Disabling the account is what stops tokens.
        var found = await db.ApiTokens
            .Where(t => t.SecretHash == hash && t.RevokedAt == null && (t.ExpiresAt == null || t.ExpiresAt > now))
            .Join(db.Users.Where(u => u.DisabledAt == null), t => t.UserId, u => u.Id, (t, u) => new { Token = t, User = u })
            .FirstOrDefaultAsync(Context.RequestAborted);
        if (found is null)
        {
            return AuthenticateResult.Fail("Unknown, expired or revoked API token.");
        }
        if (found.Token.LastUsedAt is null || now - found.Token.LastUsedAt > s_touchInterval)
        {
            await db.ApiTokens.Where(t => t.Id == found.Token.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), Context.RequestAborted);
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, found.User.Id.ToString()),
            new(ClaimTypes.Name, found.User.UserName ?? ""),
            new(GradingClaims.DisplayName, found.User.DisplayName),
            new(GradingClaims.ApiTokenId, found.Token.Id.ToString()),
        };
        if (found.User.IsAdmin)
        {
            claims.Add(new Claim(GradingClaims.IsAdmin, "true"));
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
