using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>What a list needs to name a solution for people: its external id and author (null where the caller may not see authors).</summary>
internal readonly record struct SolutionName(string? Author, string? ExternalId);

/// <summary>
/// The names of the solutions on one page of a list (review queue, audit, agreement pairs, run failures). Ids alone do not
/// tell solutions apart: version-7 ids made in the same second share their first characters.
/// </summary>
internal static class SolutionNames
{
    public static async Task<Dictionary<Guid, SolutionName>> LoadAsync(GradingDbContext db, Guid projectId, ProjectRole role,
        IEnumerable<Guid> solutionIds, CancellationToken ct)
    {
        var ids = solutionIds.Distinct().ToList();
        if (ids.Count == 0)
        {
            return [];
        }
        var hideAuthors = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => p.HideAuthors).FirstOrDefaultAsync(ct);
        var seesAuthors = BlindPolicy.MaySeeAuthor(hideAuthors, role);
        return await db.Solutions.AsNoTracking().Where(s => ids.Contains(s.Id))
            .Select(s => new { s.Id, s.Author, s.ExternalId })
            .ToDictionaryAsync(s => s.Id, s => new SolutionName(seesAuthors ? s.Author : null, s.ExternalId), ct);
    }
}
