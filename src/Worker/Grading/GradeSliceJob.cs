using System.Collections.Concurrent;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using GradingPortal.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// One slice of a ready problem's grading (<see cref="JobContracts.GradeSlice"/>): loads the run, its profile and the
/// problem's preparation once, then grades the problem's open solutions <see cref="WorkerOptions.ItemsInParallel"/> at a
/// time, each lane claiming the next one until none is left. A problem has a few slices (on any Workers); they share its
/// solutions through the claim. Safe to run twice and on two Workers at once, item by item: the claim picks a Pending
/// item (or a Running one whose Worker died) with <c>FOR UPDATE SKIP LOCKED</c>, takes the item's advisory lock on the
/// lane's own connection (held while it grades; it dies with the process) and moves it to Running with a conditional
/// update that counts the attempt; every model call has a key derived from the item, so a repeated execution reuses the
/// calls already made; and the unique (run, solution) index on model grades keeps a second grade out. The last item to
/// finish completes the run.
/// </summary>
internal sealed class GradeSliceJob(IServiceScopeFactory scopes, GradingDbContext db, ProblemPreparation preparation, RunProgress progress,
    JobQueue queue, GradingCapacity capacity, IOptions<WorkerOptions> options, IHostApplicationLifetime lifetime, GradingJobDrain drain, ILogger<GradeSliceJob> logger) : IJob
{
    /// <summary>How long a slice that left items locked by another execution waits before it looks again.</summary>
    internal static readonly TimeSpan LockedRetry = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A run item's advisory lock is <c>hashtextextended('run-item:' || id, 0)</c>, computed by PostgreSQL so that the claim
    /// can take it in the same statement that picks the item.
    /// </summary>
    private const string LockPrefix = "run-item:";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        // Quartz waits for running jobs when the host stops but does not cancel them: a stopping Worker cancels its slices
        // itself, so their lanes hand their items back at once instead of being cut off when the process exits.
        using var running = drain.Enter();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        var ct = stopping.Token;
        if (GradingJobs.IdOf(context, JobContracts.GradeSlice) is not { } runProblemId)
        {
            logger.LogError("Grade-slice job {Key} has no run problem id", context.JobDetail.Key);
            return;
        }
        try
        {
            var slice = await LoadAsync(runProblemId, ct);
            if (slice is null)
            {
                return;
            }
            // Items another execution held when a lane looked (graded elsewhere, or left by a Worker that died); Guid.Empty
            // when a lane stopped on an error.
            var skipped = new ConcurrentDictionary<Guid, byte>();
            var lanes = Enumerable.Range(0, options.Value.ItemsInParallel).Select(_ => LaneAsync(slice, skipped, ct)).ToList();
            await Task.WhenAll(lanes);
            if (!skipped.IsEmpty && await db.GradingRunItems.AnyAsync(i => i.RunId == slice.Run.Id && i.ProblemId == slice.ProblemId
                && (i.Status == RunItemStatus.Pending || i.Status == RunItemStatus.Running), ct))
            {
                // Held elsewhere: usually finished by then; if their Worker died, their locks are gone and this slice takes them.
                await GradingJobs.RetryLaterAsync(context, LockedRetry);
            }
            await progress.CompleteIfDoneAsync(slice.Run.Id, CancellationToken.None);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The Worker is stopping (its lanes handed their items back): run this slice again later, here or elsewhere.
            await GradingJobs.RetryLaterAsync(context, TimeSpan.FromSeconds(5));
        }
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
            await queue.EnqueueAsync(JobContracts.StartRun, run.Id, ct);
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
                await queue.EnqueueAsync(JobContracts.PrepareProblem, runProblem.Id, ct);
                return null;
            default:
                return new Slice(run, profile, runProblem.ProblemId, prepared, new(), new());
        }
    }

    /// <summary>
    /// Claims and grades items one after another until none is claimable: first its own problem's, then (once those are
    /// taken) any ready problem's of the run, so that the end of a run is shared by every Worker that holds a slice of it
    /// rather than left to the one holding the last problems' slices.
    /// </summary>
    private async Task LaneAsync(Slice slice, ConcurrentDictionary<Guid, byte> skipped, CancellationToken ct)
    {
        var steal = false;
        while (true)
        {
            await capacity.WaitAsync(ct);
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var services = scope.ServiceProvider;
                var itemDb = services.GetRequiredService<GradingDbContext>();
                // One connection for the scope: it holds the item's advisory lock while the item is graded.
                await itemDb.Database.OpenConnectionAsync(ct);
                (GradingRunItem Item, bool Fresh)? claim;
                try
                {
                    claim = await ClaimAsync(itemDb, services.GetRequiredService<RunProgress>(), slice, skipped, options.Value.MaxItemAttempts, steal, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A database error while claiming ends this lane; the slice looks again later (see Execute).
                    logger.LogError(ex, "Claiming the next item of problem {ProblemId} in run {RunId} failed", slice.ProblemId, slice.Run.Id);
                    skipped.TryAdd(Guid.Empty, 0);
                    return;
                }
                if (claim is not { } claimed)
                {
                    if (steal)
                    {
                        return;
                    }
                    steal = true;
                    continue;
                }
                try
                {
                    var prepared = claimed.Item.ProblemId == slice.ProblemId ? slice.Prepared : await OtherPreparedAsync(slice, claimed.Item.ProblemId, ct);
                    if (prepared is null)
                    {
                        // That problem cannot be graded with what is stored now (a rubric was retired, say): the item goes
                        // back without using up an attempt, and the problem's preparation job runs again, which prepares it
                        // anew or queues its slices (its own slices may have ended already).
                        slice.ExcludedProblems.TryAdd(claimed.Item.ProblemId, 0);
                        await services.GetRequiredService<RunProgress>().ReleaseItemAsync(claimed.Item.Id, CancellationToken.None);
                        var runProblemId = await itemDb.GradingRunProblems.AsNoTracking()
                            .Where(p => p.RunId == slice.Run.Id && p.ProblemId == claimed.Item.ProblemId).Select(p => p.Id).FirstAsync(ct);
                        await queue.EnqueueAsync(JobContracts.PrepareProblem, runProblemId, ct);
                        continue;
                    }
                    await GradeAsync(services, itemDb, slice with { Prepared = prepared }, claimed.Item, claimed.Fresh, ct);
                }
                finally
                {
                    await UnlockAsync(itemDb, claimed.Item.Id);
                }
            }
            finally
            {
                capacity.Release();
            }
        }
    }

    /// <summary>
    /// The next item this lane may grade, locked and marked Running, and whether it had no stage calls yet; null when none is
    /// left (or the run stopped). Pending items come first; a Running item is only taken when its advisory lock is free (its
    /// Worker died); an item started <paramref name="maxAttempts"/> times already is given up instead.
    /// </summary>
    private static async Task<(GradingRunItem Item, bool Fresh)?> ClaimAsync(GradingDbContext itemDb, RunProgress itemProgress, Slice slice,
        ConcurrentDictionary<Guid, byte> skipped, int maxAttempts, bool steal, CancellationToken ct)
    {
        var ready = nameof(RunProblemStatus.Ready);
        var runId = slice.Run.Id;
        var problemId = slice.ProblemId;
        // Statuses are stored by name.
        var pending = nameof(RunItemStatus.Pending);
        var running = nameof(RunItemStatus.Running);
        while (true)
        {
            switch (await itemProgress.RunStatusAsync(runId, ct))
            {
                case GradingRunStatus.Cancelled:
                    await itemProgress.CancelOpenItemsAsync(runId, null, ct);
                    return null;
                case null or GradingRunStatus.Completed or GradingRunStatus.Failed or GradingRunStatus.Queued:
                    return null;
                default:
                    break;
            }
            var excluded = skipped.Keys.ToArray();
            var excludedProblems = slice.ExcludedProblems.Keys.ToArray();
            var now = DateTimeOffset.UtcNow;
            // One statement (one round trip) per claim: pick the next open item no other claim holds, try its advisory lock
            // on this lane's connection (the lock outlives the statement; the row lock does not need to), and mark it
            // Running with the attempt counted when the lock was granted and attempts are left. The CTE with the lock call
            // is evaluated once (it has a side effect, and PostgreSQL materialises such CTEs).
            var rows = await itemDb.Database.SqlQuery<ClaimRow>($"""
                WITH candidate AS (
                    SELECT id, attempts FROM grading_run_items
                    WHERE run_id = {runId} AND status IN ({pending}, {running}) AND NOT (id = ANY({excluded}))
                      AND (problem_id = {problemId} OR ({steal} AND NOT (problem_id = ANY({excludedProblems}))
                           AND problem_id IN (SELECT p.problem_id FROM grading_run_problems AS p WHERE p.run_id = {runId} AND p.status = {ready})))
                    ORDER BY problem_id <> {problemId}, status = {running}, id
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED),
                locked AS (
                    SELECT id, attempts, pg_try_advisory_lock(hashtextextended({LockPrefix} || id::text, 0)) AS got FROM candidate),
                claimed AS (
                    UPDATE grading_run_items AS i
                    SET status = {running}, attempts = i.attempts + 1, started_at = COALESCE(i.started_at, {now})
                    FROM locked AS l
                    WHERE i.id = l.id AND l.got AND l.attempts < {maxAttempts}
                    RETURNING i.id)
                SELECT l.id AS "Id", l.got AS "Locked", EXISTS (SELECT 1 FROM claimed) AS "Claimed",
                       NOT EXISTS (SELECT 1 FROM stage_calls AS c WHERE c.run_item_id = l.id) AS "Fresh"
                FROM locked AS l
                """).ToListAsync(ct);
            if (rows.Count == 0)
            {
                return null;
            }
            var row = rows[0];
            if (!row.Locked)
            {
                skipped.TryAdd(row.Id, 0);
                continue;
            }
            if (!row.Claimed)
            {
                if (!await GiveUpAsync(itemDb, row.Id, maxAttempts, now, ct))
                {
                    skipped.TryAdd(row.Id, 0);
                }
                await UnlockAsync(itemDb, row.Id);
                continue;
            }
            return (await itemDb.GradingRunItems.AsNoTracking().FirstAsync(i => i.Id == row.Id, ct), row.Fresh);
        }
    }

    /// <summary>What a claim statement found: the candidate, whether its lock was granted, whether it was claimed.</summary>
    private sealed class ClaimRow
    {
        public Guid Id { get; set; }
        public bool Locked { get; set; }
        public bool Claimed { get; set; }
        public bool Fresh { get; set; }
    }

    /// <summary>
    /// Ends an item that was started <paramref name="maxAttempts"/> times already (each time its Worker died before it
    /// finished, or it would not be open) as Failed, so a poison item is not taken over forever; true when it did.
    /// </summary>
    private static async Task<bool> GiveUpAsync(GradingDbContext itemDb, Guid id, int maxAttempts, DateTimeOffset now, CancellationToken ct)
    {
        var spent = await itemDb.GradingRunItems.AsNoTracking().Where(i => i.Id == id && i.Attempts >= maxAttempts)
            .Select(i => new { i.Attempts, i.LastError }).FirstOrDefaultAsync(ct);
        if (spent is null)
        {
            return false;
        }
        var reason = $"gave up after {spent.Attempts} attempts: {spent.LastError ?? "each time, the Worker grading it died before it finished"}";
        await itemDb.GradingRunItems.Where(i => i.Id == id && (i.Status == RunItemStatus.Pending || i.Status == RunItemStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, RunItemStatus.Failed).SetProperty(i => i.LastError, reason)
                .SetProperty(i => i.FinishedAt, now), ct);
        return true;
    }

    /// <summary>
    /// Grades one claimed item in its own scope and records how it ended. Completing the run is left to the slice, once its
    /// lanes run out of items (see <see cref="Execute"/>): the last item of a run is always followed by that.
    /// </summary>
    private async Task GradeAsync(IServiceProvider services, GradingDbContext itemDb, Slice slice, GradingRunItem item, bool fresh, CancellationToken ct)
    {
        var itemProgress = services.GetRequiredService<RunProgress>();
        try
        {
            var outcome = await services.GetRequiredService<SolutionGrader>().GradeAsync(slice.Run, item, slice.Profile, slice.Prepared, fresh, ct);
            switch (outcome.Status)
            {
                case RunItemStatus.Failed:
                    await itemProgress.FinishItemAsync(item.Id, RunItemStatus.Failed, outcome.Error, ct);
                    break;
                case RunItemStatus.Cancelled:
                    await itemProgress.CancelOpenItemsAsync(slice.Run.Id, item.Id, ct);
                    break;
                default:
                    // Graded or NeedsAttention: stored with the item's state by the grader.
                    break;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The Worker is stopping: hand the item back; the slice runs again later (here or on another Worker).
            await itemProgress.ReleaseItemAsync(item.Id, CancellationToken.None);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Grading item {ItemId} of run {RunId} failed", item.Id, slice.Run.Id);
            itemDb.ChangeTracker.Clear();
            await itemProgress.FinishItemAsync(item.Id, RunItemStatus.Failed, $"Grading stopped on an unexpected error: {ex.Message}",
                CancellationToken.None);
        }
    }

    private static async Task UnlockAsync(GradingDbContext itemDb, Guid itemId)
    {
        try
        {
            await itemDb.Database.SqlQuery<bool>($"""SELECT pg_advisory_unlock(hashtextextended({LockPrefix} || {itemId}::text, 0)) AS "Value" """)
                .ToListAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The connection is broken or going away with the scope anyway, which releases the lock.
        }
    }

    /// <summary>
    /// The preparation of another problem of the run whose items a lane took over: looked up once per slice (in a scope of its
    /// own, as lanes share it); null when that problem is not ready to grade with what is stored.
    /// </summary>
    private Task<PreparedProblem?> OtherPreparedAsync(Slice slice, Guid problemId, CancellationToken ct) =>
        slice.Others.GetOrAdd(problemId, id => new Lazy<Task<PreparedProblem?>>(async () =>
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var prepared = await scope.ServiceProvider.GetRequiredService<ProblemPreparation>()
                    .PrepareAsync(slice.Run, slice.Profile, id, derive: false, ct);
                return prepared.Status == PreparationStatus.Ready ? prepared : null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Looking up the preparation of problem {ProblemId} in run {RunId} failed", id, slice.Run.Id);
                return null;
            }
        })).Value;

    /// <summary>
    /// What a slice's lanes share: its run, profile, problem and that problem's preparation; the preparations of the run's
    /// other problems it took items over from; and the problems it does not take items from (not ready when it looked).
    /// </summary>
    private sealed record Slice(GradingRun Run, ModelProfile Profile, Guid ProblemId, PreparedProblem Prepared,
        ConcurrentDictionary<Guid, Lazy<Task<PreparedProblem?>>> Others, ConcurrentDictionary<Guid, byte> ExcludedProblems);
}

/// <summary>Bounds the items one Worker process grades at once over all its slice jobs (each holds a database connection).</summary>
internal sealed class GradingCapacity(IOptions<WorkerOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxItemsInFlight, options.Value.MaxItemsInFlight);

    public Task WaitAsync(CancellationToken ct) => _slots.WaitAsync(ct);

    public void Release() => _slots.Release();

    public void Dispose() => _slots.Dispose();
}
