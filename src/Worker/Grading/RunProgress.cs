using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using GradingPortal.Domain.Persistence;
using GradingPortal.Jobs;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// State changes of a run, its problems and items that several jobs make. Item and problem transitions are conditional
/// updates (they only move from the states they may leave); run transitions go through <see cref="GradingRun"/>'s rules
/// and its row version, retried on a conflict, so two Workers finishing at once complete a run once.
/// </summary>
internal sealed class RunProgress(GradingDbContext db, GradingQueue queue, TimeProvider clock, Microsoft.Extensions.Options.IOptions<WorkerOptions> options,
    RunStatusCache statuses)
{
    private const int RunUpdateAttempts = 8;

    /// <summary>The run's status; a Running status read by this process less than <see cref="RunStatusCache.MaxAge"/> ago is reused.</summary>
    public async Task<GradingRunStatus?> RunStatusAsync(Guid runId, CancellationToken ct)
    {
        if (statuses.TryGetRunning(runId))
        {
            return GradingRunStatus.Running;
        }
        var status = await db.GradingRuns.Where(r => r.Id == runId).Select(r => (GradingRunStatus?)r.Status).FirstOrDefaultAsync(ct);
        statuses.Remember(runId, status);
        return status;
    }

    /// <summary>
    /// Applies a change to the run with optimistic concurrency, re-reading it on a conflict; <paramref name="unless"/>, when
    /// given, is asked after each read and skips the change when it answers true.
    /// </summary>
    public async Task UpdateRunAsync(Guid runId, Action<GradingRun> change, CancellationToken ct, Func<Task<bool>>? unless = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var run = await db.GradingRuns.FirstOrDefaultAsync(r => r.Id == runId, ct);
            if (run is null)
            {
                return;
            }
            try
            {
                if (unless is not null && await unless())
                {
                    return;
                }
                change(run);
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateConcurrencyException) when (attempt < RunUpdateAttempts)
            {
                // Another Worker changed the run: read it again and re-apply (the change is a rule, not a value).
            }
            finally
            {
                foreach (var entry in db.ChangeTracker.Entries().Where(e => e.Entity is GradingRun or Domain.Auditing.AuditEvent).ToList())
                {
                    entry.State = EntityState.Detached;
                }
            }
        }
    }

    /// <summary>Completes the run when every item is terminal.</summary>
    public async Task CompleteIfDoneAsync(Guid runId, CancellationToken ct)
    {
        if (await AnyOpenAsync(runId, ct))
        {
            return;
        }
        // Looked at again after the run row is read, in every attempt: a retry of failed items (the Api) reopens items and
        // changes the run in one transaction, so either this sees the reopened items, or its save meets the changed row
        // version and tries again. Checking only before would complete a run that was just retried.
        await UpdateRunAsync(runId, run =>
        {
            if (run.Status is not GradingRunStatus.Queued)
            {
                run.Complete(clock.GetUtcNow());
            }
        }, ct, unless: () => AnyOpenAsync(runId, ct));
    }

    private Task<bool> AnyOpenAsync(Guid runId, CancellationToken ct) =>
        db.GradingRunItems.AnyAsync(i => i.RunId == runId && (i.Status == RunItemStatus.Pending || i.Status == RunItemStatus.Running), ct);

    /// <summary>
    /// The run's display status from its problems: awaiting approval while any problem waits for a person (the run cannot
    /// finish without them), running once any problem is ready.
    /// </summary>
    public async Task RefreshStatusAsync(Guid runId, CancellationToken ct)
    {
        var states = await db.GradingRunProblems.Where(p => p.RunId == runId).Select(p => p.Status).Distinct().ToListAsync(ct);
        if (states.Contains(RunProblemStatus.AwaitingApproval))
        {
            await UpdateRunAsync(runId, run => run.AwaitRubricApproval(), ct);
        }
        else if (states.Contains(RunProblemStatus.Ready))
        {
            await UpdateRunAsync(runId, run => run.MarkRunning(), ct);
        }
    }

    /// <summary>Items of a problem (or of the whole run) that are not finished fail with <paramref name="reason"/>.</summary>
    public Task<int> FailOpenItemsAsync(Guid runId, Guid? problemId, string reason, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return db.GradingRunItems
            .Where(i => i.RunId == runId && (problemId == null || i.ProblemId == problemId)
                && (i.Status == RunItemStatus.Pending || i.Status == RunItemStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, RunItemStatus.Failed).SetProperty(i => i.LastError, reason)
                .SetProperty(i => i.FinishedAt, now), ct);
    }

    /// <summary>Every unfinished item of a cancelled run (or just one) becomes Cancelled.</summary>
    public Task<int> CancelOpenItemsAsync(Guid runId, Guid? itemId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return db.GradingRunItems
            .Where(i => i.RunId == runId && (itemId == null || i.Id == itemId)
                && (i.Status == RunItemStatus.Pending || i.Status == RunItemStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, RunItemStatus.Cancelled).SetProperty(i => i.FinishedAt, now), ct);
    }

    /// <summary>Ends one running item that was claimed by this job.</summary>
    public Task<int> FinishItemAsync(Guid itemId, RunItemStatus status, string? error, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return db.GradingRunItems.Where(i => i.Id == itemId && i.Status == RunItemStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, status).SetProperty(i => i.LastError, error).SetProperty(i => i.FinishedAt, now), ct);
    }

    /// <summary>
    /// Hands a claimed item back (its problem must be prepared again, or the Worker is stopping). The claim it gives back
    /// does not count against <see cref="WorkerOptions.MaxItemAttempts"/>: the item did nothing wrong.
    /// </summary>
    public Task<int> ReleaseItemAsync(Guid itemId, CancellationToken ct) =>
        db.GradingRunItems.Where(i => i.Id == itemId && i.Status == RunItemStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, RunItemStatus.Pending)
                .SetProperty(i => i.Attempts, i => i.Attempts > 0 ? i.Attempts - 1 : 0), ct);

    public Task<int> SetProblemAsync(Guid runProblemId, RunProblemStatus status, string? error, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return db.GradingRunProblems.Where(p => p.Id == runProblemId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, status).SetProperty(p => p.Error, error).SetProperty(p => p.UpdatedAt, now), ct);
    }

    /// <summary>
    /// Queues the grading slice jobs of a ready problem that has unfinished items: one per
    /// <see cref="WorkerOptions.ItemsPerSlice"/> open items, at most <see cref="WorkerOptions.MaxSlicesPerProblem"/>, in
    /// one call to the store (slices already queued or running are left alone). A preparation job that grades its problem
    /// itself still queues them all: they are how the other Workers join in.
    /// </summary>
    public async Task ScheduleSlicesAsync(Guid runProblemId, Guid runId, Guid problemId, CancellationToken ct)
    {
        var open = await db.GradingRunItems.CountAsync(i => i.RunId == runId && i.ProblemId == problemId
            && (i.Status == RunItemStatus.Pending || i.Status == RunItemStatus.Running), ct);
        if (open == 0)
        {
            return;
        }
        var settings = options.Value;
        var slices = Math.Clamp((open + settings.ItemsPerSlice - 1) / settings.ItemsPerSlice, 1, settings.MaxSlicesPerProblem);
        queue.GradeSlices(runProblemId, slices);
    }
}

/// <summary>
/// Which runs this process saw Running in the last <see cref="MaxAge"/>. Grading lanes ask before every claim and between
/// stages (several times per solution, thousands of times per run); a cancelled run is still noticed within that age. Only
/// Running is remembered: any other status (cancelled, completed, or a completed run retried) is always read fresh.
/// </summary>
internal sealed class RunStatusCache(TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(500);
    private const int MaxEntries = 1024;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, long> _running = new();

    public bool TryGetRunning(Guid runId) =>
        _running.TryGetValue(runId, out var at) && clock.GetElapsedTime(at) < MaxAge;

    public void Remember(Guid runId, GradingRunStatus? status)
    {
        if (status != GradingRunStatus.Running)
        {
            _running.TryRemove(runId, out _);
            return;
        }
        if (_running.Count >= MaxEntries)
        {
            _running.Clear();
        }
        _running[runId] = clock.GetTimestamp();
    }
}
