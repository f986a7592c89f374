using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// Prepares one problem of a run (<see cref="IGradingJobs.PrepareProblem"/>): derives or finds what its workflow needs
/// (clusters, analyses, rubrics; or checks that a reference or an official scheme exists), then marks it ready and
/// queues its solutions, or leaves it awaiting approval of a derived rubric, or fails it (and its items) with the reason.
/// </summary>
internal sealed partial class PrepareProblemJob(GradingDbContext db, ProblemPreparation preparation, RunProgress progress, GradingQueue queue, SliceRunner runner,
    ILogger<PrepareProblemJob> logger)
{
    public async Task RunAsync(Guid runProblemId, CancellationToken cancellationToken)
    {
        // Hangfire cancels the token when the Worker stops: the preparation and its lanes hand their items back, the
        // cancellation propagates, and Hangfire puts the job back in the queue for any Worker.
        var ct = cancellationToken;
        var runProblem = await db.GradingRunProblems.AsNoTracking().FirstOrDefaultAsync(p => p.Id == runProblemId, ct);
        if (runProblem is null)
        {
            return;
        }
        LogFired(logger, runProblem.ProblemId, runProblem.RunId);
        try
        {
            await PrepareAsync(runProblem, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Preparing problem {ProblemId} of run {RunId} failed", runProblem.ProblemId, runProblem.RunId);
            db.ChangeTracker.Clear();
            var reason = $"Preparing the problem stopped on an unexpected error: {ex.Message}";
            await progress.SetProblemAsync(runProblem.Id, RunProblemStatus.Failed, reason, CancellationToken.None);
            await progress.FailOpenItemsAsync(runProblem.RunId, runProblem.ProblemId, reason, CancellationToken.None);
            await progress.CompleteIfDoneAsync(runProblem.RunId, CancellationToken.None);
        }
    }

    private async Task PrepareAsync(GradingRunProblem runProblem, CancellationToken ct)
    {
        var run = await db.GradingRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runProblem.RunId, ct);
        if (run is null || run.IsTerminal)
        {
            return;
        }
        if (run.Status == GradingRunStatus.Queued)
        {
            queue.PlanRun(run.Id);
            return;
        }
        if (runProblem.Status == RunProblemStatus.Ready)
        {
            await progress.RefreshStatusAsync(run.Id, ct);
            await progress.ScheduleSlicesAsync(runProblem.Id, run.Id, runProblem.ProblemId, ct);
            return;
        }
        if (runProblem.Status == RunProblemStatus.Failed)
        {
            return;
        }
        var profile = await db.ModelProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.Id == run.ModelProfileId, ct);
        if (profile is null || profile.IsDeleted)
        {
            queue.PlanRun(run.Id);
            return;
        }
        await progress.SetProblemAsync(runProblem.Id, RunProblemStatus.Preparing, null, ct);
        // Once the problem's clusters are known, a slice of its own solutions starts here and extracts their steps while the
        // analyses and rubrics are derived; when the problem is ready the same lanes grade, beside the problem's GradeSlice
        // jobs (queued as usual, so that other Workers join in).
        var clustered = new TaskCompletionSource<PreparedProblem>(TaskCreationOptions.RunContinuationsAsynchronously);
        var preparing = preparation.PrepareAsync(run, profile, runProblem.ProblemId, derive: true, c => clustered.TrySetResult(c), ct);
        Slice? slice = null;
        Task<ICollection<Guid>>? lanes = null;
        if (await Task.WhenAny(preparing, clustered.Task) == clustered.Task && !preparing.IsCompleted)
        {
            slice = Slice.Of(run, profile, runProblem.ProblemId, clustered.Task.Result) with { Preparing = ReadyOrNull(preparing) };
            lanes = runner.RunAsync(slice, ct);
        }
        PreparedProblem prepared;
        try
        {
            prepared = await preparing;
        }
        catch
        {
            if (lanes is not null)
            {
                // The lanes see the preparation end without a result and hand their items back.
                await ((Task)lanes).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            throw;
        }
        var stopped = await progress.RunStatusAsync(run.Id, ct) is GradingRunStatus.Cancelled or null;
        if (lanes is not null && (stopped || prepared.Status != PreparationStatus.Ready))
        {
            // The lanes end by themselves (the run stopped, or the problem is not ready) and hand their items back first.
            await lanes;
        }
        if (stopped)
        {
            return;
        }
        switch (prepared.Status)
        {
            case PreparationStatus.Ready:
                await progress.SetProblemAsync(runProblem.Id, RunProblemStatus.Ready, null, ct);
                await progress.RefreshStatusAsync(run.Id, ct);
                await progress.ScheduleSlicesAsync(runProblem.Id, run.Id, runProblem.ProblemId, ct);
                lanes ??= runner.RunAsync(Slice.Of(run, profile, runProblem.ProblemId, prepared), ct);
                var skipped = await lanes;
                if (skipped.Count > 0)
                {
                    // Items held elsewhere when the lanes looked: the job runs again later, finds the problem ready and queues
                    // its slices, which take whatever is still open then.
                    queue.PrepareProblemLater(runProblem.Id, GradeSliceJob.LockedRetry);
                }
                await progress.CompleteIfDoneAsync(run.Id, CancellationToken.None);
                break;
            case PreparationStatus.AwaitingApproval:
                await progress.SetProblemAsync(runProblem.Id, RunProblemStatus.AwaitingApproval, prepared.Reason, ct);
                await progress.RefreshStatusAsync(run.Id, ct);
                break;
            default:
                var reason = prepared.Reason ?? "The problem could not be prepared.";
                logger.LogWarning("Problem {ProblemId} of run {RunId} failed: {Reason}", runProblem.ProblemId, run.Id, reason);
                await progress.SetProblemAsync(runProblem.Id, RunProblemStatus.Failed, reason, ct);
                await progress.FailOpenItemsAsync(run.Id, runProblem.ProblemId, reason, ct);
                await progress.RefreshStatusAsync(run.Id, ct);
                await progress.CompleteIfDoneAsync(run.Id, ct);
                break;
        }
    }

    /// <summary>The preparation when it ends ready, else null (failed, awaiting approval, or interrupted).</summary>
    private static async Task<PreparedProblem?> ReadyOrNull(Task<PreparedProblem> preparing)
    {
        try
        {
            var prepared = await preparing;
            return prepared.Status == PreparationStatus.Ready ? prepared : null;
        }
        catch (Exception)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Preparing problem {ProblemId} of run {RunId}")]
    private static partial void LogFired(ILogger logger, Guid problemId, Guid runId);
}
