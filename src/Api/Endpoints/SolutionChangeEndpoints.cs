using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using GradingPortal.Api.Auth;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using GradingPortal.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>
/// A stream of "this solution changed" events for open solution pages (ADR 022). An event carries the solution's id and,
/// for callers who may see others' work, the kinds of rows that changed, never what they hold: the follower reads the
/// solution again through <c>GET /api/solutions/{id}</c> (or only its model grades), where blind rules apply as for every
/// other read.
/// </summary>
internal static class SolutionChangeEndpoints
{
    /// <summary>Often enough for proxies that close quiet connections, and for a dead client to be noticed by the write.</summary>
    internal static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A stream ends after this long and the follower opens a new one: access is checked again then, so a token revoked or
    /// expired since does not keep a stream open for longer.
    /// </summary>
    internal static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    public static IEndpointRouteBuilder MapSolutionChangeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/solutions/{solutionId:guid}/changes", Changes).WithTags("Solutions").RequireAuthorization()
            .WithName("StreamSolutionChanges")
            .WithSummary("Server-Sent Events while the solution is open: `ready` once changes are followed, `changed` after each "
                + "change to its grades, annotations, adjudication, model grades or findings, `heartbeat` every 20 s. The data "
                + "of `changed` is the solution's id, then, after a space, the kinds of rows that changed (`grades`, "
                + "`annotations`, `adjudication`, `modelGrades`, `findings`, `gold`, comma-separated) when they are known and the "
                + "caller may see other people's work; an id alone means any kind. Read again what changed to see it. The "
                + "stream ends after 10 minutes: open it again.")
            // The body is a text stream of events (`event: changed`, `data: <id>`), described as text.
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .Problems(404);
        return app;
    }

    internal static async Task<Results<ServerSentEventsResult<string>, ProblemHttpResult>> Changes(Guid solutionId, GradingDbContext db,
        ProjectAccess access, CurrentUser current, SolutionChangeNotices notices, HttpContext http, CancellationToken ct)
    {
        var projectId = await SolutionView.ProjectOfAsync(db, solutionId, ct);
        if (projectId is null || await access.RoleAsync(projectId.Value, ct) is not { } role)
        {
            return ApiProblems.NotFound("The solution");
        }
        // Someone who may not see others' work yet (blind, no grade of their own) is not told what kind of work others
        // did either; decided once, when the stream opens: a grade given later only leaves the stream saying less.
        var blind = await db.Projects.Where(p => p.Id == projectId).Select(p => p.BlindGrading).FirstAsync(ct);
        var userId = current.Id;
        var hasOwnGrade = blind && role < ProjectRole.Adjudicator
            && await db.HumanGrades.AnyAsync(g => g.SolutionId == solutionId && g.GraderId == userId, ct);
        var tellKinds = BlindPolicy.MaySeeOthersGrades(blind, role, hasOwnGrade);
        // A proxy that buffers would hold the events back; the page relies on them arriving at once.
        http.Response.Headers["X-Accel-Buffering"] = "no";
        return TypedResults.ServerSentEvents(Follow(notices, solutionId, tellKinds, http.RequestAborted));
    }

    private static async IAsyncEnumerable<SseItem<string>> Follow(SolutionChangeNotices notices, Guid solutionId, bool tellKinds,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var id = solutionId.ToString();
        using var subscription = notices.Subscribe(solutionId);
        await notices.WhenListeningAsync(ct);
        yield return new SseItem<string>(id, "ready");
        var started = Stopwatch.GetTimestamp();
        while (!ct.IsCancellationRequested && Stopwatch.GetElapsedTime(started) < Lifetime)
        {
            using var beat = CancellationTokenSource.CreateLinkedTokenSource(ct);
            beat.CancelAfter(HeartbeatEvery);
            var changed = await subscription.WaitAsync(beat.Token);
            ct.ThrowIfCancellationRequested();
            if (changed is not { } kinds)
            {
                yield return new SseItem<string>("", "heartbeat");
                continue;
            }
            var named = tellKinds ? SolutionChangeKindNames.Format(kinds) : "";
            yield return new SseItem<string>(named.Length == 0 ? id : $"{id} {named}", "changed");
        }
    }
}
