using GradingPortal.Web.Api;
using GradingPortal.Web.Auth;
using GradingPortal.Web.Components.Fragments;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Mvc;

namespace GradingPortal.Web.Endpoints;

/// <summary>htmx endpoints of the project page: members management.</summary>
public static class ProjectUiEndpoints
{
    public static IEndpointRouteBuilder MapProjectUiEndpoints(this IEndpointRouteBuilder app)
    {
        var members = app.MapGroup("/projects/{projectId:guid}/members");
        members.MapPost("", AddMemberAsync);
        members.MapPost("/{userId:guid}", SetRoleAsync);
        members.MapPost("/{userId:guid}/remove", RemoveMemberAsync);
        return app;
    }

    private static async Task<IResult> AddMemberAsync(Guid projectId, [FromForm] string? user, [FromForm] string? role, PortalApi api,
        HttpContext context)
    {
        var input = user?.Trim() ?? "";
        if (!Guid.TryParse(input, out var userId))
        {
            // Project admins who are not site admins add people by their exact email.
            var found = input.Contains('@', StringComparison.Ordinal) ? await api.FindUsersByEmailAsync(input) : default;
            if (found.Ok && found.Value is [var match])
            {
                userId = match.Id;
            }
            else
            {
                var problem = found.Problem ?? new ApiProblem(System.Net.HttpStatusCode.BadRequest, "Unknown person", null,
                    new Dictionary<string, string[]> { ["user"] = [$"No account has the email “{input}”. Ask a site administrator to create it."] });
                return await PanelAsync(projectId, api, context, problem, null);
            }
        }
        var result = await api.SetMemberAsync(projectId, userId, role ?? "grader");
        return await PanelAsync(projectId, api, context, result.Problem, result.Ok ? "Member added." : null);
    }

    private static async Task<IResult> SetRoleAsync(Guid projectId, Guid userId, [FromForm] string? role, PortalApi api, HttpContext context)
    {
        var result = await api.SetMemberAsync(projectId, userId, role ?? "grader");
        return await PanelAsync(projectId, api, context, result.Problem, result.Ok ? "Role saved." : null);
    }

    private static async Task<IResult> RemoveMemberAsync(Guid projectId, Guid userId, PortalApi api, HttpContext context)
    {
        var result = await api.RemoveMemberAsync(projectId, userId);
        return await PanelAsync(projectId, api, context, result.Problem, result.Ok ? "Member removed." : null);
    }

    private static async Task<IResult> PanelAsync(Guid projectId, PortalApi api, HttpContext context, ApiProblem? problem, string? message)
    {
        var project = await api.GetProjectAsync(projectId);
        var members = await api.ListMembersAsync(projectId);
        var canManage = project.Ok && Format.CanManage(project.Data.MyRole);
        IReadOnlyList<UserResponse>? users = null;
        if (canManage && Session.From(context.User)?.IsAdmin == true)
        {
            var list = await api.ListUsersAsync();
            users = list.Ok ? list.Data : null;
        }
        return Fragments.Render<MembersPanel>(context, new Dictionary<string, object?>
        {
            [nameof(MembersPanel.ProjectId)] = projectId,
            [nameof(MembersPanel.Members)] = members.Ok ? members.Data : [],
            [nameof(MembersPanel.Users)] = users,
            [nameof(MembersPanel.CanManage)] = canManage,
            [nameof(MembersPanel.Problem)] = problem ?? members.Problem,
            [nameof(MembersPanel.Message)] = message,
        }, $"/projects/{projectId}", changed: problem is null);
    }
}
