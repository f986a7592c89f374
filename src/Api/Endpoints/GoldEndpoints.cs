using System.ComponentModel;
using System.Text.Json;
using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Evaluation;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>
/// Gold solutions: adjudicated solutions whose final grade serves as a known answer. Adjudicators mark and unmark them
/// (each switch is audited); they enter graders' review queues unannounced; project Admins follow each grader's
/// agreement with them over time. Nothing here is open to Graders or Viewers: gold must not announce itself.
/// </summary>
internal static class GoldEndpoints
{
    public static IEndpointRouteBuilder MapGoldEndpoints(this IEndpointRouteBuilder app)
    {
        var solutions = app.MapGroup("/api/solutions/{solutionId:guid}/gold").WithTags("Gold").RequireAuthorization();
        solutions.MapPut("/", Mark).WithName("MarkGold")
            .WithSummary("Mark an adjudicated solution as gold (Adjudicators); marking it again replaces the note.")
            .Problems(400, 403, 404, 409);
        solutions.MapDelete("/", Unmark).WithName("UnmarkGold")
            .WithSummary("Take a solution out of the gold set (Adjudicators); its history stays.")
            .Problems(403, 404);
        var projects = app.MapGroup("/api/projects/{projectId:guid}/gold").WithTags("Gold").RequireAuthorization();
        projects.MapGet("/", List).WithName("ListGoldItems")
            .WithSummary("The project's gold items, current and former, with who marked and unmarked them when (Adjudicators).")
            .Problems(403, 404);
        projects.MapGet("/agreement", Agreement).WithName("GetGoldAgreement")
            .WithSummary("Each grader's agreement with gold solutions' adjudicated points, overall and per day, week or month (project Admins).")
            .Problems(400, 403, 404);
        return app;
    }

    /// <summary>Marks an adjudicated solution as gold; 409 when it has no adjudication yet.</summary>
    internal static async Task<Results<Ok<GoldItemResponse>, ProblemHttpResult>> Mark(Guid solutionId, MarkGoldRequest? request,
        GradingDbContext db, ProjectAccess access, CurrentUser current, TimeProvider clock, CancellationToken ct)
    {
        if (await SolutionView.ProjectOfAsync(db, solutionId, ct) is not { } projectId || await access.RoleAsync(projectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The solution");
        }
        if (!role.CanAdjudicate())
        {
            return ApiProblems.Forbidden("mark gold solutions (Adjudicators may)");
        }
        var adjudicated = await db.Adjudications.AnyAsync(a => a.SolutionId == solutionId, ct);
        var item = await db.GoldItems.FirstOrDefaultAsync(g => g.SolutionId == solutionId, ct);
        var now = clock.GetUtcNow();
        if (item is null)
        {
            db.GoldItems.Add(GoldItem.Mark(projectId, solutionId, adjudicated, request?.Note, current.Id, now));
        }
        else
        {
            item.Remark(adjudicated, request?.Note, current.Id, now);
        }
        await TouchAsync(db, solutionId, now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok((await LoadAsync(db, projectId, solutionId, ct)).Single());
    }

    /// <summary>Unmarks a gold solution; 404 when it is not gold.</summary>
    internal static async Task<Results<Ok<GoldItemResponse>, ProblemHttpResult>> Unmark(Guid solutionId, GradingDbContext db, ProjectAccess access,
        CurrentUser current, TimeProvider clock, CancellationToken ct)
    {
        if (await SolutionView.ProjectOfAsync(db, solutionId, ct) is not { } projectId || await access.RoleAsync(projectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The solution");
        }
        if (!role.CanAdjudicate())
        {
            return ApiProblems.Forbidden("unmark gold solutions (Adjudicators may)");
        }
        var item = await db.GoldItems.FirstOrDefaultAsync(g => g.SolutionId == solutionId && g.Active, ct);
        if (item is null)
        {
            return ApiProblems.NotFound("A gold mark on the solution");
        }
        var now = clock.GetUtcNow();
        item.Unmark(current.Id, now);
        await TouchAsync(db, solutionId, now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok((await LoadAsync(db, projectId, solutionId, ct)).Single());
    }

    /// <summary>The gold flag is part of the solution's export record, so incremental exports must see the record change.</summary>
    private static async Task TouchAsync(GradingDbContext db, Guid solutionId, DateTimeOffset now, CancellationToken ct) =>
        (await db.Solutions.FirstAsync(s => s.Id == solutionId, ct)).Touch(now);

    /// <summary>The project's gold items, current ones first, each with its history.</summary>
    internal static async Task<Results<Ok<List<GoldItemResponse>>, ProblemHttpResult>> List(Guid projectId, GradingDbContext db,
        ProjectAccess access, CancellationToken ct)
    {
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, ct) || await access.RoleAsync(projectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The project");
        }
        if (!role.CanAdjudicate())
        {
            return ApiProblems.Forbidden("see gold solutions (Adjudicators may)");
        }
        return TypedResults.Ok(await LoadAsync(db, projectId, null, ct));
    }

    private static async Task<List<GoldItemResponse>> LoadAsync(GradingDbContext db, Guid projectId, Guid? solutionId, CancellationToken ct)
    {
        var items = await db.GoldItems.AsNoTracking().Where(g => g.ProjectId == projectId && (solutionId == null || g.SolutionId == solutionId))
            .Join(db.Solutions, g => g.SolutionId, s => s.Id, (g, s) => new { Item = g, s.ProblemId })
            .Where(x => db.Problems.Any(p => p.Id == x.ProblemId && p.DeletedAt == null))
            .Select(x => new
            {
                x.Item,
                x.ProblemId,
                Points = db.Adjudications.Where(a => a.SolutionId == x.Item.SolutionId).Select(a => (decimal?)a.Points).FirstOrDefault(),
            })
            .ToListAsync(ct);
        var ids = items.Select(i => i.Item.Id).ToList();
        var events = (await db.AuditEvents.AsNoTracking().Where(e => e.ProjectId == projectId && e.EntityType == "goldItem" && ids.Contains(e.EntityId))
                .OrderBy(e => e.Id).ToListAsync(ct))
            .GroupBy(e => e.EntityId)
            .ToDictionary(g => g.Key, g => g.Select(e => new GoldChangeDto(e.Action, e.ActorId, e.ActorName, e.At,
                e.Data.RootElement.TryGetProperty("note", out var note) && note.ValueKind == JsonValueKind.String ? note.GetString()! : "")).ToList());
        return [.. items.OrderByDescending(i => i.Item.Active).ThenByDescending(i => i.Item.MarkedAt).ThenBy(i => i.Item.SolutionId)
            .Select(i => new GoldItemResponse(i.Item.SolutionId, i.ProblemId, i.Item.Active, i.Points, i.Item.Note, i.Item.MarkedById,
                i.Item.MarkedAt, i.Item.UnmarkedById, i.Item.UnmarkedAt, events.GetValueOrDefault(i.Item.Id) ?? []))];
    }

    /// <summary>
    /// Per grader: their grades of the current gold solutions against the adjudicated points, overall and per period of
    /// when each grade was first given.
    /// </summary>
    internal static async Task<Results<Ok<GoldAgreementResponse>, ValidationProblem, ProblemHttpResult>> Agreement(Guid projectId,
        [FromQuery(Name = "bucket"), Description("`day`, `week` (default; ISO weeks from Monday, UTC) or `month`.")] string? bucket,
        [FromQuery(Name = "problemIds"), Description("Only gold solutions of these problems. Comma-separated ids, or the parameter repeated.")] string[]? problemIds,
        GradingDbContext db, ProjectAccess access, CancellationToken ct)
    {
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, ct) || await access.RoleAsync(projectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The project");
        }
        if (!role.CanManage())
        {
            return ApiProblems.Forbidden("see graders' agreement on gold solutions (project Admins may)");
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        PeriodBucket? period = (bucket ?? "week").Trim().ToLowerInvariant() switch
        {
            "" or "week" => PeriodBucket.Week,
            "day" => PeriodBucket.Day,
            "month" => PeriodBucket.Month,
            _ => null,
        };
        if (period is null)
        {
            errors["bucket"] = ["bucket is day, week or month."];
        }
        var problemFilter = AgreementQuery.Ids(errors, "problemIds", problemIds);
        if (problemFilter is not null)
        {
            var known = await db.Problems.Where(p => p.ProjectId == projectId && p.DeletedAt == null && problemFilter.Contains(p.Id)).Select(p => p.Id)
                .ToListAsync(ct);
            if (problemFilter.Except(known).ToList() is { Count: > 0 } unknown)
            {
                errors["problemIds"] = [$"Not problems of this project: {string.Join(", ", unknown.Take(5))}."];
            }
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");
        }

        var gold = db.GoldItems.Where(g => g.ProjectId == projectId && g.Active)
            .Join(db.Solutions, g => g.SolutionId, s => s.Id, (g, s) => s)
            .Where(s => db.Problems.Any(p => p.Id == s.ProblemId && p.DeletedAt == null) && (problemFilter == null || problemFilter.Contains(s.ProblemId)))
            .Join(db.Adjudications, s => s.Id, a => a.SolutionId, (s, a) => new { SolutionId = s.Id, GoldPoints = a.Points });
        var goldCount = await gold.CountAsync(ct);
        var rows = await gold.Join(db.HumanGrades, g => g.SolutionId, h => h.SolutionId, (g, h) => new { h.GraderId, h.Points, g.GoldPoints, h.CreatedAt })
            .Join(db.Users, x => x.GraderId, u => u.Id, (x, u) => new { x.GraderId, u.DisplayName, x.Points, x.GoldPoints, x.CreatedAt })
            .ToListAsync(ct);
        var graders = rows.GroupBy(r => (r.GraderId, r.DisplayName)).Select(g =>
        {
            var overall = GoldAgreement.Summarize([.. g.Select(r => (r.Points, r.GoldPoints))])!;
            var periods = g.GroupBy(r => GoldAgreement.PeriodStart(r.CreatedAt, period!.Value)).OrderBy(p => p.Key)
                .Select(p => (p.Key, Summary: GoldAgreement.Summarize([.. p.Select(r => (r.Points, r.GoldPoints))])!))
                .Select(p => new GoldPeriodDto(p.Key, p.Summary.N, p.Summary.Mae, p.Summary.Exact)).ToList();
            return new GoldGraderDto(g.Key.GraderId, g.Key.DisplayName, overall.N, overall.Mae, overall.Exact, periods);
        }).OrderBy(g => g.Name, StringComparer.Ordinal).ThenBy(g => g.GraderId).ToList();
        return TypedResults.Ok(new GoldAgreementResponse(period!.Value.ToString().ToLowerInvariant(), goldCount, graders));
    }
}
