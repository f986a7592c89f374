using GradingPortal.Web.Api;
using GradingPortal.Web.Hosting;
using Microsoft.Extensions.Options;

namespace GradingPortal.Web.Endpoints;

/// <summary>
/// The admin menu's Jobs link. Hangfire's dashboard lives in the Api, which a browser cannot reach with the person's
/// bearer token; so the Web fetches a one-time ticket with that token, server side, and sends the browser to the Api's
/// public address with it. The Api trades the ticket for a dashboard cookie.
/// </summary>
public static class JobsDashboardEndpoints
{
    public const string Path = "/admin/jobs";

    public static IEndpointRouteBuilder MapJobsDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, OpenAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> OpenAsync(PortalApi api, IOptions<ApiOptions> options, HttpContext context, CancellationToken ct)
    {
        var ticket = await api.CreateJobsDashboardTicketAsync(ct);
        // The answer holds a secret in its Location: no cache may keep it.
        context.Response.Headers.CacheControl = "no-store";
        if (ticket.Problem is { } problem)
        {
            return TypedResults.Problem(statusCode: (int)problem.Status, title: problem.Title, detail: problem.Detail);
        }
        return TypedResults.Redirect(new Uri(options.Value.PublicBaseAddress, ticket.Value!.Path.TrimStart('/')).ToString());
    }
}
