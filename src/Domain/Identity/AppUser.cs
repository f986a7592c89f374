using Microsoft.AspNetCore.Identity;

namespace GradingPortal.Domain.Identity;

/// <summary>A person who signs in. Global administrators manage users and see every project.</summary>
public sealed class AppUser : IdentityUser<Guid>
{
    public string DisplayName { get; set; } = "";
    public bool IsAdmin { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// When an administrator disabled the account, or null. A disabled person cannot sign in, refresh a session or use
    /// an API token. Kept apart from Identity's lockout, which only slows password guessing and must not stop tokens.
    /// </summary>
    public DateTimeOffset? DisabledAt { get; set; }

    public bool IsDisabled => DisabledAt is not null;
}

/// <summary>
/// A signed-in session (one login and the refresh tokens that follow from it) that was ended by signing out. Refresh
/// tokens name their session, and a revoked one is refused until the session's last refresh token would have expired.
/// </summary>
public sealed class RevokedSession
{
    private RevokedSession()
    {
    }

    public Guid SessionId { get; private set; }
    public Guid UserId { get; private set; }
    public DateTimeOffset RevokedAt { get; private set; }
    /// <summary>After this, every refresh token of the session has expired on its own and the row can go.</summary>
    public DateTimeOffset KeepUntil { get; private set; }

    public static RevokedSession Create(Guid sessionId, Guid userId, DateTimeOffset now, DateTimeOffset keepUntil) =>
        new() { SessionId = sessionId, UserId = userId, RevokedAt = now, KeepUntil = keepUntil };
}
