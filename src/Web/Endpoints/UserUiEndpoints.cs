using GradingPortal.Web.Api;
using Microsoft.AspNetCore.Mvc;

namespace GradingPortal.Web.Endpoints;

/// <summary>The per-user actions of the Users page (site admins): plain form posts that return to the page with a message.</summary>
public static class UserUiEndpoints
{
    public static IEndpointRouteBuilder MapUserUiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/users/{userId:guid}", ChangeAsync);
        app.MapPost("/users/{userId:guid}/password", ResetPasswordAsync);
        return app;
    }

    private static async Task<IResult> ChangeAsync(Guid userId, [FromForm] string? change, PortalApi api)
    {
        UpdateUserRequest? request = change switch
        {
            "disable" => new UpdateUserRequest(null, true),
            "enable" => new UpdateUserRequest(null, false),
            "grant-admin" => new UpdateUserRequest(true, null),
            "revoke-admin" => new UpdateUserRequest(false, null),
            _ => null,
        };
        if (request is null)
        {
            return Back(null, "Unknown change.");
        }
        var result = await api.UpdateUserAsync(userId, request);
        return result.Ok ? Back(change, null) : Back(null, Describe(result.Problem!));
    }

    private static async Task<IResult> ResetPasswordAsync(Guid userId, [FromForm] string? newPassword, PortalApi api)
    {
        var result = await api.ResetPasswordAsync(userId, newPassword ?? "");
        return result.Ok ? Back("password", null) : Back(null, Describe(result.Problem!));
    }

    private static string Describe(ApiProblem problem)
    {
        var messages = problem.AllMessages.ToList();
        return messages.Count == 0 ? problem.Summary : string.Join(" ", messages);
    }

    private static IResult Back(string? done, string? error) => TypedResults.Redirect(done is not null
        ? "/admin/users?done=" + Uri.EscapeDataString(done)
        : "/admin/users?error=" + Uri.EscapeDataString(error ?? ""));
}
