using System.Collections.Concurrent;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using GradingPortal.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// What a slice's lanes share: its run, profile, problem and that problem's preparation; the preparations of the run's
/// other problems it took items over from; and the problems it does not take items from (not ready when it looked).
/// </summary>
/// <remarks>
/// A slice run by its problem's preparation job starts before the problem is ready (see <see cref="Preparing"/>): then
/// <see cref="Prepared"/> holds only the problem's clusters, and the lanes extract solutions' steps ahead.
/// </remarks>
internal sealed record Slice(GradingRun Run, ModelProfile Profile, Guid ProblemId, PreparedProblem Prepared,
    ConcurrentDictionary<Guid, Lazy<Task<PreparedProblem?>>> Others, ConcurrentDictionary<Guid, byte> ExcludedProblems)
{
    /// <summary>
    /// Set on a slice that starts while its problem is still being prepared: completes with the ready preparation, or null
    /// when the problem cannot be graded now (it failed, or waits for a rubric's approval), which ends the lanes.
    /// </summary>
    public Task<PreparedProblem?>? Preparing { get; init; }

    /// <summary>Items whose steps the lanes extracted ahead and handed back (not claimed again until the problem is ready).</summary>
    public ConcurrentDictionary<Guid, byte> ExtractedAhead { get; } = new();

    /// <summary>Items held elsewhere when a lane looked ahead of the preparation (usually a sibling lane extracting them).</summary>
    public ConcurrentDictionary<Guid, byte> SkippedAhead { get; } = new();

    public static Slice Of(GradingRun run, ModelProfile profile, Guid problemId, PreparedProblem prepared) => new(run, profile, problemId, prepared, new(), new());
}

/// <summary>
/// Runs a slice's lanes (<see cref="WorkerOptions.ItemsInParallel"/>): each claims the next open item and grades it until
/// none is claimable: first its own problem's, then (once those are taken) any ready problem's of the run, so that the end of
/// a run is shared by every Worker that holds a slice of it rather than left to the one holding the last problems' slices.
/// Safe on two Workers at once, item by item: the claim picks a Pending item (or a Running one whose Worker died) with
/// <c>FOR UPDATE SKIP LOCKED</c>, takes the item's advisory lock on the lane's own connection (held while it grades; it dies
/// with the process) and moves it to Running with a conditional update that counts the attempt; every model call has a key
/// derived from the item, so a repeated execution reuses the calls already made; and the unique (run, solution) index on
/// model grades keeps a second grade out.
/// </summary>
/// <remarks>
/// While the slice's own problem is still being prepared (<see cref="Slice.Preparing"/>), a lane claims an item, makes its
/// extract-steps call (which needs only the clusters), and hands the item back without using up an attempt, so the model
/// slots are not idle while the problem's analyses and rubrics are derived. Grading the item later reuses that call.
/// </remarks>
internal sealed class SliceRunner(IServiceScopeFactory scopes, GradingQueue queue, GradingCapacity capacity, IOptions<WorkerOptions> options,
    ILogger<SliceRunner> logger)
{
    /// <summary>
    /// A run item's advisory lock is <c>hashtextextended('run-item:' || id, 0)</c>, computed by PostgreSQL so that the claim
    /// can take it in the same statement that picks the item.
    /// </summary>
    private const string LockPrefix = "run-item:";

    /// <summary>
    /// Runs the lanes to the end. Returns the items another execution held when a lane looked (graded elsewhere, or left by a
    /// Worker that died); <see cref="Guid.Empty"/> among them when a lane stopped on an error. The caller looks again later
    /// when some of them are still open.
    /// </summary>
    public async Task<ICollection<Guid>> RunAsync(Slice slice, CancellationToken ct)
    {
        var skipped = new ConcurrentDictionary<Guid, byte>();
        await Task.WhenAll(Enumerable.Range(0, options.Value.ItemsInParallel).Select(_ => LaneAsync(slice, skipped, ct)));
        return skipped.Keys;
    }

    private async Task LaneAsync(Slice slice, ConcurrentDictionary<Guid, byte> skipped, CancellationToken ct)
    {
        var steal = false;
        while (true)
        {
            // Ahead of the problem's preparation: extract only, and only the own problem's items not extracted yet.
            var ahead = slice.Preparing is { IsCompleted: false };
            if (slice.Preparing is { IsCompleted: true } done && await done is null)
            {
                // The problem cannot be graded now: its preparation job fails its items or leaves them for approval.
                return;
            }
            var waitForPreparation = false;
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
                    claim = await ClaimAsync(itemDb, services.GetRequiredService<RunProgress>(), slice, ahead ? slice.SkippedAhead : skipped,
                        options.Value.MaxItemAttempts,
                        steal && !ahead, ahead, ct);
                }
                catch (Exception ex)
                {
                    // The claim statement may have taken an item's lock before it failed or was cancelled, and the
                    // connection goes back to the pool without a reset (WorkerDataSource).
                    await WorkerDataSource.ReleaseSessionLocksAsync((NpgsqlConnection)itemDb.Database.GetDbConnection());
                    if (ex is OperationCanceledException)
                    {
                        throw;
                    }
                    // A database error while claiming ends this lane; the slice looks again later.
                    logger.LogError(ex, "Claiming the next item of problem {ProblemId} in run {RunId} failed", slice.ProblemId, slice.Run.Id);
                    skipped.TryAdd(Guid.Empty, 0);
                    return;
                }
                if (claim is not { } claimed)
                {
                    if (ahead)
                    {
                        // Every own item is extracted or taken: wait for the preparation (without holding capacity).
                        waitForPreparation = true;
                        continue;
                    }
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
                    var fresh = claimed.Fresh;
                    if (claimed.Item.ProblemId == slice.ProblemId && slice.Preparing is { } preparing)
                    {
                        if (!preparing.IsCompleted)
                        {
                            await ExtractAheadAsync(services, slice, claimed.Item, fresh, ct);
                            fresh = false;
                            if (!preparing.IsCompleted)
                            {
                                slice.ExtractedAhead.TryAdd(claimed.Item.Id, 0);
                                await services.GetRequiredService<RunProgress>().ReleaseItemAsync(claimed.Item.Id, CancellationToken.None);
                                continue;
                            }
                        }
                        prepared = await preparing;
                        if (prepared is null)
                        {
                            await services.GetRequiredService<RunProgress>().ReleaseItemAsync(claimed.Item.Id, CancellationToken.None);
                            return;
                        }
                    }
                    if (prepared is null)
                    {
                        // That problem cannot be graded with what is stored now (a rubric was retired, say): the item goes
                        // back without using up an attempt, and the problem's preparation job runs again, which prepares it
                        // anew or queues its slices (its own slices may have ended already).
                        logger.LogInformation("Run {RunId}: problem {ProblemId} is not ready to grade with what is stored; preparing it again",
                            slice.Run.Id, claimed.Item.ProblemId);
                        slice.ExcludedProblems.TryAdd(claimed.Item.ProblemId, 0);
                        await services.GetRequiredService<RunProgress>().ReleaseItemAsync(claimed.Item.Id, CancellationToken.None);
                        var runProblemId = await itemDb.GradingRunProblems.AsNoTracking()
                            .Where(p => p.RunId == slice.Run.Id && p.ProblemId == claimed.Item.ProblemId).Select(p => p.Id).FirstAsync(ct);
                        queue.PrepareProblem(runProblemId);
                        continue;
                    }
                    await GradeAsync(services, itemDb, slice with { Prepared = prepared }, claimed.Item, fresh, ct);
                }
                finally
                {
                    await UnlockAsync(itemDb, claimed.Item.Id);
                }
            }
            finally
            {
                capacity.Release();
                if (waitForPreparation)
                {
                    await ((Task)slice.Preparing!).WaitAsync(ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    ct.ThrowIfCancellationRequested();
                }
            }
        }
    }

    /// <summary>The item's extract-steps call, made ahead; the item goes back either way (a failure is met again when it is graded).</summary>
    private async Task ExtractAheadAsync(IServiceProvider services, Slice slice, GradingRunItem item, bool fresh, CancellationToken ct)
    {
        try
        {
            await services.GetRequiredService<SolutionGrader>().ExtractAheadAsync(slice.Run, item, slice.Profile, slice.Prepared, fresh, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await services.GetRequiredService<RunProgress>().ReleaseItemAsync(item.Id, CancellationToken.None);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Extracting the steps of item {ItemId} of run {RunId} ahead failed", item.Id, slice.Run.Id);
        }
    }

    /// <summary>
    /// The next item this lane may grade, locked and marked Running, and whether it had no stage calls yet; null when none is
    /// left (or the run stopped). Pending items come first; a Running item is only taken when its advisory lock is free (its
    /// Worker died); an item started <paramref name="maxAttempts"/> times already is given up instead. Ahead of the
    /// preparation (<paramref name="ahead"/>), items already extracted are passed over.
    /// </summary>
    private static async Task<(GradingRunItem Item, bool Fresh)?> ClaimAsync(GradingDbContext itemDb, RunProgress itemProgress, Slice slice,
        ConcurrentDictionary<Guid, byte> skipped, int maxAttempts, bool steal, bool ahead, CancellationToken ct)
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
            var excluded = ahead ? [.. skipped.Keys, .. slice.ExtractedAhead.Keys] : skipped.Keys.ToArray();
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
    /// lanes run out of items (see <see cref="GradeSliceJob"/> and <see cref="PrepareProblemJob"/>): the last item of a run is always followed by that.
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
            // Pooled connections are not reset (WorkerDataSource): this one must be closed, not handed out with the lock.
            NpgsqlConnection.ClearPool((NpgsqlConnection)itemDb.Database.GetDbConnection());
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
}
