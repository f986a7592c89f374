using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Fragments;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Mvc;

namespace GradingPortal.Web.Endpoints;

/// <summary>htmx endpoints of the problem page: paging through solutions and approving a rubric draft.</summary>
public static class ProblemUiEndpoints
{
    public static IEndpointRouteBuilder MapProblemUiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/problems/{problemId:guid}/solutions", SolutionRowsAsync);
        app.MapPost("/rubrics/{rubricId:guid}/approve", ApproveRubricAsync);
        return app;
    }

    private static async Task<IResult> SolutionRowsAsync(Guid problemId, string? after, PortalApi api, HttpContext context)
    {
        var page = await api.ListSolutionsAsync(problemId, after);
        if (!page.Ok)
        {
            return TypedResults.Problem(page.Problem!.Summary, statusCode: (int)page.Problem.Status);
        }
        return Fragments.Render<SolutionRows>(context, new Dictionary<string, object?>
        {
            [nameof(SolutionRows.ProblemId)] = problemId,
            [nameof(SolutionRows.Page)] = page.Data,
        }, $"/problems/{problemId}");
    }

    private static async Task<IResult> ApproveRubricAsync(Guid rubricId, [FromForm] uint? rowVersion, [FromForm] Guid problemId, PortalApi api,
        HttpContext context)
    {
        var approved = await api.ApproveRubricAsync(rubricId, rowVersion);
        var problem = await api.GetProblemAsync(problemId);
        if (!problem.Ok)
        {
            return TypedResults.Problem(problem.Problem!.Summary, statusCode: (int)problem.Problem.Status);
        }
        var project = await api.GetProjectAsync(problem.Data.ProjectId);
        return Fragments.Render<RubricPanel>(context, new Dictionary<string, object?>
        {
            [nameof(RubricPanel.Problem)] = problem.Data,
            [nameof(RubricPanel.CanEdit)] = project.Ok && Format.CanEditContent(project.Data.MyRole),
            [nameof(RubricPanel.Error)] = approved.Problem,
            [nameof(RubricPanel.Message)] = approved.Ok ? $"Version {approved.Data.Version} approved; it is now the rubric graders use." : null,
        }, $"/problems/{problemId}", changed: approved.Ok);
    }
}
