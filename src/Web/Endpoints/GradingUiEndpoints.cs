using System.Text;
using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Fragments;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GradingPortal.Web.Endpoints;

/// <summary>
/// htmx endpoints of model profiles and model grades: test a profile's connection, and a solution's model grades with
/// their stage calls and finding reviews. (The run pages are interactive and call the Api from the circuit.)
/// </summary>
public static class GradingUiEndpoints
{
    public static IEndpointRouteBuilder MapGradingUiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/model-profiles/{profileId:guid}/test", TestProfileAsync);
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
