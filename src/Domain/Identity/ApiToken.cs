using System.Security.Cryptography;
using System.Text;
using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Identity;

/// <summary>
/// A personal API token for scripts. Only the SHA-256 of the secret is stored; the secret is shown once at creation.
/// </summary>
public sealed class ApiToken : AuditedEntity
{
    /// <summary>Every secret starts with this, so the Api can tell a personal token from a login token.</summary>
    public const string SecretPrefix = "gpt_";

    private ApiToken()
    {
    }

    public Guid UserId { get; private set; }
    public string Name { get; private set; } = "";
    /// <summary>The first characters of the secret, safe to show so a person can recognise the token.</summary>
    public string Hint { get; private set; } = "";
    public string SecretHash { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? LastUsedAt { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }
    /// <summary>When the token stops working on its own; null for a token that lives until it is revoked.</summary>
    public DateTimeOffset? ExpiresAt { get; private set; }

    public bool IsActive => RevokedAt is null;

    /// <summary>Whether the token may authenticate a request at <paramref name="now"/>.</summary>
    public bool IsUsableAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || now < ExpiresAt);

    /// <summary>Creates a token and returns it with its secret (the only time the secret exists in clear).</summary>
    public static (ApiToken Token, string Secret) Issue(Guid userId, string name, DateTimeOffset now, DateTimeOffset? expiresAt = null)
    {
        var errors = new ValidationErrors();
        name = (name ?? "").Trim();
        errors.Require(name.Length is > 0 and <= 100, "name", "Name is required (at most 100 characters).");
        errors.Require(expiresAt is null || expiresAt > now, "expiresAt", "The expiry must be in the future.");
        errors.ThrowIfAny();

        var secret = SecretPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var token = new ApiToken
        {
            Id = Ids.New(),
            UserId = userId,
            Name = name,
            Hint = secret[..(SecretPrefix.Length + 6)],
            SecretHash = Hash(secret),
            CreatedAt = now,
            ExpiresAt = expiresAt,
        };
        return (token, secret);
    }

    public void Revoke(DateTimeOffset now)
    {
        RevokedAt ??= now;
        MarkAuditAction("revoked");
    }

    public void Touch(DateTimeOffset now) => LastUsedAt = now;

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal override string AuditEntityType => "apiToken";
    internal override Guid? AuditProjectId => null;
    internal override object AuditSnapshot() => new { Id, UserId, Name, Hint, CreatedAt, ExpiresAt, RevokedAt };
}

/// <summary>An ASP.NET Core data-protection key ring entry, kept in PostgreSQL so stateless hosts share keys.</summary>
public sealed class DataProtectionKeyRecord
{
    public int Id { get; set; }
    public string? FriendlyName { get; set; }
    public string Xml { get; set; } = "";
}
