using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// Reconciles a grading run (<see cref="IGradingJobs.PlanRun"/>) with what should be happening, whatever state it is in,
/// so that creating a run, approving a derived rubric and retrying failed items all only need to enqueue this job:
/// a run without problems and items (queued, or reopened before it was ever planned) gets them (from its selection) and
/// its prompt hashes, and starts preparing; every
/// problem not yet ready gets a preparation job, a ready problem with unfinished items its grading slice jobs (jobs
/// already queued or running are left alone); a run whose items are all finished completes; a cancelled run's open items are
/// cancelled.
/// </summary>
internal sealed partial class StartRunJob(GradingDbContext db, RunProgress progress, GradingQueue queue, TimeProvider clock, ILogger<StartRunJob> logger)
{
    // A stopping Worker cancels the job; Hangfire puts it back in the queue at once for any Worker to run again.
    public Task RunAsync(Guid runId, CancellationToken cancellationToken) => ReconcileAsync(runId, cancellationToken);

    private async Task ReconcileAsync(Guid runId, CancellationToken ct)
    {
        var run = await db.GradingRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null)
        {
            return;
        }
        if (run.Status == GradingRunStatus.Cancelled)
        {
            await progress.CancelOpenItemsAsync(runId, null, ct);
            return;
        }
        if (run.Status is GradingRunStatus.Completed or GradingRunStatus.Failed)
        {
            return;
        }
        var profile = await db.ModelProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.Id == run.ModelProfileId, ct);
        if (profile is null || profile.IsDeleted)
        {
            await progress.UpdateRunAsync(runId, r => r.Fail("The run's model profile was deleted.", clock.GetUtcNow()), ct);
            await progress.FailOpenItemsAsync(runId, null, "The run's model profile was deleted.", ct);
            return;
        }
        // Planning is keyed on what exists, not on the status: a run retried or reopened before it was ever planned has
        // no problems and no items whatever its status says, and gets them now (PlanAsync re-checks under a row lock).
        var planning = Stopwatch.StartNew();
        if (!await db.GradingRunProblems.AnyAsync(p => p.RunId == runId, ct) && !await db.GradingRunItems.AnyAsync(i => i.RunId == runId, ct))
        {
            await PlanAsync(run, ct);
        }
        var planned = planning.Elapsed;

        var problems = await db.GradingRunProblems.AsNoTracking().Where(p => p.RunId == runId).ToListAsync(ct);
        var open = await db.GradingRunItems.Where(i => i.RunId == runId && (i.Status == RunItemStatus.Pending || i.Status == RunItemStatus.Running))
            .Select(i => i.ProblemId).Distinct().ToListAsync(ct);
        var toPrepare = new List<Guid>();
        foreach (var problem in problems)
        {
            if (problem.Status == RunProblemStatus.Failed && open.Contains(problem.ProblemId))
            {
                // Its items were retried: prepare it again (the cause, e.g. a missing reference, may be fixed by now).
                await progress.SetProblemAsync(problem.Id, RunProblemStatus.Pending, null, ct);
                problem.Status = RunProblemStatus.Pending;
            }
            switch (problem.Status)
            {
                case RunProblemStatus.Ready:
                    await progress.ScheduleSlicesAsync(problem.Id, runId, problem.ProblemId, ct);
                    break;
                case RunProblemStatus.Pending or RunProblemStatus.Preparing or RunProblemStatus.AwaitingApproval:
                    toPrepare.Add(problem.Id);
                    break;
                default:
                    break;
            }
        }
        queue.PrepareProblems(toPrepare);
        LogStarted(logger, runId, planned.TotalMilliseconds, toPrepare.Count, (planning.Elapsed - planned).TotalMilliseconds);
        await progress.CompleteIfDoneAsync(runId, ct);
    }

    /// <summary>
    /// Creates the run's problems and items from its selection and records the prompt hashes; one transaction, holding the
    /// run's row lock so that two Workers reconciling the same unplanned run plan it once. Does nothing when the run is
    /// finished or already has problems or items.
    /// </summary>
    private async Task PlanAsync(GradingRun queued, CancellationToken ct)
    {
        var selection = ReadSelection(queued.Selection);
        var solutions = db.Solutions.Where(s => s.ProjectId == queued.ProjectId
            && db.Problems.Any(p => p.Id == s.ProblemId && p.DeletedAt == null));
        solutions = selection.SolutionIds.Count > 0
            ? solutions.Where(s => selection.SolutionIds.Contains(s.Id))
            : solutions.Where(s => selection.ProblemIds.Contains(s.ProblemId));
        var picked = await solutions.OrderBy(s => s.ProblemId).ThenBy(s => s.CreatedAt).ThenBy(s => s.Id)
            .Select(s => new { s.Id, s.ProblemId }).ToListAsync(ct);
        var problemIds = picked.Select(p => p.ProblemId).Distinct().ToList();

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM grading_runs WHERE id = {queued.Id} FOR UPDATE", ct);
        var run = await db.GradingRuns.FirstAsync(r => r.Id == queued.Id, ct);
        if (run.IsTerminal
            || await db.GradingRunProblems.AnyAsync(p => p.RunId == run.Id, ct)
            || await db.GradingRunItems.AnyAsync(i => i.RunId == run.Id, ct))
        {
            db.ChangeTracker.Clear();
            return;
        }
        db.GradingRunProblems.AddRange(problemIds.Select(p => new GradingRunProblem(run.Id, p)));
        run.StartPreparing(Configure(run), clock.GetUtcNow());
        try
        {
            await db.SaveChangesAsync(ct);
            // The items in one statement rather than as thousands of tracked entities: planning sits at the start of every
            // run's wall time.
            var items = picked.Select(s => new GradingRunItem(run.Id, run.ProjectId, s.ProblemId, s.Id)).ToList();
            var ids = items.Select(i => i.Id).ToArray();
            var problemsOfItems = items.Select(i => i.ProblemId).ToArray();
            var solutionsOfItems = items.Select(i => i.SolutionId).ToArray();
            var pending = nameof(RunItemStatus.Pending);
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO grading_run_items (id, run_id, project_id, problem_id, solution_id, status, attempts)
                SELECT i.id, {run.Id}, {run.ProjectId}, i.problem_id, i.solution_id, {pending}, 0
                FROM unnest({ids}, {problemsOfItems}, {solutionsOfItems}) AS i (id, problem_id, solution_id)
                """, ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Someone else planned it (or cancelled it) at the same moment; reconciling reads what they did.
            await tx.RollbackAsync(ct);
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
        logger.LogInformation("Run {RunId} planned: {Items} solutions of {Problems} problems", queued.Id, picked.Count, problemIds.Count);
    }

    /// <summary>The run's configuration with the exact prompts (name, version, SHA-256) of every stage of its workflow.</summary>
    internal static string Configure(GradingRun run)
    {
        JsonObject configuration;
        try
        {
            configuration = JsonNode.Parse(run.Configuration) as JsonObject ?? [];
        }
        catch (JsonException)
        {
            configuration = [];
        }
        configuration["workflow"] = run.Workflow;
        configuration["rubricDesign"] = run.RubricDesign;
        configuration["samples"] = run.Samples;
        configuration["aggregation"] = run.Aggregation;
        configuration["prompts"] = new JsonArray([.. run.Prompts.Select(s =>
        {
            var prompt = PromptLibrary.Default.Get(s.Prompt);
            return (JsonNode)new JsonObject { ["stage"] = s.Stage, ["name"] = prompt.Name, ["version"] = prompt.Version, ["sha256"] = prompt.Sha256 };
        })]);
        return configuration.ToJsonString();
    }

    private static (List<Guid> ProblemIds, List<Guid> SolutionIds) ReadSelection(string json)
    {
        var problems = new List<Guid>();
        var solutions = new List<Guid>();
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                Collect(document.RootElement, "problemIds", problems);
                Collect(document.RootElement, "solutionIds", solutions);
            }
        }
        catch (JsonException)
        {
            // An unreadable selection selects nothing; the run completes empty.
        }
        return (problems, solutions);

        static void Collect(JsonElement root, string name, List<Guid> into)
        {
            if (root.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array)
            {
                into.AddRange(array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String && Guid.TryParse(e.GetString(), out var id) ? id : Guid.Empty)
                    .Where(id => id != Guid.Empty));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: planned in {PlanMs:F0} ms; {Problems} problems queued for preparation {QueueMs:F0} ms later")]
    private static partial void LogStarted(ILogger logger, Guid runId, double planMs, int problems, double queueMs);
}
