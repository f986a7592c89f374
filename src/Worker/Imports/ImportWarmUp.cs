using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Worker.Imports;

/// <summary>
/// Builds the EF model and compiles the queries an import starts with, in the background when the Worker starts, so the
/// first import after a deployment does not spend seconds on it while the uploader watches a queued import. Best effort:
/// read-only queries that match nothing; a failure is only logged (the job would build the same things itself).
/// </summary>
internal sealed class ImportWarmUp(IServiceScopeFactory scopes, ILogger<ImportWarmUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            var none = Guid.Empty;
            await db.Imports.FirstOrDefaultAsync(i => i.Id == none, stoppingToken);
            await db.Users.AsNoTracking().Where(u => u.Id == none).Select(u => u.DisplayName).FirstOrDefaultAsync(stoppingToken);
            await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == none, stoppingToken);
            await db.Problems.AsNoTracking().Where(p => p.ProjectId == none && p.DeletedAt == null && p.ExternalId != null)
                .Select(p => new { p.ExternalId, p.Id, p.MaxPoints }).ToListAsync(stoppingToken);
            List<Guid> ids = [];
            List<string> externalIds = [];
            await db.Solutions.AsNoTracking()
                .Where(s => EF.Parameter(ids).Contains(s.ProblemId) && EF.Parameter(externalIds).Contains(s.ExternalId!))
                .Select(s => new { s.Id, s.ProblemId, s.ExternalId, s.Text, s.Author }).ToListAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogInformation(ex, "Warming up the import queries failed; the first import will do it");
        }
        catch (OperationCanceledException)
        {
            // Stopping before it finished: nothing to warm up for.
        }
    }
}
