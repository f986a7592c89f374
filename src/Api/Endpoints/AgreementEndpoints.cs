using System.Globalization;
using System.Text;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>
/// How far each model grader (a grading run, or a source of imported model grades) is from people, with bootstrap
/// intervals (docs/evaluation-metrics.md). Who may read: Adjudicators and Admins always; Graders and Viewers only in
/// projects that are not blind, since the figures are computed from grades blind mode hides from them (403 there).
/// Results are cached until a grade of the project changes (<see cref="AgreementCache"/>).
/// </summary>
internal static class AgreementEndpoints
{
    public const string CsvContentType = "text/csv";

    public static IEndpointRouteBuilder MapAgreementEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}").WithTags("Agreement").RequireAuthorization();
        group.MapGet("/agreement", Overall).WithName("GetAgreement")
            .WithSummary("Agreement of every grader with the human reference: metrics with 95% intervals, cost, calibration, confusion, and the human ceiling.")
            .Problems(400, 403, 404);
        group.MapGet("/agreement/problems", PerProblem).WithName("GetAgreementByProblem")
            .WithSummary("The same agreement figures per problem.")
            .Problems(400, 403, 404);
        group.MapGet("/agreement/rubric-items", RubricItems).WithName("GetAgreementByRubricItem")
            .WithSummary("Per grader and rubric item: mean model and human award (where both awarded it) and the count.")
            .Problems(400, 403, 404);
        group.MapGet("/agreement/pairs", Pairs).WithName("GetAgreementPairs")
            .WithSummary("The solutions behind a grader's figures (or the human ceiling's): human reference and model score per solution, largest disagreement first, filtered to one calibration row or confusion cell if asked.")
            .Problems(400, 403, 404);
        group.MapGet("/agreement.csv", Csv).WithName("GetAgreementCsv")
            .WithSummary("The agreement figures as CSV: one row per grader and metric (grader id, kind, label, metric, value, low, high, n).")
            .Produces<string>(StatusCodes.Status200OK, CsvContentType)
            .Problems(400, 403, 404);
        return app;
    }

    /// <summary>Agreement of every grader with the human reference, with intervals, cost, calibration, confusion and the human ceiling.</summary>
    internal static async Task<Results<Ok<AgreementResponse>, ValidationProblem, ProblemHttpResult>> Overall(Guid projectId,
        [AsParameters] AgreementQuery query, GradingDbContext db, ProjectAccess access, AgreementCache cache, CancellationToken ct)
    {
        var (request, refused, invalid) = await AuthorizeAsync(projectId, query, db, access, ct);
        if (request is null)
        {
            return refused is not null ? refused : invalid!;
        }
        return TypedResults.Ok(await OverallAsync(projectId, request, db, cache, ct));
    }

    /// <summary>The agreement figures per problem (cost is null: a run's cost is not recorded per problem).</summary>
    internal static async Task<Results<Ok<ProblemAgreementResponse>, ValidationProblem, ProblemHttpResult>> PerProblem(Guid projectId,
        [AsParameters] AgreementQuery query, GradingDbContext db, ProjectAccess access, AgreementCache cache, CancellationToken ct)
    {
        var (request, refused, invalid) = await AuthorizeAsync(projectId, query, db, access, ct);
        if (request is null)
        {
            return refused is not null ? refused : invalid!;
        }
        var version = await AgreementCache.VersionAsync(db, projectId, ct);
        // Cost stays null here: a run's recorded cost is not split by problem.
        return TypedResults.Ok(await cache.GetOrComputeAsync("problems", projectId, request, version, async () =>
            AgreementCalculator.PerProblem(await AgreementData.LoadAsync(db, projectId, request, withItems: false, ct), request)));
    }

    /// <summary>Per grader and rubric item: mean model and human award over the solutions where both awarded it.</summary>
    internal static async Task<Results<Ok<RubricItemAgreementResponse>, ValidationProblem, ProblemHttpResult>> RubricItems(Guid projectId,
        [AsParameters] AgreementQuery query, GradingDbContext db, ProjectAccess access, AgreementCache cache, CancellationToken ct)
    {
        var (request, refused, invalid) = await AuthorizeAsync(projectId, query, db, access, ct);
        if (request is null)
        {
            return refused is not null ? refused : invalid!;
        }
        var version = await AgreementCache.VersionAsync(db, projectId, ct);
        return TypedResults.Ok(await cache.GetOrComputeAsync("rubric-items", projectId, request, version, async () =>
            AgreementCalculator.RubricItems(await AgreementData.LoadAsync(db, projectId, request, withItems: true, ct), request)));
    }

    /// <summary>A page of the solutions behind a grader's (or the human ceiling's) figures, largest disagreement first.</summary>
    internal static async Task<Results<Ok<AgreementPairsResponse>, ValidationProblem, ProblemHttpResult>> Pairs(Guid projectId,
        [AsParameters] AgreementPairsQuery query, GradingDbContext db, ProjectAccess access, AgreementCache cache, CancellationToken ct)
    {
        var (request, refused, invalid) = await AuthorizeAsync(projectId,
            new AgreementQuery { HumanSource = query.HumanSource, ProblemIds = query.ProblemIds }, db, access, ct);
        if (request is null)
        {
            return refused is not null ? refused : invalid!;
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var filter = query.ParseFilter(errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");
        }
        if (await AgreementPairs.LoadAsync(projectId, request, filter, db, cache, ct) is not { } pairs)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["graderId"] = ["Not a grader of this project (a grading run's id, or the grader.id of imported grades)."] },
                title: "One or more fields are invalid.");
        }
        var role = await access.RoleAsync(projectId, ct) ?? throw new InvalidOperationException("The caller's role was checked above.");
        return TypedResults.Ok(await AgreementPairs.PageAsync(projectId, role, pairs, request, filter, db, ct));
    }

    /// <summary>The agreement figures as CSV, one row per grader and metric.</summary>
    internal static async Task<Results<ContentHttpResult, ValidationProblem, ProblemHttpResult>> Csv(Guid projectId,
        [AsParameters] AgreementQuery query, GradingDbContext db, ProjectAccess access, AgreementCache cache, CancellationToken ct)
    {
        var (request, refused, invalid) = await AuthorizeAsync(projectId, query, db, access, ct);
        if (request is null)
        {
            return refused is not null ? refused : invalid!;
        }
        var response = await OverallAsync(projectId, request, db, cache, ct);
        var csv = new StringBuilder("graderId,kind,label,metric,value,low,high,n\r\n");
        foreach (var grader in response.Graders)
        {
            foreach (var (metric, m) in grader.Metrics)
            {
                csv.Append(grader.Grader.Id).Append(',').Append(Cell(grader.Grader.Kind)).Append(',').Append(Cell(grader.Grader.Label)).Append(',')
                    .Append(metric).Append(',').Append(Number(m.Value)).Append(',').Append(Number(m.Low)).Append(',').Append(Number(m.High)).Append(',')
                    .Append(m.N.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            }
        }
        return TypedResults.Text(csv.ToString(), $"{CsvContentType}; charset=utf-8; header=present");
    }

    private static async Task<AgreementResponse> OverallAsync(Guid projectId, AgreementRequest request, GradingDbContext db, AgreementCache cache,
        CancellationToken ct)
    {
        var version = await AgreementCache.VersionAsync(db, projectId, ct);
        var response = await cache.GetOrComputeAsync("overall", projectId, request, version, async () =>
            AgreementCalculator.Overall(await AgreementData.LoadAsync(db, projectId, request, withItems: false, ct), request));
        // Cost is read fresh: stage calls are not audited, and a run's cost grows while it runs.
        var costs = await CostsAsync(db, response.Graders, ct);
        return response with { Graders = WithCosts(response.Graders, costs) };
    }

    /// <summary>Membership (404 otherwise), the blind rule, then the query; returns the request or the refusal.</summary>
    private static async Task<(AgreementRequest? Request, ProblemHttpResult? Refused, ValidationProblem? Invalid)> AuthorizeAsync(Guid projectId, AgreementQuery query, GradingDbContext db,
        ProjectAccess access, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => new { p.BlindGrading, p.MaxPoints })
            .FirstOrDefaultAsync(ct);
        if (project is null || await access.RoleAsync(projectId, ct) is not { } role)
        {
            return (null, ApiProblems.NotFound("The project"), null);
        }
        // The figures are computed from everyone's grades, so they are for those who may see others' grades without grading first.
        if (!BlindPolicy.MaySeeOthersGrades(project.BlindGrading, role, hasOwnGrade: false))
        {
            return (null, ApiProblems.Forbidden("see agreement figures in a blind project (Adjudicators and Admins may)"), null);
        }
        var (request, errors) = query.Parse();
        if (request is not null)
        {
            var problems = await db.Problems.AsNoTracking().Where(p => p.ProjectId == projectId && p.DeletedAt == null)
                .Select(p => new { p.Id, p.MaxPoints }).ToListAsync(ct);
            var largest = problems.Count == 0 ? project.MaxPoints : Math.Max(project.MaxPoints, problems.Max(p => p.MaxPoints));
            if (request.Threshold > largest)
            {
                errors["threshold"] = [$"threshold is between 0 and {largest} (the largest maximum of the project's problems)."];
            }
            if (request.ProblemIds?.Except(problems.Select(p => p.Id)).ToList() is { Count: > 0 } unknown)
            {
                errors["problemIds"] = [$"Not problems of this project: {string.Join(", ", unknown.Take(5))}."];
            }
        }
        if (errors.Count > 0)
        {
            return (null, null, TypedResults.ValidationProblem(errors, title: "One or more fields are invalid."));
        }
        return (request, null, null);
    }

    /// <summary>Each run's recorded model cost (stage calls) and how many solutions it scored; one grouped query per table.</summary>
    private static async Task<Dictionary<Guid, (decimal Total, int Scored)>> CostsAsync(GradingDbContext db, IReadOnlyList<AgreementGraderResult> graders,
        CancellationToken ct)
    {
        var runIds = graders.Where(g => g.Grader.Kind == "run").Select(g => g.Grader.Id).Distinct().ToList();
        if (runIds.Count == 0)
        {
            return [];
        }
        var totals = await db.StageCalls.AsNoTracking().Where(c => c.RunId != null && runIds.Contains(c.RunId.Value)).GroupBy(c => c.RunId!.Value)
            .Select(g => new { RunId = g.Key, Cost = g.Sum(c => c.Cost) }).ToDictionaryAsync(g => g.RunId, g => g.Cost, ct);
        var scored = await db.ModelGrades.AsNoTracking()
            .Where(g => g.RunId != null && runIds.Contains(g.RunId.Value) && g.Status == ModelGradeStatus.Valid && g.Points != null)
            .GroupBy(g => g.RunId!.Value).Select(g => new { RunId = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.RunId, g => g.Count, ct);
        return runIds.ToDictionary(id => id, id => (totals.GetValueOrDefault(id), scored.GetValueOrDefault(id)));
    }

    private static List<AgreementGraderResult> WithCosts(IReadOnlyList<AgreementGraderResult> graders, Dictionary<Guid, (decimal Total, int Scored)> costs) =>
        [.. graders.Select(g => g.Grader.Kind == "run" && costs.TryGetValue(g.Grader.Id, out var c)
            ? g with { Cost = new AgreementCostDto(c.Total, c.Scored == 0 ? null : Math.Round(c.Total / c.Scored, 6, MidpointRounding.AwayFromZero)) }
            : g)];

    private static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    /// <summary>
    /// Free text (labels come from workflow, model and import source names): a leading apostrophe where a spreadsheet would
    /// run it as a formula, as the project export does, then RFC 4180 quoting.
    /// </summary>
    private static string Cell(string value)
    {
        var text = Export.CsvExportWriter.StartsLikeFormula(value) ? "'" + value : value;
        return text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
    }
}
