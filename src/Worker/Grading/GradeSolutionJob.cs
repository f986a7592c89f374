using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using GradingPortal.Domain.Persistence;
using GradingPortal.Jobs;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// Grades one solution of a run (<see cref="JobContracts.GradeSolution"/>). Safe to run twice and to run on two Workers
/// at once: a finished item returns at once; an advisory lock on the item lets one execution work on it at a time (the
/// other tries again later, by which time the item is usually finished); the claim is a conditional update that counts
/// the attempt; every model call has a key derived from the item, so a repeated execution reuses the calls already made;
/// and the unique (run, solution) index on model grades keeps a second grade out. The last item to finish completes the run.
/// </summary>
internal sealed class GradeSolutionJob(GradingDbContext db, ProblemPreparation preparation, SolutionGrader grader, RunProgress progress,
    JobQueue queue, TimeProvider clock, ILogger<GradeSolutionJob> logger) : IJob
{
    /// <summary>How long an execution that found the item locked by another waits before it looks again.</summary>
    internal static readonly TimeSpan LockedRetry = TimeSpan.FromSeconds(20);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var ct = cancellationToken;
        if (GradingJobs.IdOf(context, JobContracts.GradeSolution) is not { } itemId)
        {
            logger.LogError("Grade-solution job {Key} has no run item id", context.JobDetail.Key);
            return;
        }
        var item = await db.GradingRunItems.AsNoTracking().FirstOrDefaultAsync(i => i.Id == itemId, ct);
        if (item is null || item.IsTerminal)
        {
            return;
        }
        var run = await db.GradingRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == item.RunId, ct);
        if (run is null)
        {
            return;
        }
        if (run.Status == GradingRunStatus.Cancelled)
        {
            await progress.CancelOpenItemsAsync(run.Id, item.Id, ct);
            return;
        }
        if (run.IsTerminal || run.Status == GradingRunStatus.Queued)
        {
            return;
        }
        var problemStatus = await db.GradingRunProblems.Where(p => p.RunId == run.Id && p.ProblemId == item.ProblemId)
            .Select(p => (RunProblemStatus?)p.Status).FirstOrDefaultAsync(ct);
        if (problemStatus != RunProblemStatus.Ready)
        {
            // Its problem's preparation queues it once the problem is ready.
            return;
        }

        await using var held = await AdvisoryLock.TryAcquireAsync(db.Database.GetConnectionString()!, $"run-item:{item.Id}", ct);
        if (held is null)
        {
            // Another execution is on this item right now (or its Worker died and the lock has not been released yet).
            await GradingJobs.RetryLaterAsync(context, LockedRetry);
            return;
        }
        var now = clock.GetUtcNow();
        var claimed = await db.GradingRunItems
            .Where(i => i.Id == item.Id && (i.Status == RunItemStatus.Pending || i.Status == RunItemStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, RunItemStatus.Running).SetProperty(i => i.Attempts, i => i.Attempts + 1)
                .SetProperty(i => i.StartedAt, i => i.StartedAt ?? now), ct);
        if (claimed == 0)
        {
            return;
        }
        try
        {
            await GradeAsync(run, item, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The Worker is stopping: hand the item back and run the job again later (here or on another Worker).
            await progress.ReleaseItemAsync(item.Id, CancellationToken.None);
            await GradingJobs.RetryLaterAsync(context, TimeSpan.FromSeconds(5));
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Grading item {ItemId} of run {RunId} failed", item.Id, run.Id);
            db.ChangeTracker.Clear();
            await progress.FinishItemAsync(item.Id, RunItemStatus.Failed, $"Grading stopped on an unexpected error: {ex.Message}", CancellationToken.None);
        }
        await progress.CompleteIfDoneAsync(run.Id, CancellationToken.None);
    }

    private async Task GradeAsync(GradingRun run, GradingRunItem item, CancellationToken ct)
    {
        var profile = await db.ModelProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.Id == run.ModelProfileId, ct);
        if (profile is null || profile.IsDeleted)
        {
            await progress.ReleaseItemAsync(item.Id, ct);
            await queue.EnqueueAsync(JobContracts.StartRun, run.Id, ct);
            return;
        }
        var prepared = await preparation.PrepareAsync(run, profile, item.ProblemId, derive: false, ct);
        switch (prepared.Status)
        {
            case PreparationStatus.Failed:
                await progress.FinishItemAsync(item.Id, RunItemStatus.Failed, prepared.Reason, ct);
                return;
            case PreparationStatus.NotPrepared or PreparationStatus.AwaitingApproval:
                // The problem changed since it was prepared (an edited statement or reference, a retired rubric): prepare it
                // again; that job queues this item once the problem is ready.
                logger.LogInformation("Item {ItemId}: problem {ProblemId} needs preparing again ({Reason})", item.Id, item.ProblemId, prepared.Reason);
                await progress.ReleaseItemAsync(item.Id, ct);
                var runProblemId = await db.GradingRunProblems.Where(p => p.RunId == run.Id && p.ProblemId == item.ProblemId).Select(p => p.Id).FirstAsync(ct);
                await progress.SetProblemAsync(runProblemId, RunProblemStatus.Pending, null, ct);
                await queue.EnqueueAsync(JobContracts.PrepareProblem, runProblemId, ct);
                return;
            default:
                break;
        }
        var outcome = await grader.GradeAsync(run, item, profile, prepared, ct);
        switch (outcome.Status)
        {
            case RunItemStatus.Failed:
                await progress.FinishItemAsync(item.Id, RunItemStatus.Failed, outcome.Error, ct);
                break;
            case RunItemStatus.Cancelled:
                await progress.CancelOpenItemsAsync(run.Id, item.Id, ct);
                break;
            default:
                // Graded or NeedsAttention: stored with the item's state by the grader.
                break;
        }
    }
}
