using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// One slice of a ready problem's grading (<see cref="IGradingJobs.GradeSlice"/>): loads the run, its profile and the
/// problem's preparation once, then grades the problem's open solutions with <see cref="SliceRunner"/>. A problem has a few
/// slices (on any Workers; its preparation job grades beside them); they share its solutions through the claim. Safe to run
/// twice and on two Workers at once, item by item (see <see cref="SliceRunner"/>). The slice whose lanes run out of items
/// completes the run when nothing is left open.
/// </summary>
internal sealed class GradeSliceJob(GradingDbContext db, ProblemPreparation preparation, RunProgress progress, GradingQueue queue, SliceRunner runner,
    ILogger<GradeSliceJob> logger)
{
    /// <summary>How long a slice that left items locked by another execution waits before it looks again.</summary>
    internal static readonly TimeSpan LockedRetry = TimeSpan.FromSeconds(20);

    public async Task RunAsync(Guid runProblemId, int sliceNumber, CancellationToken cancellationToken)
    {
        // Hangfire cancels the token when the Worker stops: the lanes hand their items back, the cancellation propagates,
        // and Hangfire puts the job back in the queue at once, for this Worker or another.
        var ct = cancellationToken;
        var slice = await LoadAsync(runProblemId, ct);
        if (slice is null)
        {
            return;
        }
        var skipped = await runner.RunAsync(slice, ct);
        if (skipped.Count > 0 && await db.GradingRunItems.AnyAsync(i => i.RunId == slice.Run.Id && i.ProblemId == slice.ProblemId
            && (i.Status == RunItemStatus.Pending || i.Status == RunItemStatus.Running), ct))
        {
            // Held elsewhere: usually finished by then; if their Worker died, their locks are gone and this slice takes them.
            queue.GradeSliceLater(runProblemId, sliceNumber, LockedRetry);
        }
        await progress.CompleteIfDoneAsync(slice.Run.Id, CancellationToken.None);
    }

    /// <summary>What every item of the slice shares, read once; null when there is nothing to grade now.</summary>
    private async Task<Slice?> LoadAsync(Guid runProblemId, CancellationToken ct)
    {
        var runProblem = await db.GradingRunProblems.AsNoTracking().FirstOrDefaultAsync(p => p.Id == runProblemId, ct);
        if (runProblem is null)
        {
            return null;
        }
        var run = await db.GradingRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runProblem.RunId, ct);
        if (run is null)
        {
            return null;
        }
        if (run.Status == GradingRunStatus.Cancelled)
        {
            await progress.CancelOpenItemsAsync(run.Id, null, ct);
            return null;
        }
        if (run.IsTerminal || run.Status == GradingRunStatus.Queued || runProblem.Status != RunProblemStatus.Ready)
        {
            // Its problem's preparation queues the slices once the problem is ready.
            return null;
        }
        var profile = await db.ModelProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.Id == run.ModelProfileId, ct);
        if (profile is null || profile.IsDeleted)
        {
            queue.PlanRun(run.Id);
            return null;
        }
        var prepared = await preparation.PrepareAsync(run, profile, runProblem.ProblemId, derive: false, ct);
        switch (prepared.Status)
        {
            case PreparationStatus.Failed:
                await progress.FailOpenItemsAsync(run.Id, runProblem.ProblemId, prepared.Reason ?? "The problem could not be prepared.", ct);
                await progress.CompleteIfDoneAsync(run.Id, ct);
                return null;
            case PreparationStatus.NotPrepared or PreparationStatus.AwaitingApproval:
                // The problem changed since it was prepared (an edited statement or reference, a retired rubric): prepare it
                // again; that job queues the slices once the problem is ready.
                logger.LogInformation("Run {RunId}: problem {ProblemId} needs preparing again ({Reason})", run.Id, runProblem.ProblemId, prepared.Reason);
                await progress.SetProblemAsync(runProblem.Id, RunProblemStatus.Pending, null, ct);
                queue.PrepareProblem(runProblem.Id);
                return null;
            default:
                return Slice.Of(run, profile, runProblem.ProblemId, prepared);
        }
    }
}

/// <summary>Bounds the items one Worker process grades at once over all its slice jobs (each holds a database connection).</summary>
internal sealed class GradingCapacity(IOptions<WorkerOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxItemsInFlight, options.Value.MaxItemsInFlight);

    public Task WaitAsync(CancellationToken ct) => _slots.WaitAsync(ct);

    public void Release() => _slots.Release();

    public void Dispose() => _slots.Dispose();
}
