using System.Security.Cryptography;
using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Identity;

/// <summary>
/// A one-time ticket that lets a site admin's browser open the Api's jobs dashboard: the Web asks for one with the
/// person's session and sends the browser to the Api with it, which trades it for a dashboard cookie. Only the SHA-256
/// of the secret is stored, so a copy of the table opens nothing; a ticket lives a minute and is deleted when used.
/// </summary>
public sealed class JobsDashboardTicket
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    private JobsDashboardTicket()
    {
    }

    public Guid Id { get; private set; }
    public Guid UserId { get; private set; }
    public string SecretHash { get; private set; } = "";
    public DateTimeOffset ExpiresAt { get; private set; }

    /// <summary>Creates a ticket and returns it with its secret, which exists in clear only in this answer.</summary>
    public static (JobsDashboardTicket Ticket, string Secret) Issue(Guid userId, DateTimeOffset now)
    {
        var secret = ApiToken.Base64Url(RandomNumberGenerator.GetBytes(32));
        return (new JobsDashboardTicket { Id = Ids.New(), UserId = userId, SecretHash = ApiToken.Hash(secret), ExpiresAt = now + Lifetime }, secret);
    }
}
