using System.Text;
using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Fragments;
using GradingPortal.Web.Components.Runs;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GradingPortal.Web.Endpoints;

/// <summary>
/// htmx and streaming endpoints of model profiles, grading runs and model grades: test a profile's connection, estimate a
/// run from its form, follow a run (server-sent events), cancel or retry it, and a solution's model grades.
/// </summary>
public static class GradingUiEndpoints
{
    /// <summary>How often the event stream asks the Api for the run's progress.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan s_keepAlive = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapGradingUiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/model-profiles/{profileId:guid}/test", TestProfileAsync);
        app.MapPost("/projects/{projectId:guid}/runs/estimate", EstimateAsync);
        app.MapGet("/runs/{runId:guid}/events", StreamAsync);
        app.MapPost("/runs/{runId:guid}/cancel", (Guid runId, PortalApi api, HttpContext context) =>
            ControlAsync(runId, api, context, api.CancelRunAsync, "Run cancelled. Work already done is kept."));
        app.MapPost("/runs/{runId:guid}/retry-failed", (Guid runId, PortalApi api, HttpContext context) =>
            ControlAsync(runId, api, context, api.RetryFailedAsync, "Failed items are queued again."));
        app.MapGet("/solutions/{solutionId:guid}/model-grades", ModelGradesAsync);
        app.MapGet("/model-grades/{gradeId:guid}/calls", StageCallsAsync);
        app.MapPost("/model-findings/{findingId:guid}/review", ReviewAsync);
        return app;
    }

    private static async Task<RazorComponentResult<ProfileTestResult>> TestProfileAsync(Guid profileId, PortalApi api, HttpContext context)
    {
        var result = await api.TestModelProfileAsync(profileId, context.RequestAborted);
        return new RazorComponentResult<ProfileTestResult>(new Dictionary<string, object?>
        {
            [nameof(ProfileTestResult.Result)] = result.Ok ? result.Data : null,
            [nameof(ProfileTestResult.Problem)] = result.Problem,
        });
    }

    private static async Task<RazorComponentResult<RunEstimate>> EstimateAsync(Guid projectId, IFormCollection form, PortalApi api, HttpContext context)
    {
        var options = await api.GetRunOptionsAsync(projectId, context.RequestAborted);
        var estimate = await api.EstimateRunAsync(RunFormReader.Read(form, projectId, options.Ok ? options.Data : null), context.RequestAborted);
        return new RazorComponentResult<RunEstimate>(new Dictionary<string, object?>
        {
            [nameof(RunEstimate.Estimate)] = estimate.Ok ? estimate.Data : null,
            [nameof(RunEstimate.Problem)] = estimate.Problem,
        });
    }

    private static async Task<IResult> ControlAsync(Guid runId, PortalApi api, HttpContext context,
        Func<Guid, CancellationToken, Task<ApiResult<GradingRunResponse>>> action, string done)
    {
        var acted = await action(runId, context.RequestAborted);
        var run = acted.Ok ? acted.Data : (await api.GetRunAsync(runId, context.RequestAborted)) is { Ok: true } fresh ? fresh.Data : null;
        if (run is null)
        {
            return TypedResults.Problem(acted.Problem?.Summary, statusCode: (int)(acted.Problem?.Status ?? System.Net.HttpStatusCode.NotFound));
        }
        return Fragments.Render<RunProgress>(context, new Dictionary<string, object?>
        {
            [nameof(RunProgress.Run)] = run,
            [nameof(RunProgress.CanControl)] = true,
            [nameof(RunProgress.Message)] = acted.Ok ? done : null,
            [nameof(RunProgress.Problem)] = acted.Problem,
        }, $"/runs/{runId}");
    }

    /// <summary>
    /// Server-sent events: about once a second the run's progress is read from the Api and, when it changed, rendered and
    /// sent as a <c>progress</c> event (the HTML of <see cref="RunProgress"/>); <c>done</c> closes the stream once the run
    /// is finished. Comments keep idle connections open through proxies.
    /// </summary>
    private static async Task StreamAsync(Guid runId, PortalApi api, HttpContext context, IServiceProvider services, ILoggerFactory loggers)
    {
        var ct = context.RequestAborted;
        var run = await api.GetRunAsync(runId, ct);
        if (!run.Ok)
        {
            context.Response.StatusCode = (int)run.Problem!.Status;
            return;
        }
        var project = await api.GetProjectAsync(run.Data.ProjectId, ct);
        var canControl = project.Ok && Format.CanEditContent(project.Data.MyRole);
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache, no-store";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        await context.Response.Body.FlushAsync(ct);

        await using var renderer = new HtmlRenderer(services, loggers);
        string? last = null;
        var lastWrite = DateTimeOffset.UtcNow;
        try
        {
            var current = run.Data;
            while (true)
            {
                var parameters = new Dictionary<string, object?> { [nameof(RunProgress.Run)] = current, [nameof(RunProgress.CanControl)] = canControl };
                var html = await renderer.Dispatcher.InvokeAsync(async () =>
                    (await renderer.RenderComponentAsync<RunProgress>(ParameterView.FromDictionary(parameters))).ToHtmlString());
                if (html != last)
                {
                    await WriteEventAsync(context.Response, "progress", html, ct);
                    last = html;
                    lastWrite = DateTimeOffset.UtcNow;
                }
                else if (DateTimeOffset.UtcNow - lastWrite > s_keepAlive)
                {
                    await context.Response.WriteAsync(": still here\n\n", ct);
                    await context.Response.Body.FlushAsync(ct);
                    lastWrite = DateTimeOffset.UtcNow;
                }
                if (current.IsFinished)
                {
                    await WriteEventAsync(context.Response, "done", current.Status, ct);
                    return;
                }
                await Task.Delay(PollInterval, ct);
                var next = await api.GetRunAsync(runId, ct);
                if (!next.Ok)
                {
                    await WriteEventAsync(context.Response, "done", "unavailable", ct);
                    return;
                }
                current = next.Data;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The browser left the page.
        }
    }

    /// <summary>One event; every line of the data gets its own <c>data:</c> field (the browser joins them with LF).</summary>
    private static async Task WriteEventAsync(HttpResponse response, string name, string data, CancellationToken ct)
    {
        var text = new StringBuilder().Append("event: ").Append(name).Append('\n');
        foreach (var line in data.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            text.Append("data: ").Append(line).Append('\n');
        }
        text.Append('\n');
        await response.WriteAsync(text.ToString(), ct);
        await response.Body.FlushAsync(ct);
    }

    private static async Task<IResult> ModelGradesAsync(Guid solutionId, PortalApi api, HttpContext context)
    {
        var solution = await api.GetSolutionAsync(solutionId, context.RequestAborted);
        if (!solution.Ok)
        {
            return TypedResults.Problem(solution.Problem!.Summary, statusCode: (int)solution.Problem.Status);
        }
        var grades = await api.ListModelGradesAsync(solutionId, context.RequestAborted);
        return new RazorComponentResult<ModelGradesPanel>(new Dictionary<string, object?>
        {
            [nameof(ModelGradesPanel.Solution)] = solution.Data,
            [nameof(ModelGradesPanel.Grades)] = grades.Ok ? grades.Data : [],
            [nameof(ModelGradesPanel.Problem)] = grades.Problem,
        });
    }

    private static async Task<RazorComponentResult<StageCallList>> StageCallsAsync(Guid gradeId, PortalApi api, HttpContext context)
    {
        var grade = await api.GetModelGradeAsync(gradeId, context.RequestAborted);
        return new RazorComponentResult<StageCallList>(new Dictionary<string, object?>
        {
            [nameof(StageCallList.Grade)] = grade.Ok ? grade.Data : null,
            [nameof(StageCallList.Problem)] = grade.Problem,
        });
    }

    private static async Task<IResult> ReviewAsync(Guid findingId, IFormCollection form, PortalApi api, HttpContext context)
    {
        var accept = form["accept"].FirstOrDefault() == "true";
        var reviewed = await api.ReviewFindingAsync(findingId, accept, context.RequestAborted);
        if (!Guid.TryParse(form["solutionId"].FirstOrDefault(), out var solutionId))
        {
            return TypedResults.BadRequest();
        }
        _ = reviewed;
        return await ModelGradesAsync(solutionId, api, context);
    }
}
