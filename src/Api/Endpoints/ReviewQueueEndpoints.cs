using System.ComponentModel;
using System.Globalization;
using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Common;
using GradingPortal.Domain.Evaluation;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Solutions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>Page and page size of a paged read, validated into field errors rather than binding failures.</summary>
internal static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;
    public const string PageDescription = "1-based page number (default 1).";
    public const string PageSizeDescription = "Rows per page, 1 to 500 (default 50).";

    public static (int Page, int PageSize) Parse(string? pageText, string? pageSizeText, Dictionary<string, string[]> errors)
    {
        var page = 1;
        if (!string.IsNullOrWhiteSpace(pageText)
            && (!int.TryParse(pageText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out page) || page < 1))
        {
            errors["page"] = ["page is a whole number, 1 or more."];
        }
        var size = DefaultPageSize;
        if (!string.IsNullOrWhiteSpace(pageSizeText)
            && (!int.TryParse(pageSizeText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > MaxPageSize))
        {
            errors["pageSize"] = [$"pageSize is a whole number from 1 to {MaxPageSize}."];
        }
        return (page, size);
    }

    /// <summary>
    /// A <c>sort</c> value: one of <paramref name="keys"/>, optionally prefixed with - for descending; empty means
    /// <paramref name="defaultSort"/>. An unknown key becomes a field error naming the accepted ones.
    /// </summary>
    public static (string Key, bool Descending) ParseSort(string? sortText, string defaultSort, IReadOnlyCollection<string> keys,
        Dictionary<string, string[]> errors)
    {
        var sort = string.IsNullOrWhiteSpace(sortText) ? defaultSort : sortText.Trim();
        var descending = sort.StartsWith('-');
        var key = descending ? sort[1..] : sort;
        if (!keys.Contains(key))
        {
            errors["sort"] = [$"sort is one of {string.Join(", ", keys)}, each optionally prefixed with - for descending."];
        }
        return (key, descending);
    }
}

/// <summary>The query string of the review queue and its progress.</summary>
internal readonly record struct ReviewQueueQuery
{
    [Description("Only solutions of these problems. Comma-separated ids, or the parameter repeated.")]
    [FromQuery(Name = "problemIds")]
    public string[]? ProblemIds { get; init; }

    [Description(Paging.PageDescription)]
    [FromQuery(Name = "page")]
    public string? Page { get; init; }

    [Description(Paging.PageSizeDescription)]
    [FromQuery(Name = "pageSize")]
    public string? PageSize { get; init; }
}

/// <summary>
/// What each person should look at next, riskiest first, with the reasons (docs/evaluation-metrics.md, "Review queue"),
/// and how far each grader has come. A project asks for N independent human grades per solution: a solution stays in
/// the queue of everyone who has not graded it until N people have (or it is adjudicated). Gold solutions enter the
/// queues of those who have not graded them, looking like any other solution. Adjudicators and Admins also find
/// solutions whose graders disagree and that wait for a final grade.
/// </summary>
internal static class ReviewQueueEndpoints
{
    public const string ReviewRecommended = "review-recommended";

    public static IEndpointRouteBuilder MapReviewQueueEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/review-queue").WithTags("Review").RequireAuthorization();
        group.MapGet("/", Queue).WithName("GetReviewQueue")
            .WithSummary("Your review queue: solutions to look at next, riskiest first, each with the reasons it is there (Graders and up).")
            .Problems(400, 403, 404);
        group.MapGet("/progress", Progress).WithName("GetReviewProgress")
            .WithSummary("Progress per grader: solutions graded, still waiting for their grade, and both (Adjudicators and Admins see everyone; Graders themselves).")
            .Problems(400, 403, 404);
        return app;
    }

    /// <summary>The caller's queue: solutions they have not graded that still need grades (and gold ones), riskiest first.</summary>
    internal static async Task<Results<Ok<ReviewQueueResponse>, ValidationProblem, ProblemHttpResult>> Queue(Guid projectId,
        [AsParameters] ReviewQueueQuery query, GradingDbContext db, ProjectAccess access, CurrentUser current, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId)
            .Select(p => new { p.BlindGrading, p.RequiredHumanGrades }).FirstOrDefaultAsync(ct);
        if (project is null || await access.RoleAsync(projectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The project");
        }
        if (!role.CanGrade())
        {
            return ApiProblems.Forbidden("have a review queue (Graders and up grade)");
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var problemIds = AgreementQuery.Ids(errors, "problemIds", query.ProblemIds);
        var (page, pageSize) = Paging.Parse(query.Page, query.PageSize, errors);
        var data = errors.Count == 0 ? await ReviewData.LoadAsync(db, projectId, problemIds, withModels: true, ct) : null;
        if (data?.UnknownProblems(problemIds) is { Count: > 0 } unknown)
        {
            errors["problemIds"] = [$"Not problems of this project: {string.Join(", ", unknown.Take(5))}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");
        }

        var me = current.Id;
        var entries = new List<(ReviewData.SolutionRow Solution, ReviewAssessment Assessment, bool Redacted)>();
        foreach (var solution in data!.Solutions)
        {
            var humans = data.HumansOf(solution.Id);
            var mine = humans.Any(h => h.GraderId == me);
            var adjudicated = data.Adjudicated.Contains(solution.Id);
            var gold = data.Gold.Contains(solution.Id);
            var needsGrade = !mine && (gold || (!adjudicated && humans.Count < project.RequiredHumanGrades));
            var points = humans.Select(h => h.Points).ToList();
            var problem = data.Problems[solution.ProblemId];
            var assessment = ReviewRisk.Assess(new ReviewSignals(problem.MaxPoints, problem.MaxPoints - 1, needsGrade, points, adjudicated,
                data.ModelsOf(solution.Id)));
            var awaitsDecision = role.CanAdjudicate() && assessment.Reasons.Any(r => r.Code == ReviewRisk.GradersDisagree);
            if (!needsGrade && !awaitsDecision)
            {
                continue;
            }
            entries.Add((solution, assessment, !BlindPolicy.MaySeeOthersGrades(project.BlindGrading, role, mine)));
        }
        // Riskiest first; then the project's order (problems as created, solutions as added) so equal risks keep their place.
        var ordered = entries.OrderByDescending(e => e.Assessment.Score).ThenBy(e => data.Problems[e.Solution.ProblemId].Order)
            .ThenBy(e => e.Solution.Id).ToList();
        var seesGold = role.CanAdjudicate();
        var shown = ordered.Skip((page - 1) * pageSize).Take(pageSize).ToList();
        var names = await SolutionNames.LoadAsync(db, projectId, role, shown.Select(e => e.Solution.Id), ct);
        var items = shown.Select(e =>
        {
            var problem = data.Problems[e.Solution.ProblemId];
            var name = names.GetValueOrDefault(e.Solution.Id);
            return new ReviewQueueItemDto(e.Solution.Id, e.Solution.ProblemId, problem.Title, e.Redacted ? null : e.Assessment.Score,
                e.Redacted ? Withheld(e.Assessment) : [.. e.Assessment.Reasons.Select(r => new ReviewReasonDto(r.Code, r.Message))],
                seesGold ? data.Gold.Contains(e.Solution.Id) : null, name.Author, name.ExternalId);
        }).ToList();
        return TypedResults.Ok(new ReviewQueueResponse(page, pageSize, ordered.Count, project.RequiredHumanGrades, items));
    }

    /// <summary>
    /// Reasons for someone who may not see the solution's other grades yet: the checks read those grades, so only the
    /// fact that some check fired is told, never which or with what figures. Everything shows once their grade is in.
    /// </summary>
    private static List<ReviewReasonDto> Withheld(ReviewAssessment assessment)
    {
        var reasons = assessment.Reasons.Where(r => r.Code == ReviewRisk.NeedsGrade).Select(r => new ReviewReasonDto(r.Code, r.Message)).ToList();
        if (assessment.Flagged)
        {
            reasons.Insert(0, new ReviewReasonDto(ReviewRecommended,
                "Automatic checks flagged this solution for a closer look; what they found shows once you have graded it."));
        }
        return reasons;
    }

    /// <summary>Per grader: solutions graded, solutions still waiting for their grade (their queue without the disagreements), and both.</summary>
    internal static async Task<Results<Ok<ReviewProgressResponse>, ValidationProblem, ProblemHttpResult>> Progress(Guid projectId,
        [FromQuery(Name = "problemIds"), Description("Only solutions of these problems. Comma-separated ids, or the parameter repeated.")] string[]? problemIds,
        GradingDbContext db, ProjectAccess access, CurrentUser current, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId)
            .Select(p => new { p.RequiredHumanGrades }).FirstOrDefaultAsync(ct);
        if (project is null || await access.RoleAsync(projectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The project");
        }
        if (!role.CanGrade())
        {
            return ApiProblems.Forbidden("see review progress (Graders see their own, Adjudicators and Admins everyone's)");
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var problemFilter = AgreementQuery.Ids(errors, "problemIds", problemIds);
        var data = errors.Count == 0 ? await ReviewData.LoadAsync(db, projectId, problemFilter, withModels: false, ct) : null;
        if (data?.UnknownProblems(problemFilter) is { Count: > 0 } unknown)
        {
            errors["problemIds"] = [$"Not problems of this project: {string.Join(", ", unknown.Take(5))}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");
        }

        var required = project.RequiredHumanGrades;
        var everyone = role.CanAdjudicate();
        var me = current.Id;
        // Roles are stored by name, so "may grade" is decided here rather than by comparing them in SQL.
        var members = (await db.ProjectMembers.AsNoTracking().Where(m => m.ProjectId == projectId && (everyone || m.UserId == me))
                .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m.UserId, u.DisplayName, m.Role }).ToListAsync(ct))
            .Where(m => m.Role.CanGrade()).ToList();
        // Waiting for more grades: not adjudicated and short of the required number; gold solutions wait for everyone.
        var open = data!.Solutions.Where(s => !data.Adjudicated.Contains(s.Id) && data.HumansOf(s.Id).Count < required).Select(s => s.Id).ToHashSet();
        var rows = members.Select(m =>
        {
            var graded = data.Solutions.Count(s => data.HumansOf(s.Id).Any(h => h.GraderId == m.UserId));
            var remaining = data.Solutions.Count(s => (open.Contains(s.Id) || data.Gold.Contains(s.Id))
                && !data.HumansOf(s.Id).Any(h => h.GraderId == m.UserId));
            return new GraderProgressDto(m.UserId, m.DisplayName, m.Role.ToWire(), graded, remaining, graded + remaining);
        }).OrderByDescending(r => r.Remaining).ThenBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.GraderId).ToList();
        ReviewTotalsDto? totals = null;
        if (everyone)
        {
            var needed = data.Solutions.Where(s => !data.Adjudicated.Contains(s.Id)).Sum(s => Math.Max(0, required - data.HumansOf(s.Id).Count));
            totals = new ReviewTotalsDto(data.Solutions.Count, data.Solutions.Count - open.Count, needed);
        }
        return TypedResults.Ok(new ReviewProgressResponse(required, totals, rows));
    }
}

/// <summary>
/// What the review queue and its progress are computed from, read set-based: problems, solutions, people's grades,
/// adjudications, gold items and (for the queue) every model grade with the few provenance figures the checks use.
/// </summary>
internal sealed class ReviewData
{
    public sealed record ProblemRow(Guid Id, string Title, int MaxPoints, int Order);
    public sealed record SolutionRow(Guid Id, Guid ProblemId);
    public sealed record HumanRow(Guid SolutionId, Guid GraderId, decimal Points);

    private sealed record ModelRow(Guid Id, Guid SolutionId, string Status, decimal? Points, decimal? Spread, int? CommonPrefix);

    public required Dictionary<Guid, ProblemRow> Problems { get; init; }
    public required List<SolutionRow> Solutions { get; init; }
    public required HashSet<Guid> Adjudicated { get; init; }
    public required HashSet<Guid> Gold { get; init; }
    private Dictionary<Guid, List<HumanRow>> Humans { get; init; } = [];
    private Dictionary<Guid, List<ModelSignal>> Models { get; init; } = [];

    public IReadOnlyList<HumanRow> HumansOf(Guid solutionId) => Humans.TryGetValue(solutionId, out var rows) ? rows : [];

    public IReadOnlyList<ModelSignal> ModelsOf(Guid solutionId) => Models.TryGetValue(solutionId, out var rows) ? rows : [];

    public List<Guid> UnknownProblems(IReadOnlyList<Guid>? problemIds) => [.. (problemIds ?? []).Where(id => !Problems.ContainsKey(id))];

    public static async Task<ReviewData> LoadAsync(GradingDbContext db, Guid projectId, IReadOnlyList<Guid>? problemFilter, bool withModels,
        CancellationToken ct)
    {
        var problems = (await db.Problems.AsNoTracking().Where(p => p.ProjectId == projectId && p.DeletedAt == null)
                .OrderBy(p => p.CreatedAt).ThenBy(p => p.Id).Select(p => new { p.Id, p.Title, p.MaxPoints }).ToListAsync(ct))
            .Select((p, i) => new ProblemRow(p.Id, p.Title, p.MaxPoints, i)).ToDictionary(p => p.Id);
        var inScope = problems.Keys.Where(id => problemFilter is null || problemFilter.Contains(id)).ToList();
        var solutions = await db.Solutions.AsNoTracking().Where(s => s.ProjectId == projectId && inScope.Contains(s.ProblemId))
            .OrderBy(s => s.Id).Select(s => new SolutionRow(s.Id, s.ProblemId)).ToListAsync(ct);
        var ids = solutions.Select(s => s.Id).ToHashSet();
        var humans = (await db.HumanGrades.AsNoTracking().Where(h => h.ProjectId == projectId)
                .Select(h => new HumanRow(h.SolutionId, h.GraderId, h.Points)).ToListAsync(ct))
            .Where(h => ids.Contains(h.SolutionId)).GroupBy(h => h.SolutionId).ToDictionary(g => g.Key, g => g.ToList());
        var adjudicated = (await db.Adjudications.AsNoTracking().Where(a => a.ProjectId == projectId).Select(a => a.SolutionId).ToListAsync(ct))
            .Where(ids.Contains).ToHashSet();
        var gold = (await db.GoldItems.AsNoTracking().Where(g => g.ProjectId == projectId && g.Active).Select(g => g.SolutionId).ToListAsync(ct))
            .Where(ids.Contains).ToHashSet();
        var models = new Dictionary<Guid, List<ModelSignal>>();
        if (withModels)
        {
            // The spread and the approach match live in the provenance a grading run writes; imported grades have neither,
            // and a value of the wrong JSON type is ignored rather than trusted.
            var rows = await db.Database.SqlQuery<ModelRow>($"""
                SELECT g.id AS "Id", g.solution_id AS "SolutionId", g.status AS "Status", g.points AS "Points",
                       CASE WHEN g.run_id IS NOT NULL AND jsonb_typeof(g.provenance->'spread') = 'number'
                            THEN (g.provenance->>'spread')::numeric END AS "Spread",
                       CASE WHEN g.run_id IS NOT NULL AND g.provenance->'matching'->>'method' = 'steps'
                                 AND jsonb_typeof(g.provenance->'matching'->'commonPrefix') = 'number'
                            THEN floor((g.provenance->'matching'->>'commonPrefix')::numeric)::int END AS "CommonPrefix"
                FROM model_grades g
                WHERE g.project_id = {projectId}
                """).ToListAsync(ct);
            var critical = (await db.ModelFindings.AsNoTracking()
                    .Where(f => f.ProjectId == projectId && f.Severity == Severity.Critical && f.Review != AnnotationReview.Rejected)
                    .Select(f => f.ModelGradeId).Distinct().ToListAsync(ct)).ToHashSet();
            foreach (var row in rows.Where(r => ids.Contains(r.SolutionId)))
            {
                var status = Enum.TryParse<ModelGradeStatus>(row.Status, out var parsed) ? parsed : ModelGradeStatus.Unscored;
                (models.TryGetValue(row.SolutionId, out var list) ? list : models[row.SolutionId] = [])
                    .Add(new ModelSignal(status, row.Points, row.Spread, row.CommonPrefix, critical.Contains(row.Id)));
            }
        }
        return new ReviewData
        {
            Problems = problems,
            Solutions = solutions,
            Adjudicated = adjudicated,
            Gold = gold,
            Humans = humans,
            Models = models,
        };
    }
}
