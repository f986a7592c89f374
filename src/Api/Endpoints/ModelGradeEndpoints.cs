using System.Text.Json;
using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>
/// Model grades of a solution, each with its items, findings (placed on the text), provenance and the stage calls behind
/// it. Blind projects: a Grader or Viewer sees model grades only after submitting their own grade, like people's grades
/// (<see cref="BlindPolicy"/>); until then the list is empty and a single grade answers 404.
/// </summary>
internal static class ModelGradeEndpoints
{
    public static IEndpointRouteBuilder MapModelGradeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/solutions/{solutionId:guid}/model-grades", List).WithName("ListModelGrades").WithTags("Model grades").RequireAuthorization()
            .WithSummary("Model grades of a solution with items and findings (blind projects: after your own grade).").Problems(404);
        app.MapGet("/api/model-grades/{id:guid}", Get).WithName("GetModelGrade").WithTags("Model grades").RequireAuthorization()
            .WithSummary("One model grade with its raw output and every stage call behind it (prompt, tokens, latency, cost, messages, response).")
            .Problems(404);
        app.MapPost("/api/model-findings/{id:guid}/review", Review).WithName("ReviewModelFinding").WithTags("Model grades").RequireAuthorization()
            .WithSummary("Accept or reject a model's finding (Graders who may see it).").Problems(400, 403, 404);
        return app;
    }

    internal static async Task<Results<Ok<List<ModelGradeResponse>>, ProblemHttpResult>> List(Guid solutionId, GradingDbContext db,
        ProjectAccess access, CurrentUser current, CancellationToken ct)
    {
        if (await AccessAsync(db, access, current, solutionId, ct) is not { } caller)
        {
            return ApiProblems.NotFound("The solution");
        }
        if (!caller.SeesModelGrades)
        {
            return TypedResults.Ok(new List<ModelGradeResponse>());
        }
        var grades = await db.ModelGrades.AsNoTracking().AsSplitQuery().Include(g => g.Items).Include(g => g.Findings)
            .Where(g => g.SolutionId == solutionId).OrderBy(g => g.CreatedAt).ThenBy(g => g.Id).ToListAsync(ct);
        return TypedResults.Ok(grades.Select(g => ToResponse(g, withRaw: false, null, caller.Role)).ToList());
    }

    internal static async Task<Results<Ok<ModelGradeResponse>, ProblemHttpResult>> Get(Guid id, GradingDbContext db, ProjectAccess access,
        CurrentUser current, CancellationToken ct)
    {
        var grade = await db.ModelGrades.AsNoTracking().AsSplitQuery().Include(g => g.Items).Include(g => g.Findings)
            .FirstOrDefaultAsync(g => g.Id == id, ct);
        if (grade is null || await AccessAsync(db, access, current, grade.SolutionId, ct) is not { SeesModelGrades: true } caller)
        {
            return ApiProblems.NotFound("The model grade");
        }
        var calls = await StageCallsOfAsync(db, grade, ct);
        return TypedResults.Ok(ToResponse(grade, withRaw: true, calls.Select(ToResponse).ToList(), caller.Role));
    }

    internal static async Task<Results<Ok<ModelFindingResponse>, ProblemHttpResult>> Review(Guid id, ReviewFindingRequest request,
        GradingDbContext db, ProjectAccess access, CurrentUser current, TimeProvider clock, CancellationToken ct)
    {
        var finding = await db.ModelFindings.FirstOrDefaultAsync(f => f.Id == id, ct);
        if (finding is null || await AccessAsync(db, access, current, finding.SolutionId, ct) is not { SeesModelGrades: true } caller)
        {
            return ApiProblems.NotFound("The finding");
        }
        if (!caller.Role.CanGrade())
        {
            return ApiProblems.Forbidden("review model findings");
        }
        finding.ReviewBy(current.Id, request.Accept, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ToResponse(finding));
    }

    private sealed record Caller(ProjectRole Role, bool SeesModelGrades);

    private static async Task<Caller?> AccessAsync(GradingDbContext db, ProjectAccess access, CurrentUser current, Guid solutionId,
        CancellationToken ct)
    {
        if (await SolutionView.ProjectOfAsync(db, solutionId, ct) is not { } projectId || await access.RoleAsync(projectId, ct) is not { } role)
        {
            return null;
        }
        var blind = await db.Projects.Where(p => p.Id == projectId).Select(p => p.BlindGrading).FirstAsync(ct);
        var userId = current.Id;
        var hasOwnGrade = blind && role < ProjectRole.Adjudicator
            && await db.HumanGrades.AnyAsync(g => g.SolutionId == solutionId && g.GraderId == userId, ct);
        return new Caller(role, BlindPolicy.MaySeeOthersGrades(blind, role, hasOwnGrade));
    }

    /// <summary>
    /// The calls behind a grade: its grading call(s), the calls of its run item (e.g. extracting the solution's steps),
    /// and the preparation calls its run made for the problem and the matched cluster. Preparation reused from an earlier
    /// run is not repeated here; the grade's provenance names it.
    /// </summary>
    private static async Task<List<StageCall>> StageCallsOfAsync(GradingDbContext db, ModelGrade grade, CancellationToken ct)
    {
        var item = grade.RunId is null ? null
            : await db.GradingRunItems.AsNoTracking().FirstOrDefaultAsync(i => i.RunId == grade.RunId && i.SolutionId == grade.SolutionId, ct);
        var itemId = item?.Id;
        var runId = grade.RunId;
        var problemId = item?.ProblemId;
        var cluster = item?.ClusterIndex;
        return await db.StageCalls.AsNoTracking()
            .Where(c => c.ModelGradeId == grade.Id
                || (itemId != null && c.RunItemId == itemId)
                || (runId != null && c.RunId == runId && c.RunItemId == null && c.ProblemId == problemId && c.ArtifactId != null
                    && db.GradingArtifacts.Any(a => a.Id == c.ArtifactId && (a.ClusterIndex == null || a.ClusterIndex == cluster))))
            .OrderBy(c => c.StartedAt).ThenBy(c => c.Attempt)
            .ToListAsync(ct);
    }

    public static ModelGradeResponse ToResponse(ModelGrade g, bool withRaw, IReadOnlyList<StageCallResponse>? calls, ProjectRole role) => new(
        g.Id, g.SolutionId, g.RunId, g.Source, g.Model, g.RubricId, g.Points, g.MaxPoints, Wire(g.Status), g.StatusReason, g.Summary, g.Rationale,
        role.SeesModelProfileDetails() ? ParseOr(g.Provenance, "{}") : WithoutProfileDetails(ParseOr(g.Provenance, "{}")), g.CreatedAt,
        g.Items.OrderBy(i => i.Id).Select(i => new ModelGradeItemResponse(i.RubricItemId, i.Title, i.Points, i.MaxPoints, i.Reason)).ToList(),
        g.Findings.OrderBy(f => f.Start ?? int.MaxValue).ThenBy(f => f.Id).Select(ToResponse).ToList(),
        withRaw ? g.RawOutput : null, calls);

    public static ModelFindingResponse ToResponse(ModelFinding f) => new(
        f.Id, f.ErrorType, f.Category, Wire(f.Severity), f.Quote, f.Location, f.Explanation, f.Start, f.End, Wire(f.SpanMatch), f.SpanConfidence,
        Wire(f.Review), f.ReviewedById, f.ReviewedAt);

    private static StageCallResponse ToResponse(StageCall c) => new(
        c.Id, c.Stage, c.Sample, c.Attempt, c.PromptName, c.PromptSha256, Wire(c.Status), c.Error, c.FinishReason,
        new TokenCounts(c.InputTokens, c.CachedInputTokens, c.OutputTokens, c.ReasoningTokens), c.LatencyMs, c.Cost, c.StartedAt, c.FinishedAt,
        ParseOr(c.RequestMessages, "[]"), c.RawResponse, c.Parsed is null ? null : ParseOr(c.Parsed, "null"));

    /// <summary>The profile fields of a provenance that a Viewer or Grader may see: what it was, not where it lives or what it costs.</summary>
    private static readonly HashSet<string> s_publicProfileFields =
        new(["id", "name", "model", "temperature", "reasoningEffort", "maxOutputTokens", "structuredOutput"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The provenance with its <c>profile</c> snapshot cut down to <see cref="s_publicProfileFields"/>: the snapshot carries the
    /// endpoint's URL, limits and prices, which are for those who spend on the profile.
    /// </summary>
    private static JsonElement WithoutProfileDetails(JsonElement provenance)
    {
        if (provenance.ValueKind != JsonValueKind.Object
            || System.Text.Json.Nodes.JsonNode.Parse(provenance.GetRawText()) is not System.Text.Json.Nodes.JsonObject node)
        {
            return provenance;
        }
        foreach (var property in node.Where(p => p.Key.Equals("profile", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            if (property.Value is System.Text.Json.Nodes.JsonObject profile)
            {
                foreach (var hidden in profile.Select(p => p.Key).Where(k => !s_publicProfileFields.Contains(k)).ToList())
                {
                    profile.Remove(hidden);
                }
            }
            else if (property.Value is not null)
            {
                node[property.Key] = null;
            }
        }
        return JsonSerializer.SerializeToElement(node);
    }

    private static string Wire<T>(T value) where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    private static JsonElement ParseOr(string json, string fallback)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            using var document = JsonDocument.Parse(fallback);
            return document.RootElement.Clone();
        }
    }
}
