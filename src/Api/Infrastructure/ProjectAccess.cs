using GradingPortal.Api.Auth;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Infrastructure;

/// <summary>
/// The caller's role in a project. Global administrators act as project Admins everywhere. A null role means
/// "not a member": endpoints answer 404 so that non-members cannot even learn a project exists.
/// </summary>
internal sealed class ProjectAccess(GradingDbContext db, CurrentUser current)
{
    public async Task<ProjectRole?> RoleAsync(Guid projectId, CancellationToken ct)
    {
        if (current.IsAdmin)
        {
            return ProjectRole.Admin;
        }
        var userId = current.Id;
        return await db.ProjectMembers.AsNoTracking()
            .Where(m => m.ProjectId == projectId && m.UserId == userId)
            .Select(m => (ProjectRole?)m.Role)
            .FirstOrDefaultAsync(ct);
    }
}

/// <summary>Role names on the wire.</summary>
internal static class RoleNames
{
    public static string ToWire(this ProjectRole role) => role.ToString().ToLowerInvariant();

    public static bool TryParse(string? value, out ProjectRole role) =>
        Enum.TryParse(value, ignoreCase: true, out role) && Enum.IsDefined(role) && !int.TryParse(value, out _);
}
