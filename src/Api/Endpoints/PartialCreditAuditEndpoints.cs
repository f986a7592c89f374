using System.ComponentModel;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>The query string of the partial-credit audit.</summary>
internal readonly record struct PartialCreditQuery
{
    [Description("Whose award is the reference: `adjudicated` (default) and `mean` take the mean of people's item awards (an adjudication decides a total, not items), `first` the earliest person's.")]
    [FromQuery(Name = "humanSource")]
    public string? HumanSource { get; init; }

    [Description("Only these problems. Comma-separated ids, or the parameter repeated.")]
    [FromQuery(Name = "problemIds")]
    public string[]? ProblemIds { get; init; }

    [Description("Only these graders (a grading run's id, or the `grader.id` of an imported source). Comma-separated ids, or the parameter repeated.")]
    [FromQuery(Name = "graderIds")]
    public string[]? GraderIds { get; init; }

    [Description("Only these rubric items. Comma-separated ids, or the parameter repeated.")]
    [FromQuery(Name = "rubricItemIds")]
    public string[]? RubricItemIds { get; init; }

    [Description(Paging.PageDescription)]
    [FromQuery(Name = "page")]
    public string? Page { get; init; }

    [Description(Paging.PageSizeDescription)]
    [FromQuery(Name = "pageSize")]
    public string? PageSize { get; init; }
}

/// <summary>
/// Where model graders' partial credit goes wrong: per solution and rubric item, each model grader's award and reason
/// beside every person's award and comment, largest disagreement first. The same people may read it as may read the
/// agreement figures (Adjudicators and Admins; Graders and Viewers only in projects that are not blind), since it shows
/// everyone's grades.
/// </summary>
internal static class PartialCreditAuditEndpoints
{
    public static IEndpointRouteBuilder MapPartialCreditAuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/projects/{projectId:guid}/audit").WithTags("Agreement").RequireAuthorization()
            .MapGet("/partial-credit", Audit).WithName("GetPartialCreditAudit")
            .WithSummary("Per solution and rubric item: each model grader's award and reason beside people's awards and comments, largest disagreement first.")
            .Problems(400, 403, 404);
        return app;
    }

    private sealed record ModelItemRow(Guid GradeId, Guid SolutionId, Guid? RunId, string Source, string Model, Guid RubricItemId, decimal Points,
        string Reason);

    private sealed record HumanItemRow(Guid GradeId, Guid SolutionId, Guid GraderId, string Name, DateTimeOffset CreatedAt, Guid RubricItemId,
        decimal Points, string Comment);

    /// <summary>A page of the audit: model item awards beside people's, sorted by |model − reference| descending.</summary>
    internal static async Task<Results<Ok<PartialCreditAuditResponse>, ValidationProblem, ProblemHttpResult>> Audit(Guid projectId,
        [AsParameters] PartialCreditQuery query, GradingDbContext db, ProjectAccess access, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => new { p.BlindGrading }).FirstOrDefaultAsync(ct);
        if (project is null || await access.RoleAsync(projectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The project");
        }
        if (!BlindPolicy.MaySeeOthersGrades(project.BlindGrading, role, hasOwnGrade: false))
        {
            return ApiProblems.Forbidden("audit partial credit in a blind project (Adjudicators and Admins may)");
        }
        var (request, errors) = new AgreementQuery { HumanSource = query.HumanSource, ProblemIds = query.ProblemIds, GraderIds = query.GraderIds }.Parse();
        var rubricItemFilter = AgreementQuery.Ids(errors, "rubricItemIds", query.RubricItemIds);
        var (page, pageSize) = Paging.Parse(query.Page, query.PageSize, errors);
        var problems = (await db.Problems.AsNoTracking().Where(p => p.ProjectId == projectId && p.DeletedAt == null)
                .OrderBy(p => p.CreatedAt).ThenBy(p => p.Id).Select(p => new { p.Id, p.Title }).ToListAsync(ct))
            .Select((p, i) => (p.Id, p.Title, Order: i)).ToDictionary(p => p.Id);
        if (request?.ProblemIds?.Where(id => !problems.ContainsKey(id)).ToList() is { Count: > 0 } unknown)
        {
            errors["problemIds"] = [$"Not problems of this project: {string.Join(", ", unknown.Take(5))}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");
        }
        var problemIds = (request!.ProblemIds ?? [.. problems.Keys]).ToList();

        var rubricItems = await db.RubricItems.AsNoTracking()
            .Join(db.Rubrics.Where(r => r.ProjectId == projectId && problemIds.Contains(r.ProblemId)), i => i.RubricId, r => r.Id,
                (i, r) => new { i.Id, i.Title, i.Points, i.Ordinal, r.ProblemId })
            .Where(i => rubricItemFilter == null || rubricItemFilter.Contains(i.Id))
            .ToDictionaryAsync(i => i.Id, ct);
        var solutions = await db.Solutions.AsNoTracking().Where(s => s.ProjectId == projectId && problemIds.Contains(s.ProblemId))
            .ToDictionaryAsync(s => s.Id, s => s.ProblemId, ct);

        var modelRows = await db.ModelGradeItems.AsNoTracking().Where(i => i.RubricItemId != null)
            .Join(db.ModelGrades.Where(g => g.ProjectId == projectId && g.Status == ModelGradeStatus.Valid), i => i.ModelGradeId, g => g.Id,
                (i, g) => new ModelItemRow(g.Id, g.SolutionId, g.RunId, g.Source, g.Model, i.RubricItemId!.Value, i.Points, i.Reason))
            .ToListAsync(ct);
        var humanRows = await db.HumanGradeItems.AsNoTracking()
            .Join(db.HumanGrades.Where(h => h.ProjectId == projectId), i => i.HumanGradeId, h => h.Id, (i, h) => new { i, h })
            .Join(db.Users, x => x.h.GraderId, u => u.Id, (x, u) => new HumanItemRow(x.h.Id, x.h.SolutionId, x.h.GraderId, u.DisplayName,
                x.h.CreatedAt, x.i.RubricItemId, x.i.Points, x.i.Comment))
            .ToListAsync(ct);
        // People's grades of each solution, earliest first: the order "first" reads them in, as the agreement figures do.
        var peopleBySolution = humanRows.Where(h => solutions.ContainsKey(h.SolutionId)).GroupBy(h => h.SolutionId)
            .ToDictionary(g => g.Key, g => g.GroupBy(h => h.GradeId).OrderBy(x => x.First().CreatedAt).ThenBy(x => x.Key).ToList());
        var references = peopleBySolution.ToDictionary(kv => kv.Key, kv => AgreementData.ReferenceItemsOf(
            [.. kv.Value.Select(grade => grade.ToDictionary(h => h.RubricItemId, h => h.Points))], request.HumanSource));

        var runs = await db.GradingRuns.AsNoTracking().Where(r => r.ProjectId == projectId)
            .Select(r => new { r.Id, r.Workflow, r.RubricDesign, r.Samples, r.Aggregation, r.ProfileSnapshot }).ToDictionaryAsync(r => r.Id, ct);
        var graders = new Dictionary<(Guid? Run, string Source, string Model), AgreementGraderDto>();
        AgreementGraderDto GraderOf(ModelItemRow row)
        {
            var key = row.RunId is { } runId && runs.ContainsKey(runId) ? (row.RunId, "", "") : ((Guid?)null, row.Source, row.Model);
            if (!graders.TryGetValue(key, out var grader))
            {
                grader = graders[key] = key.Item1 is { } id
                    ? AgreementData.RunGrader(id, runs[id].Workflow, runs[id].RubricDesign, runs[id].Samples, runs[id].Aggregation, runs[id].ProfileSnapshot, row.Model)
                    : AgreementData.ImportedGrader(row.Source, row.Model);
            }
            return grader;
        }

        var rows = new List<(PartialCreditRowDto Row, int ProblemOrder, int ItemOrder)>();
        foreach (var model in modelRows)
        {
            if (!solutions.TryGetValue(model.SolutionId, out var problemId) || !rubricItems.TryGetValue(model.RubricItemId, out var item)
                || references.GetValueOrDefault(model.SolutionId) is not { } reference || !reference.TryGetValue(model.RubricItemId, out var referencePoints))
            {
                continue;
            }
            var grader = GraderOf(model);
            if (request.GraderIds is { } wanted && !wanted.Contains(grader.Id))
            {
                continue;
            }
            var people = peopleBySolution[model.SolutionId].SelectMany(g => g).Where(h => h.RubricItemId == model.RubricItemId)
                .Select(h => new PersonAwardDto(h.GraderId, h.Name, h.Points, h.Comment)).ToList();
            var problem = problems[problemId];
            rows.Add((new PartialCreditRowDto(model.SolutionId, problemId, problem.Title, new AuditRubricItemDto(item.Id, item.Title, item.Points), grader,
                model.GradeId, model.Points, model.Reason, people, Math.Round(referencePoints, 4, MidpointRounding.AwayFromZero),
                Math.Round(Math.Abs(model.Points - referencePoints), 4, MidpointRounding.AwayFromZero), null, null), problem.Order, item.Ordinal));
        }
        var ordered = rows.OrderByDescending(r => r.Row.Disagreement).ThenBy(r => r.ProblemOrder).ThenBy(r => r.Row.SolutionId).ThenBy(r => r.ItemOrder)
            .ThenBy(r => r.Row.Grader.Label, StringComparer.Ordinal).ThenBy(r => r.Row.ModelGradeId).Select(r => r.Row).ToList();
        var shown = ordered.Skip((page - 1) * pageSize).Take(pageSize).ToList();
        var names = await SolutionNames.LoadAsync(db, projectId, role, shown.Select(r => r.SolutionId), ct);
        return TypedResults.Ok(new PartialCreditAuditResponse(request.HumanSourceName, page, pageSize, ordered.Count,
            [.. shown.Select(r => names.GetValueOrDefault(r.SolutionId) is var name ? r with { Author = name.Author, ExternalId = name.ExternalId } : r)]));
    }
}
