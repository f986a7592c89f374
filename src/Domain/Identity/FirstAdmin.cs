using System.Security.Cryptography;
using GradingPortal.Domain.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Domain.Identity;

/// <summary>The outcome of <see cref="FirstAdmin.EnsureAsync"/>.</summary>
/// <param name="Created">Whether a user was created now.</param>
/// <param name="Email">The admin's email.</param>
/// <param name="GeneratedPassword">The password, when it was generated here (to be shown once); null otherwise.</param>
public sealed record FirstAdminResult(bool Created, string Email, string? GeneratedPassword);

/// <summary>
/// Creates the first administrator when the database has no users: from configured credentials, or with a generated
/// password that the caller shows exactly once. Used by the migrator (deployments) and by tests.
/// </summary>
public static class FirstAdmin
{
    public const string DefaultEmail = "admin@gradingportal.local";

    public static async Task<FirstAdminResult> EnsureAsync(GradingDbContext db, string? email, string? password, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        email = string.IsNullOrWhiteSpace(email) ? DefaultEmail : email.Trim();
        if (await db.Users.AnyAsync(cancellationToken))
        {
            return new FirstAdminResult(false, email, null);
        }
        var generated = string.IsNullOrEmpty(password);
        password = generated ? GeneratePassword() : password!;
        var user = NewUser(email, "Administrator", isAdmin: true, now);
        user.PasswordHash = new PasswordHasher<AppUser>().HashPassword(user, password);
        db.Users.Add(user);
        await db.SaveChangesAsync(cancellationToken);
        return new FirstAdminResult(true, email, generated ? password : null);
    }

    /// <summary>A user record with the normalised fields Identity expects (no password set).</summary>
    public static AppUser NewUser(string email, string? displayName, bool isAdmin, DateTimeOffset now) => new()
    {
        Id = Common.Ids.New(),
        UserName = email,
        NormalizedUserName = email.ToUpperInvariant(),
        Email = email,
        NormalizedEmail = email.ToUpperInvariant(),
        EmailConfirmed = true,
        DisplayName = string.IsNullOrWhiteSpace(displayName) ? email : displayName.Trim(),
        IsAdmin = isAdmin,
        SecurityStamp = Guid.NewGuid().ToString("N"),
        ConcurrencyStamp = Guid.NewGuid().ToString("N"),
        CreatedAt = now,
        LockoutEnabled = true,
    };

    private static string GeneratePassword()
    {
        // 18 random bytes → 24 URL-safe characters; a digit and symbols are guaranteed by construction for Identity's rules.
        var core = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y');
        return $"Gp-{core}-7a";
    }
}
