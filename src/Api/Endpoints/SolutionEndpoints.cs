using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Solutions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>Solutions: add, page through, read with everything the caller may see, history.</summary>
internal static class SolutionEndpoints
{
    public static IEndpointRouteBuilder MapSolutionEndpoints(this IEndpointRouteBuilder app)
    {
        var byProblem = app.MapGroup("/api/problems/{problemId:guid}/solutions").WithTags("Solutions").RequireAuthorization();
        byProblem.MapGet("/", SolutionList.ListAsync).WithName("ListSolutions")
            .WithSummary("A page of the problem's solutions, sorted and filtered (creation order by default); follow `next` for more.")
            .Problems(400, 404);
        byProblem.MapPost("/", Create).WithName("CreateSolution").WithSummary("Add a solution (Graders).").Problems(400, 403, 404, 409);

        var group = app.MapGroup("/api/solutions").WithTags("Solutions").RequireAuthorization();
        group.MapGet("/{solutionId:guid}", Get).WithName("GetSolution")
            .WithSummary("A solution with its annotations, grades and adjudication as you may see them.").Problems(404);
        group.MapGet("/{solutionId:guid}/grading", Grading).WithName("GetSolutionGrading")
            .WithSummary("People's grades, your grade, the adjudication, the evidence level and your permissions, as you may see them "
                + "(the part of the solution a grade or an adjudication changes).").Problems(404);
        group.MapGet("/{solutionId:guid}/history", History).WithName("GetSolutionHistory")
            .WithSummary("The solution's audit trail as you may see it, newest first (at most 1,000 events); `after` gives only newer events.")
            .Problems(400, 404);
        return app;
    }

    internal static async Task<Results<Created<SolutionResponse>, ProblemHttpResult>> Create(Guid problemId, CreateSolutionRequest request,
        GradingDbContext db, ProjectAccess access, CurrentUser current, TimeProvider clock, CancellationToken ct)
    {
        var problem = await db.Problems.AsNoTracking().FirstOrDefaultAsync(p => p.Id == problemId && p.DeletedAt == null, ct);
        if (problem is null || await access.RoleAsync(problem.ProjectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The problem");
        }
        if (!role.CanGrade())
        {
            return ApiProblems.Forbidden("add solutions");
        }
        var solution = Solution.Create(problem.ProjectId, problemId, request.Text, request.Author, request.ExternalId, clock.GetUtcNow());
        db.Solutions.Add(solution);
        await db.SaveChangesAsync(ct);
        var loaded = await SolutionView.LoadAsync(db, solution.Id, current.Id, current.IsAdmin, ct);
        return TypedResults.Created($"/api/solutions/{solution.Id}", loaded!.Value.View);
    }

    internal static async Task<Results<Ok<SolutionResponse>, ProblemHttpResult>> Get(Guid solutionId, GradingDbContext db, CurrentUser current,
        CancellationToken ct)
    {
        var loaded = await SolutionView.LoadAsync(db, solutionId, current.Id, current.IsAdmin, ct);
        return loaded is { } found ? TypedResults.Ok(found.View) : ApiProblems.NotFound("The solution");
    }

    internal static async Task<Results<Ok<SolutionGradingResponse>, ProblemHttpResult>> Grading(Guid solutionId, GradingDbContext db,
        CurrentUser current, CancellationToken ct)
    {
        var grading = await SolutionView.LoadGradingAsync(db, solutionId, current.Id, current.IsAdmin, ct);
        return grading is null ? ApiProblems.NotFound("The solution") : TypedResults.Ok(grading);
    }

    internal static async Task<Results<Ok<List<AuditEventResponse>>, ProblemHttpResult>> History(Guid solutionId, GradingDbContext db,
        ProjectAccess access, CurrentUser current, CancellationToken ct,
        [Description("Only events newer than this one: the `id` of the newest event you hold. Events are numbered in the order they "
            + "were written, which two writes committing at the same moment can swap, so a reader that must miss nothing reads "
            + "the whole trail now and then.")]
        [FromQuery(Name = "after")] string? after = null)
    {
        long? newerThan = null;
        if (!string.IsNullOrWhiteSpace(after))
        {
            if (!long.TryParse(after.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return ApiProblems.Validation("after", "after is the id of an event of this solution's history (a whole number, 0 or more).");
            }
            newerThan = id;
        }
        var projectId = await SolutionView.ProjectOfAsync(db, solutionId, ct);
        if (projectId is null || await access.RoleAsync(projectId.Value, ct) is not { } role)
        {
            return ApiProblems.NotFound("The solution");
        }
        var userId = current.Id;
        var project = await db.Projects.AsNoTracking().FirstAsync(p => p.Id == projectId, ct);
        var hasOwn = await db.HumanGrades.AnyAsync(g => g.SolutionId == solutionId && g.GraderId == userId, ct);
        var query = db.AuditEvents.AsNoTracking().Where(e => e.SolutionId == solutionId);
        if (newerThan is { } since)
        {
            query = query.Where(e => e.Id > since);
        }
        if (!BlindPolicy.MaySeeOthersGrades(project, role, hasOwn))
        {
            // Blind: other people's grades, annotations and the adjudication stay out of the history too.
            query = query.Where(e => e.ActorId == userId || e.EntityType == "solution");
        }
        var events = await query.OrderByDescending(e => e.Id).Take(1000).ToListAsync(ct);
        var seesAuthor = BlindPolicy.MaySeeAuthor(project, role);
        return TypedResults.Ok(events.Select(e => new AuditEventResponse(e.Id, e.At, e.ActorId, e.ActorName, e.EntityType, e.EntityId, e.Action,
            VisibleData(e, seesAuthor))).ToList());
    }

    /// <summary>An event's snapshot as the caller may see it: hidden authors stay hidden in the history too.</summary>
    private static JsonElement VisibleData(AuditEvent e, bool seesAuthor)
    {
        if (seesAuthor || e.EntityType != "solution" || e.Data.RootElement.ValueKind != JsonValueKind.Object)
        {
            return e.Data.RootElement.Clone();
        }
        var data = JsonNode.Parse(e.Data.RootElement.GetRawText())!.AsObject();
        data["author"] = null;
        return JsonSerializer.SerializeToElement(data);
    }
}
