using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using Hangfire;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Rubrics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>Versioned rubrics: list, create a draft version, edit a draft, approve.</summary>
internal static class RubricEndpoints
{
    public static IEndpointRouteBuilder MapRubricEndpoints(this IEndpointRouteBuilder app)
    {
        var byProblem = app.MapGroup("/api/problems/{problemId:guid}/rubrics").WithTags("Rubrics").RequireAuthorization();
        byProblem.MapGet("/", List).WithName("ListRubrics").WithSummary("Every rubric version of a problem, newest first.").Problems(404);
        byProblem.MapPost("/", Create).WithName("CreateRubric")
            .WithSummary("Create a new draft rubric version (Adjudicators).").Problems(400, 403, 404, 409);

        var group = app.MapGroup("/api/rubrics").WithTags("Rubrics").RequireAuthorization();
        group.MapGet("/{rubricId:guid}", Get).WithName("GetRubric").WithSummary("One rubric version.").Problems(404);
        group.MapPut("/{rubricId:guid}", Update).WithName("UpdateRubric")
            .WithSummary("Edit a draft rubric (Adjudicators); approved versions are immutable.").Problems(400, 403, 404, 409);
        group.MapPost("/{rubricId:guid}/approve", Approve).WithName("ApproveRubric")
            .WithSummary("Approve a draft; the previously approved version is retired.").Problems(400, 403, 404, 409);
        return app;
    }

    internal static async Task<Results<Ok<List<RubricResponse>>, ProblemHttpResult>> List(Guid problemId, GradingDbContext db, ProjectAccess access,
        CancellationToken ct)
    {
        var projectId = await ProjectOfProblem(db, problemId, ct);
        if (projectId is null || await access.RoleAsync(projectId.Value, ct) is null)
        {
            return ApiProblems.NotFound("The problem");
        }
        var rubrics = await db.Rubrics.AsNoTracking().Include(r => r.Items).Where(r => r.ProblemId == problemId)
            .OrderByDescending(r => r.Version).ToListAsync(ct);
        return TypedResults.Ok(rubrics.Select(RubricMapping.ToResponse).ToList());
    }

    internal static async Task<Results<Created<RubricResponse>, ProblemHttpResult>> Create(Guid problemId, RubricInput request, GradingDbContext db,
        ProjectAccess access, CurrentUser current, TimeProvider clock, CancellationToken ct)
    {
        var problem = await db.Problems.AsNoTracking().FirstOrDefaultAsync(p => p.Id == problemId && p.DeletedAt == null, ct);
        if (problem is null || await access.RoleAsync(problem.ProjectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The problem");
        }
        if (!role.CanEditRubrics())
        {
            return ApiProblems.Forbidden("edit rubrics");
        }
        var version = (await db.Rubrics.Where(r => r.ProblemId == problemId).MaxAsync(r => (int?)r.Version, ct) ?? 0) + 1;
        var rubric = Rubric.CreateDraft(problem.ProjectId, problemId, version, problem.MaxPoints, RubricOrigin.Manual,
            RubricMapping.ToContent(request), current.Id, clock.GetUtcNow());
        db.Rubrics.Add(rubric);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/rubrics/{rubric.Id}", RubricMapping.ToResponse(rubric));
    }

    internal static async Task<Results<Ok<RubricResponse>, ProblemHttpResult>> Get(Guid rubricId, GradingDbContext db, ProjectAccess access,
        CancellationToken ct)
    {
        var rubric = await db.Rubrics.AsNoTracking().Include(r => r.Items)
            .FirstOrDefaultAsync(r => r.Id == rubricId && db.Problems.Any(p => p.Id == r.ProblemId && p.DeletedAt == null), ct);
        if (rubric is null || await access.RoleAsync(rubric.ProjectId, ct) is null)
        {
            return ApiProblems.NotFound("The rubric");
        }
        return TypedResults.Ok(RubricMapping.ToResponse(rubric));
    }

    internal static async Task<Results<Ok<RubricResponse>, ProblemHttpResult>> Update(Guid rubricId, UpdateRubricRequest request, GradingDbContext db,
        ProjectAccess access, TimeProvider clock, CancellationToken ct)
    {
        var rubric = await db.Rubrics.Include(r => r.Items)
            .FirstOrDefaultAsync(r => r.Id == rubricId && db.Problems.Any(p => p.Id == r.ProblemId && p.DeletedAt == null), ct);
        if (rubric is null || await access.RoleAsync(rubric.ProjectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The rubric");
        }
        if (!role.CanEditRubrics())
        {
            return ApiProblems.Forbidden("edit rubrics");
        }
        db.ExpectRowVersion(rubric, r => r.RowVersion, request);
        var maxPoints = await db.Problems.Where(p => p.Id == rubric.ProblemId).Select(p => p.MaxPoints).FirstAsync(ct);
        var before = rubric.Items.Select(i => i.Id).ToHashSet();
        rubric.Edit(RubricMapping.ToContent(new RubricInput(request.Items, request.ZeroCredit, request.Deductions, request.Notes)), maxPoints,
            clock.GetUtcNow());
        // Items dropped by the edit are deleted (drafts have no grades pointing at them).
        var kept = rubric.Items.Select(i => i.Id).ToHashSet();
        foreach (var removed in db.ChangeTracker.Entries<RubricItem>().Where(e => before.Contains(e.Entity.Id) && !kept.Contains(e.Entity.Id)))
        {
            removed.State = EntityState.Deleted;
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(RubricMapping.ToResponse(rubric));
    }

    internal static async Task<Results<Ok<RubricResponse>, ProblemHttpResult>> Approve(Guid rubricId, ApproveRubricRequest? request,
        GradingDbContext db, ProjectAccess access, CurrentUser current, TimeProvider clock, IBackgroundJobClient jobs, CancellationToken ct)
    {
        var rubric = await db.Rubrics.Include(r => r.Items)
            .FirstOrDefaultAsync(r => r.Id == rubricId && db.Problems.Any(p => p.Id == r.ProblemId && p.DeletedAt == null), ct);
        if (rubric is null || await access.RoleAsync(rubric.ProjectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The rubric");
        }
        if (!role.CanEditRubrics())
        {
            return ApiProblems.Forbidden("approve rubrics");
        }
        if (request?.RowVersion is { } expected)
        {
            db.Entry(rubric).Property(r => r.RowVersion).OriginalValue = expected;
        }
        var approved = await db.Rubrics.Where(r => r.ProblemId == rubric.ProblemId && r.Status == RubricStatus.Approved
            && r.ApproachKey == rubric.ApproachKey && r.Id != rubricId).ToListAsync(ct);
        rubric.Approve(current.Id, approved.MaxBy(r => r.Version), clock.GetUtcNow());
        foreach (var older in approved)
        {
            older.Retire(clock.GetUtcNow());
        }
        await db.SaveChangesAsync(ct);
        if (rubric.Origin == RubricOrigin.Derived)
        {
            // Runs that wait for derived rubrics resume: the Worker's StartRun re-checks what is approved and schedules the rest.
            var waiting = await db.GradingRuns.Where(r => r.ProjectId == rubric.ProjectId && r.Status == GradingRunStatus.AwaitingRubricApproval)
                .Select(r => r.Id).ToListAsync(ct);
            foreach (var runId in waiting)
            {
                jobs.Enqueue<IGradingJobs>(j => j.PlanRun(runId, CancellationToken.None));
            }
        }
        return TypedResults.Ok(RubricMapping.ToResponse(rubric));
    }

    private static Task<Guid?> ProjectOfProblem(GradingDbContext db, Guid problemId, CancellationToken ct) =>
        db.Problems.Where(p => p.Id == problemId && p.DeletedAt == null).Select(p => (Guid?)p.ProjectId).FirstOrDefaultAsync(ct);
}

/// <summary>Between rubric contracts and the Domain.</summary>
internal static class RubricMapping
{
    public static RubricContent ToContent(RubricInput input) => new(
        (input.Items ?? []).Select(i => new RubricItemContent(i.Title ?? "", i.Points, i.Description)).ToList(),
        input.ZeroCredit,
        (input.Deductions ?? []).Select(d => new RubricDeduction(d.Description ?? "", d.Points)).ToList(),
        input.Notes);

    public static RubricResponse ToResponse(Rubric r) => new(
        r.Id, r.ProblemId, r.Version, r.Origin.ToString().ToLowerInvariant(), r.Status.ToString().ToLowerInvariant(),
        r.Items.OrderBy(i => i.Ordinal).Select(i => new RubricItemResponse(i.Id, i.Ordinal, i.Title, i.Points, i.Description)).ToList(),
        r.TotalPoints, r.ZeroCredit, r.Deductions.Select(d => new DeductionDto(d.Description, d.Points)).ToList(), r.Notes,
        r.CreatedAt, r.UpdatedAt, r.ApprovedAt, r.RowVersion);
}
