using System.Text.Json;
using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using Hangfire;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using System.ComponentModel;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>
/// Grading runs: start (or estimate) a run, follow its progress, cancel it, retry what failed. The Api only records state
/// and enqueues the Worker's StartRun job, which plans the items and (re)schedules whatever is pending.
/// Who may do what: any member of the project reads runs; starting, estimating, cancelling and retrying spend money and
/// are for the project's Adjudicators and Admins (and global administrators). Viewers and Graders get 403. Runs use only
/// profiles that allow the project (<see cref="ModelProfile.MayBeUsedIn"/>), and a run whose estimate does not fit the
/// profile's spending caps is refused (<see cref="ModelSpending"/>).
/// </summary>
internal static class GradingRunEndpoints
{
    /// <summary>Upper bounds of one request's selection.</summary>
    public const int MaxProblems = 1_000;
    public const int MaxSolutions = 100_000;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapGradingRunEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/grading-runs").WithTags("Grading runs").RequireAuthorization();
        group.MapPost("/", Start).WithName("StartGradingRun")
            .WithSummary("Start a grading run (project Adjudicators and Admins, on a profile that allows the project); 202 with the run's " +
                "Location. 409 when its estimate exceeds the profile's per-run spending cap or what is left of its daily cap.")
            .Problems(400, 403, 404, 409);
        group.MapPost("/estimate", Estimate).WithName("EstimateGradingRun")
            .WithSummary("Estimate a run's calls, tokens and cost before starting it (same body and rules as starting; an estimate, not a quote).")
            .Problems(400, 403, 404);
        group.MapGet("/options", Options).WithName("GetGradingRunOptions")
            .WithSummary("Workflows, rubric designs, aggregations and the live model profiles the caller may run in `projectId` " +
                "(site administrators: every profile, also without a project).");
        group.MapGet("/{runId:guid}", Get).WithName("GetGradingRun")
            .WithSummary("A run's progress: item counts, problem preparation, tokens, cost, failures and rubrics awaiting approval.").Problems(404);
        group.MapPost("/{runId:guid}/cancel", Cancel).WithName("CancelGradingRun")
            .WithSummary("Cancel a run (Adjudicators): pending and running items are cancelled; finished work is kept. 409 when already finished.")
            .Problems(403, 404, 409);
        group.MapPost("/{runId:guid}/retry-failed", RetryFailed).WithName("RetryFailedGradingRunItems")
            .WithSummary("Put failed items and failed problem preparations back to pending and resume the run (Adjudicators). 409 when nothing failed.")
            .Problems(403, 404, 409);

        group.MapGet("/{runId:guid}/failures", Failures).WithName("ListGradingRunFailures")
            .WithSummary("A run's failed items and items that need attention, a page at a time, sorted and filtered (every member; " +
                "authors are hidden as on the run).").Problems(400, 404);

        app.MapGet("/api/projects/{projectId:guid}/grading-runs", List).WithName("ListGradingRuns").WithTags("Grading runs").RequireAuthorization()
            .WithSummary("The project's grading runs a page at a time, newest first unless sorted otherwise, filtered by status and workflow.")
            .Problems(400, 404);
        return app;
    }

    internal static async Task<Results<Accepted<GradingRunResponse>, ProblemHttpResult>> Start(StartGradingRunRequest request, GradingDbContext db,
        ProjectAccess access, CurrentUser current, IBackgroundJobClient jobs, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (refusal, plan) = await PlanAsync(request, db, access, now, current, ct);
        if (refusal is not null)
        {
            return refusal;
        }
        if (plan!.Profile is { DailySpendingCap: not null } or { RunSpendingCap: not null })
        {
            var estimate = await GradingRunQueries.EstimateAsync(db, plan, now, ct);
            if (estimate.SpendingCapProblem is { } tooDear)
            {
                return ApiProblems.Conflict(tooDear);
            }
        }
        db.GradingRuns.Add(plan.Run);
        await db.SaveChangesAsync(ct);
        jobs.Enqueue<IGradingJobs>(j => j.PlanRun(plan.Run.Id, CancellationToken.None));
        var role = await access.RoleAsync(plan.Run.ProjectId, ct) ?? throw new InvalidOperationException("The caller's role was checked in PlanAsync.");
        var response = await GradingRunQueries.LoadAsync(db, plan.Run.Id, role, ct);
        return TypedResults.Accepted($"/api/grading-runs/{plan.Run.Id}", response!);
    }

    internal static async Task<Results<Ok<GradingRunEstimateResponse>, ProblemHttpResult>> Estimate(StartGradingRunRequest request,
        GradingDbContext db, ProjectAccess access, CurrentUser current, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (refusal, plan) = await PlanAsync(request, db, access, now, current, ct);
        if (refusal is not null)
        {
            return refusal;
        }
        return TypedResults.Ok(await GradingRunQueries.EstimateAsync(db, plan!, now, ct));
    }

    internal static async Task<Ok<GradingRunOptionsResponse>> Options(Guid? projectId, GradingDbContext db, ProjectAccess access, CurrentUser current,
        CancellationToken ct)
    {
        // Only what the caller could start a run with: Viewers, Graders and outsiders learn of no profile (nor its prices).
        var mayStart = current.IsAdmin
            || (projectId is { } id && await access.RoleAsync(id, ct) is { } role && role.CanAdjudicate());
        var project = projectId ?? Guid.Empty;
        var siteAdmin = current.IsAdmin;
        var profiles = !mayStart ? [] : await db.ModelProfiles.AsNoTracking()
            .Where(p => !p.IsDeleted && (siteAdmin || p.AllowedProjectIds.Contains(project))).OrderBy(p => p.Name)
            .Select(p => new ModelProfileChoiceResponse(p.Id, p.Name, p.Model, new ModelPricesDto(p.PriceInput, p.PriceCachedInput, p.PriceOutput),
                p.DailySpendingCap, p.RunSpendingCap))
            .ToListAsync(ct);
        var workflows = Workflows.All.Select(w => new WorkflowResponse(w.Name, w.Title, w.Stages.Select(s => s.Stage).ToList(), w.RubricDesigns,
            w.NeedsReference, w.NeedsOfficialRubric, w.Has(Stages.DeriveRubric),
            w.Stages.Select(s => new StagePromptsResponse(s.Stage, s.Prompt,
                s.Choices.Select(c => new PromptChoiceResponse(c, PromptLayouts.Describe(c))).ToList())).ToList())).ToList();
        return TypedResults.Ok(new GradingRunOptionsResponse(workflows, Aggregations.All, GradingRun.MaxSamples, profiles));
    }

    internal static async Task<Results<Ok<GradingRunResponse>, ProblemHttpResult>> Get(Guid runId, GradingDbContext db, ProjectAccess access,
        CancellationToken ct)
    {
        var projectId = await db.GradingRuns.Where(r => r.Id == runId).Select(r => (Guid?)r.ProjectId).FirstOrDefaultAsync(ct);
        if (projectId is null || await access.RoleAsync(projectId.Value, ct) is not { } role)
        {
            return ApiProblems.NotFound("The grading run");
        }
        return TypedResults.Ok((await GradingRunQueries.LoadAsync(db, runId, role, ct))!);
    }

    /// <summary>One page of a project's runs. <c>status</c> and <c>workflow</c> take one value or several, comma-separated.</summary>
    internal static async Task<Results<Ok<GradingRunPageResponse>, ValidationProblem, ProblemHttpResult>> List(Guid projectId,
        [AsParameters] GradingRunListQuery query, GradingDbContext db, ProjectAccess access, CancellationToken ct)
    {
        if (await access.RoleAsync(projectId, ct) is null || !await db.Projects.AnyAsync(p => p.Id == projectId, ct))
        {
            return ApiProblems.NotFound("The project");
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (page, pageSize) = Paging.Parse(query.Page, query.PageSize, errors);
        var (key, descending) = Paging.ParseSort(query.Sort, "-createdAt", GradingRunListQuery.Sorts, errors);
        var statuses = ListFilter.Parse<GradingRunStatus>(query.Status, "status", errors);
        var workflows = ListFilter.Values(query.Workflow);
        if (workflows.FirstOrDefault(w => Workflows.Find(w) is null) is { } unknown)
        {
            errors["workflow"] = [$"'{unknown}' is not a workflow; one of {string.Join(", ", Workflows.All.Select(w => w.Name))}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");
        }
        return TypedResults.Ok(await GradingRunQueries.ListAsync(db, projectId,
            new GradingRunQueries.RunListFilter(statuses, workflows, key, descending, page, pageSize), ct));
    }

    /// <summary>
    /// One page of a run's failed items and items that need attention. The same members read it as read the run, and a
    /// solution's author is left out where the caller may not see authors (sorting by solution then ignores authors too).
    /// </summary>
    internal static async Task<Results<Ok<RunFailurePageResponse>, ValidationProblem, ProblemHttpResult>> Failures(Guid runId,
        [AsParameters] RunFailureListQuery query, GradingDbContext db, ProjectAccess access, CancellationToken ct)
    {
        var projectId = await db.GradingRuns.Where(r => r.Id == runId).Select(r => (Guid?)r.ProjectId).FirstOrDefaultAsync(ct);
        if (projectId is null || await access.RoleAsync(projectId.Value, ct) is not { } role)
        {
            return ApiProblems.NotFound("The grading run");
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (page, pageSize) = Paging.Parse(query.Page, query.PageSize, errors);
        var (key, descending) = Paging.ParseSort(query.Sort, "finishedAt", RunFailureListQuery.Sorts, errors);
        var statuses = ListFilter.Parse<RunItemStatus>(query.Status, "status", errors);
        if (statuses.Any(s => s is not (RunItemStatus.Failed or RunItemStatus.NeedsAttention)))
        {
            errors["status"] = ["status is failed or needsAttention."];
        }
        var search = query.Search?.Trim() ?? "";
        if (search.Length > RunFailureListQuery.MaxSearchLength)
        {
            errors["search"] = [$"search is at most {RunFailureListQuery.MaxSearchLength} characters."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");
        }
        return TypedResults.Ok(await GradingRunQueries.FailuresAsync(db, projectId.Value, runId, role,
            new GradingRunQueries.FailureListFilter(statuses, search, key, descending, page, pageSize), ct));
    }

    internal static async Task<Results<Ok<GradingRunResponse>, ProblemHttpResult>> Cancel(Guid runId, GradingDbContext db, ProjectAccess access,
        TimeProvider clock, CancellationToken ct)
    {
        var run = await db.GradingRuns.FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null || await access.RoleAsync(run.ProjectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The grading run");
        }
        if (!role.CanAdjudicate())
        {
            return ApiProblems.Forbidden("cancel grading runs");
        }
        var cancelled = await WithRunAsync(db, run, async () =>
        {
            var now = clock.GetUtcNow();
            if (!run.Cancel(now))
            {
                return false;
            }
            await db.SaveChangesAsync(ct);
            await db.GradingRunItems
                .Where(i => i.RunId == runId && (i.Status == RunItemStatus.Pending || i.Status == RunItemStatus.Running))
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, RunItemStatus.Cancelled).SetProperty(i => i.FinishedAt, now), ct);
            return true;
        }, ct);
        if (!cancelled)
        {
            return ApiProblems.Conflict($"The run is already {GradingRunQueries.StatusName(run.Status)}; only an unfinished run can be cancelled.");
        }
        return TypedResults.Ok((await GradingRunQueries.LoadAsync(db, runId, role, ct))!);
    }

    internal static async Task<Results<Accepted<GradingRunResponse>, ProblemHttpResult>> RetryFailed(Guid runId, GradingDbContext db,
        ProjectAccess access, CurrentUser current, IBackgroundJobClient jobs, CancellationToken ct)
    {
        var run = await db.GradingRuns.FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null || await access.RoleAsync(run.ProjectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The grading run");
        }
        if (!role.CanAdjudicate())
        {
            return ApiProblems.Forbidden("retry grading runs");
        }
        // Retrying spends on the run's profile again: only while the profile still allows the project.
        var profile = await db.ModelProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.Id == run.ModelProfileId, ct);
        if (profile is not null && !profile.MayBeUsedIn(run.ProjectId, current.IsAdmin))
        {
            return ProfileNotAllowed();
        }
        string? refusal = null;
        await WithRunAsync(db, run, async () =>
        {
            if (run.Status == GradingRunStatus.Cancelled)
            {
                refusal = "A cancelled run is not resumed; start a new run for what is left.";
                return false;
            }
            var failedItems = await db.GradingRunItems.CountAsync(i => i.RunId == runId && i.Status == RunItemStatus.Failed, ct);
            var failedProblems = await db.GradingRunProblems.CountAsync(p => p.RunId == runId && p.Status == RunProblemStatus.Failed, ct);
            if (failedItems == 0 && failedProblems == 0 && run.Status != GradingRunStatus.Failed)
            {
                refusal = "Nothing in this run failed.";
                return false;
            }
            run.Reopen();
            await db.SaveChangesAsync(ct);
            // A retried item starts with a fresh allowance of attempts (Worker:MaxItemAttempts) and no old error.
            await db.GradingRunItems.Where(i => i.RunId == runId && i.Status == RunItemStatus.Failed)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, RunItemStatus.Pending).SetProperty(i => i.FinishedAt, (DateTimeOffset?)null)
                    .SetProperty(i => i.Attempts, 0).SetProperty(i => i.LastError, (string?)null), ct);
            await db.GradingRunProblems.Where(p => p.RunId == runId && p.Status == RunProblemStatus.Failed)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, RunProblemStatus.Pending).SetProperty(p => p.Error, (string?)null), ct);
            return true;
        }, ct);
        if (refusal is not null)
        {
            return ApiProblems.Conflict(refusal);
        }
        // The answer is what the retry made (the failed items pending again), read before the Worker is asked: an idle
        // Worker takes the job within milliseconds, and the answer would otherwise show whatever it had done by then.
        var reopened = (await GradingRunQueries.LoadAsync(db, runId, role, ct))!;
        jobs.Enqueue<IGradingJobs>(j => j.PlanRun(runId, CancellationToken.None));
        return TypedResults.Accepted($"/api/grading-runs/{runId}", reopened);
    }

    /// <summary>
    /// Runs a state change of the run and its items in one transaction. Workers update the run row too (status, start
    /// time), so a stale row version is not the caller's mistake: reload and decide again, a few times.
    /// </summary>
    private static async Task<bool> WithRunAsync(GradingDbContext db, GradingRun run, Func<Task<bool>> change, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            try
            {
                if (!await change())
                {
                    return false;
                }
                await transaction.CommitAsync(ct);
                return true;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                await transaction.RollbackAsync(ct);
                await db.Entry(run).ReloadAsync(ct);
            }
        }
    }

    /// <summary>A validated run, not yet saved, with what the estimate needs to know.</summary>
    internal sealed record RunPlan(GradingRun Run, ModelProfile Profile, WorkflowDefinition Workflow, IReadOnlyList<Guid> ProblemIds,
        IReadOnlyList<Guid>? SolutionIds);

    /// <summary>Checks access and every field (all field errors at once) and builds the run; a refusal otherwise.</summary>
    private static async Task<(ProblemHttpResult? Refusal, RunPlan? Plan)> PlanAsync(StartGradingRunRequest request, GradingDbContext db,
        ProjectAccess access, DateTimeOffset now, CurrentUser current, CancellationToken ct)
    {
        var userId = current.Id;
        var projectExists = request.ProjectId != Guid.Empty && await db.Projects.AnyAsync(p => p.Id == request.ProjectId, ct);
        if (!projectExists || await access.RoleAsync(request.ProjectId, ct) is not { } role)
        {
            return (ApiProblems.NotFound("The project"), null);
        }
        if (!role.CanAdjudicate())
        {
            return (ApiProblems.Forbidden("start grading runs"), null);
        }
        var errors = new ValidationErrors();
        var problemIds = (request.ProblemIds ?? []).Distinct().ToList();
        var solutionIds = (request.SolutionIds ?? []).Distinct().ToList();
        List<Guid> selectedProblems = [];
        if (problemIds.Count == 0 && solutionIds.Count == 0)
        {
            errors.Add("problemIds", "Give the problems (problemIds) or the solutions (solutionIds) to grade.");
        }
        else if (problemIds.Count > 0 && solutionIds.Count > 0)
        {
            errors.Add("solutionIds", "Give problemIds or solutionIds, not both.");
        }
        else if (problemIds.Count > MaxProblems)
        {
            errors.Add("problemIds", $"A run grades at most {MaxProblems} problems.");
        }
        else if (solutionIds.Count > MaxSolutions)
        {
            errors.Add("solutionIds", $"A run grades at most {MaxSolutions} solutions.");
        }
        else if (problemIds.Count > 0)
        {
            var found = await db.Problems.Where(p => p.ProjectId == request.ProjectId && p.DeletedAt == null && problemIds.Contains(p.Id))
                .Select(p => p.Id).ToListAsync(ct);
            var missing = problemIds.Except(found).ToList();
            errors.Require(missing.Count == 0, "problemIds", $"Not problems of this project: {Sample(missing)}.");
            if (missing.Count == 0 && !await db.Solutions.AnyAsync(s => problemIds.Contains(s.ProblemId), ct))
            {
                errors.Add("problemIds", "The selected problems have no solutions yet.");
            }
            selectedProblems = problemIds;
        }
        else
        {
            var found = await db.Solutions
                .Where(s => s.ProjectId == request.ProjectId && solutionIds.Contains(s.Id) && db.Problems.Any(p => p.Id == s.ProblemId && p.DeletedAt == null))
                .Select(s => new { s.Id, s.ProblemId }).ToListAsync(ct);
            var missing = solutionIds.Except(found.Select(f => f.Id)).ToList();
            errors.Require(missing.Count == 0, "solutionIds", $"Not solutions of this project: {Sample(missing)}.");
            selectedProblems = found.Select(f => f.ProblemId).Distinct().ToList();
        }
        var profile = request.ModelProfileId == Guid.Empty ? null
            : await db.ModelProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.Id == request.ModelProfileId && !p.IsDeleted, ct);
        errors.Require(profile is not null, "modelProfileId", "Choose an existing model profile.");
        if (profile is not null && !profile.MayBeUsedIn(request.ProjectId, current.IsAdmin))
        {
            return (ProfileNotAllowed(), null);
        }

        var definition = Workflows.Find(request.Workflow);
        var design = definition is { RubricDesigns.Count: > 0 } ? request.RubricDesign ?? definition.RubricDesigns[0] : request.RubricDesign;
        var settings = new GradingRunSettings(request.Workflow ?? "", request.RubricDesign, request.ModelProfileId, request.Samples ?? 1,
            request.Aggregation ?? Aggregations.Median, request.RequireRubricApproval, request.Prompts);
        var prompts = definition?.ResolvePrompts(request.Prompts, new ValidationErrors());
        var selection = solutionIds.Count > 0
            ? JsonSerializer.Serialize(new { solutionIds }, Json)
            : JsonSerializer.Serialize(new { problemIds }, Json);
        var configuration = definition is null ? "{}" : JsonSerializer.Serialize(new
        {
            workflow = definition.Name,
            rubricDesign = design,
            samples = settings.Samples,
            aggregation = settings.Aggregation,
            requireRubricApproval = settings.RequireRubricApproval,
            stages = prompts!.Select(s => new { stage = s.Stage, prompt = s.Prompt }),
        }, Json);
        GradingRun? run = null;
        try
        {
            run = GradingRun.Create(request.ProjectId, settings, profile is null ? "{}" : JsonSerializer.Serialize(profile.Snapshot(), Json),
                configuration, selection, userId, now);
        }
        catch (DomainValidationException ex)
        {
            foreach (var (field, messages) in ex.Errors)
            {
                foreach (var message in messages)
                {
                    errors.Add(field, message);
                }
            }
        }
        errors.ThrowIfAny();
        return (null, new RunPlan(run!, profile!, definition!, selectedProblems, solutionIds.Count > 0 ? solutionIds : null));
    }

    private static ProblemHttpResult ProfileNotAllowed() => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
        detail: "This model profile is not available to this project; a site administrator can add the project to the profile's allowed projects.");

    private static string Sample(List<Guid> ids) => string.Join(", ", ids.Take(5)) + (ids.Count > 5 ? $" and {ids.Count - 5} more" : "");
}

/// <summary>The query string of a project's runs list.</summary>
internal readonly record struct GradingRunListQuery
{
    /// <summary>The orders <c>sort</c> accepts, ascending; a leading - reverses one.</summary>
    public static readonly string[] Sorts = ["createdAt", "status", "cost", "progress"];

    [Description("createdAt, status (in lifecycle order: queued, preparing, awaitingRubricApproval, running, completed, cancelled, failed), " +
        "cost or progress (share of items finished); prefix with - for descending. Default -createdAt.")]
    [FromQuery(Name = "sort")]
    public string? Sort { get; init; }

    [Description("Only runs in these states: queued, preparing, awaitingRubricApproval, running, completed, cancelled, failed (comma-separated).")]
    [FromQuery(Name = "status")]
    public string? Status { get; init; }

    [Description("Only runs of these workflows (comma-separated names, as GET /api/grading-runs/options lists them).")]
    [FromQuery(Name = "workflow")]
    public string? Workflow { get; init; }

    [Description(Paging.PageDescription)]
    [FromQuery(Name = "page")]
    public string? Page { get; init; }

    [Description(Paging.PageSizeDescription)]
    [FromQuery(Name = "pageSize")]
    public string? PageSize { get; init; }
}

/// <summary>The query string of a run's failures.</summary>
internal readonly record struct RunFailureListQuery
{
    public const int MaxSearchLength = 200;

    /// <summary>The orders <c>sort</c> accepts, ascending; a leading - reverses one.</summary>
    public static readonly string[] Sorts = ["finishedAt", "solution", "status", "attempts"];

    [Description("finishedAt (default), solution (external id, then author where shown), status (in lifecycle order: needsAttention, then failed) " +
        "or attempts; prefix with - for descending.")]
    [FromQuery(Name = "sort")]
    public string? Sort { get; init; }

    [Description("Only items in these states: failed, needsAttention (comma-separated). Default both.")]
    [FromQuery(Name = "status")]
    public string? Status { get; init; }

    [Description("Only items whose reason contains this text (case-insensitive), at most 200 characters.")]
    [FromQuery(Name = "search")]
    public string? Search { get; init; }

    [Description(Paging.PageDescription)]
    [FromQuery(Name = "page")]
    public string? Page { get; init; }

    [Description(Paging.PageSizeDescription)]
    [FromQuery(Name = "pageSize")]
    public string? PageSize { get; init; }
}
