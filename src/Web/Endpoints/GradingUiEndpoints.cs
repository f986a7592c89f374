using System.Text;
using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Fragments;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GradingPortal.Web.Endpoints;

/// <summary>
/// The htmx endpoint that tests a model profile's connection. (Model grades, their stage calls and finding reviews are
/// the interactive solution page's, through the circuit.)
/// </summary>
public static class GradingUiEndpoints
{
    public static IEndpointRouteBuilder MapGradingUiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/model-profiles/{profileId:guid}/test", TestProfileAsync);
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
}
