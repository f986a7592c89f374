using Microsoft.AspNetCore.Identity;

namespace GradingPortal.Domain.Identity;

/// <summary>A person who signs in. Global administrators manage users and see every project.</summary>
public sealed class AppUser : IdentityUser<Guid>
{
    public string DisplayName { get; set; } = "";
    public bool IsAdmin { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
