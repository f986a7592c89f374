using System.Security.Claims;
using GradingPortal.Domain.Auditing;

namespace GradingPortal.Api.Auth;

/// <summary>Claim types GradingPortal adds to a signed-in principal.</summary>
internal static class GradingClaims
{
    public const string IsAdmin = "gp:admin";
    public const string DisplayName = "gp:name";
    public const string ApiTokenId = "gp:token";
    /// <summary>The login session a bearer token belongs to; signing out revokes it (see <c>RevokedSession</c>).</summary>
    public const string SessionId = "gp:sid";
}

/// <summary>The authenticated caller of the current request.</summary>
internal sealed class CurrentUser(IHttpContextAccessor accessor) : IAuditActorAccessor
{
    private ClaimsPrincipal Principal => accessor.HttpContext?.User ?? new ClaimsPrincipal();

    public bool IsAuthenticated => Principal.Identity?.IsAuthenticated == true;

    public Guid Id => Guid.TryParse(Principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
        ? id
        : throw new InvalidOperationException("No authenticated user on this request.");

    public bool IsAdmin => Principal.HasClaim(GradingClaims.IsAdmin, "true");

    /// <summary>True when the request authenticated with a personal API token rather than a signed-in session.</summary>
    public bool ViaApiToken => Principal.HasClaim(c => c.Type == GradingClaims.ApiTokenId);

    public string Name => Principal.FindFirstValue(GradingClaims.DisplayName) ?? Principal.Identity?.Name ?? "unknown";

    /// <summary>Audit entries name the person; changes made through a personal API token say so.</summary>
    public AuditActor Actor => IsAuthenticated
        ? new AuditActor(Id, ViaApiToken ? $"{Name} (API token)" : Name)
        : AuditActor.System;
}
