using System.ComponentModel;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Problems;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Rubrics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>Problems: statement, reference solutions, official scheme, grading status.</summary>
internal static class ProblemEndpoints
{
    public static IEndpointRouteBuilder MapProblemEndpoints(this IEndpointRouteBuilder app)
    {
        var byProject = app.MapGroup("/api/projects/{projectId:guid}/problems").WithTags("Problems").RequireAuthorization();
        byProject.MapGet("/", List).WithName("ListProblems")
            .WithSummary("Every problem of the project with grading status counts, in creation order (see /problems/page for a sorted, searched page).")
            .Problems(404);
        byProject.MapGet("/page", ListPage).WithName("ListProblemsPage")
            .WithSummary("A page of the project's problems with grading status counts, searched and sorted.").Problems(400, 404);
        byProject.MapPost("/", Create).WithName("CreateProblem")
            .WithSummary("Create a problem (Adjudicators); a given rubric is stored as the official, approved version 1.").Problems(400, 403, 404, 409);

        var group = app.MapGroup("/api/problems").WithTags("Problems").RequireAuthorization();
        group.MapGet("/{problemId:guid}", Get).WithName("GetProblem")
            .WithSummary("A problem with references, rubric versions and counts.").Problems(404);
        group.MapPatch("/{problemId:guid}", Update).WithName("UpdateProblem")
            .WithSummary("Change a problem (Adjudicators).").Problems(400, 403, 404, 409);
        group.MapDelete("/{problemId:guid}", Delete).WithName("DeleteProblem")
            .WithSummary("Delete a problem (project Admins); its grades stay in the history.").Problems(403, 404);
        return app;
    }

    internal static async Task<Results<Ok<List<ProblemSummaryResponse>>, ProblemHttpResult>> List(Guid projectId, GradingDbContext db,
        ProjectAccess access, Auth.CurrentUser current, CancellationToken ct)
    {
        if (await access.RoleAsync(projectId, ct) is not { } role || !await db.Projects.AnyAsync(p => p.Id == projectId, ct))
        {
            return ApiProblems.NotFound("The project");
        }
        var problems = await db.Problems.AsNoTracking()
            .Where(p => p.ProjectId == projectId && p.DeletedAt == null)
            .OrderBy(p => p.CreatedAt).ThenBy(p => p.Id)
            .ToListAsync(ct);
        var onlyMine = await ProblemQueries.BlindCountsUserAsync(db, projectId, role, current.Id, ct);
        var counts = await ProblemQueries.CountsAsync(db, projectId, null, onlyMine, ct);
        return TypedResults.Ok(problems.Select(p => new ProblemSummaryResponse(p.Id, p.Title, p.MaxPoints, p.Source, p.ExternalId,
            counts.GetValueOrDefault(p.Id, ProblemQueries.NoCounts), p.CreatedAt)).ToList());
    }

    /// <summary>
    /// A page of problems. The whole list stays a plain array for the clients that read it that way; this is its paged
    /// form. A project has tens of problems, so the counts are computed for all of them and sorted here.
    /// </summary>
    internal static async Task<Results<Ok<ProblemPageResponse>, ValidationProblem, ProblemHttpResult>> ListPage(Guid projectId,
        [AsParameters] ProblemListQuery query, GradingDbContext db, ProjectAccess access, Auth.CurrentUser current, CancellationToken ct)
    {
        if (await access.RoleAsync(projectId, ct) is not { } role || !await db.Projects.AnyAsync(p => p.Id == projectId, ct))
        {
            return ApiProblems.NotFound("The project");
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (page, pageSize) = Paging.Parse(query.Page, query.PageSize, errors);
        var search = query.Search?.Trim() ?? "";
        if (search.Length > ProblemListQuery.MaxSearchLength)
        {
            errors["search"] = [$"search is at most {ProblemListQuery.MaxSearchLength} characters."];
        }
        var (key, descending) = Paging.ParseSort(query.Sort, "created", ProblemListQuery.Sorts, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");
        }
        var rows = db.Problems.AsNoTracking().Where(p => p.ProjectId == projectId && p.DeletedAt == null);
        if (search.Length > 0)
        {
            // lower() on both sides: ILIKE would read % and _ in the text as wildcards.
            var lowered = search.ToLowerInvariant();
            rows = rows.Where(p => p.Title.ToLower().Contains(lowered) || p.Source.ToLower().Contains(lowered)
                || p.ExternalId!.ToLower().Contains(lowered));
        }
        var problems = await rows.OrderBy(p => p.CreatedAt).ThenBy(p => p.Id).ToListAsync(ct);
        var onlyMine = await ProblemQueries.BlindCountsUserAsync(db, projectId, role, current.Id, ct);
        var counts = await ProblemQueries.CountsAsync(db, projectId, null, onlyMine, ct);
        var all = problems.Select(p => new ProblemSummaryResponse(p.Id, p.Title, p.MaxPoints, p.Source, p.ExternalId,
            counts.GetValueOrDefault(p.Id, ProblemQueries.NoCounts), p.CreatedAt)).ToList();
        // Sorting is stable, so equal keys keep creation order.
        IEnumerable<ProblemSummaryResponse> ordered = key switch
        {
            "title" => Sorted(all, p => p.Title, descending, StringComparer.InvariantCultureIgnoreCase),
            "externalId" => Sorted(all.Where(p => p.ExternalId is not null), p => p.ExternalId!, descending, StringComparer.InvariantCultureIgnoreCase)
                .Concat(all.Where(p => p.ExternalId is null)),
            "solutions" => Sorted(all, p => p.Counts.Solutions, descending),
            "graded" => Sorted(all, p => p.Counts.Solutions == 0 ? 0 : (double)p.Counts.Graded / p.Counts.Solutions, descending),
            "annotated" => Sorted(all, p => p.Counts.Annotated, descending),
            _ => descending ? Enumerable.Reverse(all) : all,
        };
        var items = ordered.Skip((page - 1) * pageSize).Take(pageSize).ToList();
        return TypedResults.Ok(new ProblemPageResponse(page, pageSize, all.Count, items));
    }

    private static IEnumerable<ProblemSummaryResponse> Sorted<T>(IEnumerable<ProblemSummaryResponse> rows, Func<ProblemSummaryResponse, T> by,
        bool descending, IComparer<T>? comparer = null) =>
        descending ? rows.OrderByDescending(by, comparer) : rows.OrderBy(by, comparer);

    internal static async Task<Results<Created<ProblemResponse>, ProblemHttpResult>> Create(Guid projectId, CreateProblemRequest request,
        GradingDbContext db, ProjectAccess access, Auth.CurrentUser current, TimeProvider clock, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null || await access.RoleAsync(projectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The project");
        }
        if (!role.CanEditContent())
        {
            return ApiProblems.Forbidden("create problems");
        }
        var now = clock.GetUtcNow();
        var maxPoints = request.MaxPoints ?? project.MaxPoints;
        var problem = Problem.Create(projectId, request.Title, request.Statement, maxPoints, request.Source, request.ExternalId,
            request.MarkingScheme, (request.ReferenceSolutions ?? []).Select(r => (r.Text, r.Source)), now);
        db.Problems.Add(problem);
        if (request.Rubric is { } rubricInput)
        {
            try
            {
                db.Rubrics.Add(Rubric.CreateOfficial(projectId, problem.Id, 1, maxPoints, RubricMapping.ToContent(rubricInput), current.Id, now));
            }
            catch (Domain.Common.DomainValidationException ex)
            {
                // Field paths are relative to the request body.
                throw new Domain.Common.DomainValidationException(ex.Errors.ToDictionary(e => "rubric." + e.Key, e => e.Value));
            }
        }
        await db.SaveChangesAsync(ct);
        var response = await ProblemQueries.LoadAsync(db, problem.Id, ct);
        return TypedResults.Created($"/api/problems/{problem.Id}", response!);
    }

    internal static async Task<Results<Ok<ProblemResponse>, ProblemHttpResult>> Get(Guid problemId, GradingDbContext db, ProjectAccess access,
        Auth.CurrentUser current, CancellationToken ct)
    {
        var projectId = await db.Problems.Where(p => p.Id == problemId && p.DeletedAt == null).Select(p => (Guid?)p.ProjectId).FirstOrDefaultAsync(ct);
        if (projectId is null || await access.RoleAsync(projectId.Value, ct) is not { } role)
        {
            return ApiProblems.NotFound("The problem");
        }
        var onlyMine = await ProblemQueries.BlindCountsUserAsync(db, projectId.Value, role, current.Id, ct);
        return TypedResults.Ok((await ProblemQueries.LoadAsync(db, problemId, ct, onlyMine))!);
    }

    internal static async Task<Results<Ok<ProblemResponse>, ProblemHttpResult>> Update(Guid problemId, UpdateProblemRequest request,
        GradingDbContext db, ProjectAccess access, TimeProvider clock, CancellationToken ct)
    {
        var problem = await db.Problems.Include(p => p.ReferenceSolutions).FirstOrDefaultAsync(p => p.Id == problemId && p.DeletedAt == null, ct);
        if (problem is null || await access.RoleAsync(problem.ProjectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The problem");
        }
        if (!role.CanEditContent())
        {
            return ApiProblems.Forbidden("edit problems");
        }
        db.ExpectRowVersion(problem, p => p.RowVersion, request);
        var hasGrades = await db.Rubrics.AnyAsync(r => r.ProblemId == problemId, ct)
            || await db.HumanGrades.AnyAsync(g => db.Solutions.Any(s => s.Id == g.SolutionId && s.ProblemId == problemId), ct);
        var now = clock.GetUtcNow();
        problem.Update(request.Title, request.Statement, request.MaxPoints, request.Source, request.ExternalId, request.MarkingScheme, hasGrades, now);
        if (request.ReferenceSolutions is { } references)
        {
            db.ReferenceSolutions.RemoveRange(problem.ReferenceSolutions);
            problem.ReplaceReferenceSolutions(references.Select(r => (r.Text, r.Source)), now);
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok((await ProblemQueries.LoadAsync(db, problemId, ct))!);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid problemId, GradingDbContext db, ProjectAccess access,
        TimeProvider clock, CancellationToken ct)
    {
        var problem = await db.Problems.FirstOrDefaultAsync(p => p.Id == problemId && p.DeletedAt == null, ct);
        if (problem is null || await access.RoleAsync(problem.ProjectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The problem");
        }
        if (!role.CanManage())
        {
            return ApiProblems.Forbidden("delete problems");
        }
        problem.Delete(clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}

/// <summary>Reads shared by problem, rubric and solution endpoints.</summary>
internal static class ProblemQueries
{
    public static readonly ProblemCounts NoCounts = new(0, 0, 0, 0, 0);

    /// <summary>The user whose own work the counts are limited to (a grader or viewer in a blind project), else null.</summary>
    public static async Task<Guid?> BlindCountsUserAsync(GradingDbContext db, Guid projectId, ProjectRole role, Guid userId, CancellationToken ct) =>
        role < ProjectRole.Adjudicator && await db.Projects.AnyAsync(p => p.Id == projectId && p.BlindGrading, ct) ? userId : null;

    /// <summary>A live problem with everything its page needs, or null.</summary>
    public static async Task<ProblemResponse?> LoadAsync(GradingDbContext db, Guid problemId, CancellationToken ct, Guid? countsOnlyForUserId = null)
    {
        var problem = await db.Problems.AsNoTracking().Include(p => p.ReferenceSolutions)
            .FirstOrDefaultAsync(p => p.Id == problemId && p.DeletedAt == null, ct);
        if (problem is null)
        {
            return null;
        }
        var rubrics = await db.Rubrics.AsNoTracking().Include(r => r.Items)
            .Where(r => r.ProblemId == problemId)
            .OrderByDescending(r => r.Version)
            .ToListAsync(ct);
        var counts = await CountsAsync(db, problem.ProjectId, problemId, countsOnlyForUserId, ct);
        var current = CurrentRubric(rubrics);
        return new ProblemResponse(problem.Id, problem.ProjectId, problem.Title, problem.Statement, problem.MaxPoints, problem.Source,
            problem.ExternalId, problem.MarkingScheme,
            problem.ReferenceSolutions.OrderBy(r => r.Ordinal).Select(r => new ReferenceSolutionResponse(r.Id, r.Ordinal, r.Text, r.Source)).ToList(),
            current is null ? null : RubricMapping.ToResponse(current),
            rubrics.Select(RubricMapping.ToResponse).ToList(),
            counts.GetValueOrDefault(problemId, NoCounts), problem.CreatedAt, problem.UpdatedAt, problem.RowVersion);
    }

    /// <summary>The approved whole-problem rubric with the highest version (what graders grade against).</summary>
    public static Rubric? CurrentRubric(IEnumerable<Rubric> rubrics) =>
        rubrics.Where(r => r.Status == RubricStatus.Approved && r.ApproachKey == null).MaxBy(r => r.Version);

    /// <summary>Grading status counts per problem of a project (or of one problem), in one round trip.</summary>
    /// <remarks>
    /// With <paramref name="onlyUserId"/> (a grader in a blind project) the counts cover that person's own grades and
    /// annotations only, and adjudications are not counted: totals would tell them that others have graded.
    /// </remarks>
    public static async Task<Dictionary<Guid, ProblemCounts>> CountsAsync(GradingDbContext db, Guid projectId, Guid? problemId, Guid? onlyUserId,
        CancellationToken ct)
    {
        var solutions = db.Solutions.Where(s => s.ProjectId == projectId);
        if (problemId is { } id)
        {
            solutions = solutions.Where(s => s.ProblemId == id);
        }
        var rows = await solutions
            .Select(s => new
            {
                s.ProblemId,
                Grades = db.HumanGrades.Count(g => g.SolutionId == s.Id && (onlyUserId == null || g.GraderId == onlyUserId)),
                Adjudicated = onlyUserId == null && db.Adjudications.Any(a => a.SolutionId == s.Id),
                Annotated = db.Annotations.Any(a => a.SolutionId == s.Id && (onlyUserId == null || a.AuthorId == onlyUserId)),
            })
            .GroupBy(x => x.ProblemId)
            .Select(g => new
            {
                ProblemId = g.Key,
                Solutions = g.Count(),
                Graded = g.Count(x => x.Grades > 0),
                DoubleGraded = g.Count(x => x.Grades > 1),
                Adjudicated = g.Count(x => x.Adjudicated),
                Annotated = g.Count(x => x.Annotated),
            })
            .ToListAsync(ct);
        return rows.ToDictionary(r => r.ProblemId, r => new ProblemCounts(r.Solutions, r.Graded, r.DoubleGraded, r.Adjudicated, r.Annotated));
    }
}

/// <summary>The query string of the paged problem list.</summary>
internal readonly record struct ProblemListQuery
{
    public const int MaxSearchLength = 200;

    /// <summary>The orders <c>sort</c> accepts, ascending; a leading - reverses one.</summary>
    public static readonly string[] Sorts = ["created", "title", "externalId", "solutions", "graded", "annotated"];

    [Description("Only problems whose title, source or external id contains this text (case-insensitive), at most 200 characters.")]
    [FromQuery(Name = "search")]
    public string? Search { get; init; }

    [Description("created (default), title, externalId, solutions, graded (the share of solutions graded) or annotated; prefix with - for "
        + "descending, e.g. -graded. Ties keep creation order.")]
    [FromQuery(Name = "sort")]
    public string? Sort { get; init; }

    [Description(Paging.PageDescription)]
    [FromQuery(Name = "page")]
    public string? Page { get; init; }

    [Description(Paging.PageSizeDescription)]
    [FromQuery(Name = "pageSize")]
    public string? PageSize { get; init; }
}
