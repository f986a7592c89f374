using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Common;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>Projects (grading campaigns) and their members.</summary>
internal static class ProjectEndpoints
{
    public static IEndpointRouteBuilder MapProjectEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects").WithTags("Projects").RequireAuthorization();
        group.MapGet("/", List).WithName("ListProjects").WithSummary("Projects you are a member of (all of them for administrators).");
        group.MapPost("/", Create).WithName("CreateProject").WithSummary("Create a project; you become its Admin.").Problems(400);
        group.MapGet("/{projectId:guid}", Get).WithName("GetProject").WithSummary("A project with your role in it.").Problems(404);
        group.MapPatch("/{projectId:guid}", Update).WithName("UpdateProject")
            .WithSummary("Change project settings (project Admins).").Problems(400, 403, 404, 409);
        group.MapGet("/{projectId:guid}/members", Members).WithName("ListProjectMembers").WithSummary("Members and their roles.").Problems(404);
        group.MapPut("/{projectId:guid}/members/{userId:guid}", SetMember).WithName("SetProjectMember")
            .WithSummary("Grant or change a member's role (project Admins).").Problems(400, 403, 404, 409);
        group.MapDelete("/{projectId:guid}/members/{userId:guid}", RemoveMember).WithName("RemoveProjectMember")
            .WithSummary("Remove a member (project Admins).").Problems(403, 404, 409);
        return app;
    }

    internal static async Task<Ok<List<ProjectResponse>>> List(GradingDbContext db, CurrentUser current, CancellationToken ct)
    {
        var userId = current.Id;
        var query = db.Projects.AsNoTracking();
        if (!current.IsAdmin)
        {
            query = query.Where(p => db.ProjectMembers.Any(m => m.ProjectId == p.Id && m.UserId == userId));
        }
        var rows = await query.OrderBy(p => p.Name).ThenBy(p => p.Id)
            .Select(p => new
            {
                Project = p,
                Role = db.ProjectMembers.Where(m => m.ProjectId == p.Id && m.UserId == userId).Select(m => (ProjectRole?)m.Role).FirstOrDefault(),
                Problems = db.Problems.Count(x => x.ProjectId == p.Id && x.DeletedAt == null),
                Solutions = db.Solutions.Count(s => s.ProjectId == p.Id && db.Problems.Any(x => x.Id == s.ProblemId && x.DeletedAt == null)),
            })
            .ToListAsync(ct);
        return TypedResults.Ok(rows.Select(r => ToResponse(r.Project, current.IsAdmin ? ProjectRole.Admin : r.Role ?? ProjectRole.Viewer,
            r.Problems, r.Solutions)).ToList());
    }

    internal static async Task<Created<ProjectResponse>> Create(CreateProjectRequest request, GradingDbContext db, CurrentUser current,
        TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var project = Project.Create(request.Name, request.Description, request.MaxPoints, request.UsesLabels, request.BlindGrading,
            request.HideAuthors, request.CustomErrorTypes, now);
        project.RequireHumanGrades(request.RequiredHumanGrades ?? 1, now);
        db.Projects.Add(project);
        db.ProjectMembers.Add(ProjectMember.Create(project.Id, current.Id, ProjectRole.Admin, now));
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/projects/{project.Id}", ToResponse(project, ProjectRole.Admin, 0, 0));
    }

    internal static async Task<Results<Ok<ProjectResponse>, ProblemHttpResult>> Get(Guid projectId, GradingDbContext db, ProjectAccess access,
        CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null || await access.RoleAsync(projectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The project");
        }
        var problems = await db.Problems.CountAsync(x => x.ProjectId == projectId && x.DeletedAt == null, ct);
        var solutions = await db.Solutions.CountAsync(s => s.ProjectId == projectId && db.Problems.Any(x => x.Id == s.ProblemId && x.DeletedAt == null), ct);
        return TypedResults.Ok(ToResponse(project, role, problems, solutions));
    }

    internal static async Task<Results<Ok<ProjectResponse>, ProblemHttpResult>> Update(Guid projectId, UpdateProjectRequest request,
        GradingDbContext db, ProjectAccess access, TimeProvider clock, CancellationToken ct)
    {
        var project = await db.Projects.FirstOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null || await access.RoleAsync(projectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The project");
        }
        if (!role.CanManage())
        {
            return ApiProblems.Forbidden("change project settings");
        }
        db.ExpectRowVersion(project, p => p.RowVersion, request);
        project.Update(request.Name ?? project.Name, request.Description ?? project.Description, request.MaxPoints ?? project.MaxPoints,
            request.UsesLabels ?? project.UsesLabels, request.BlindGrading ?? project.BlindGrading, request.HideAuthors ?? project.HideAuthors,
            request.CustomErrorTypes ?? project.CustomErrorTypes, clock.GetUtcNow());
        project.RequireHumanGrades(request.RequiredHumanGrades ?? project.RequiredHumanGrades, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return await Get(projectId, db, access, ct);
    }

    internal static async Task<Results<Ok<List<MemberResponse>>, ProblemHttpResult>> Members(Guid projectId, GradingDbContext db,
        ProjectAccess access, CancellationToken ct)
    {
        if (await access.RoleAsync(projectId, ct) is null || !await db.Projects.AnyAsync(p => p.Id == projectId, ct))
        {
            return ApiProblems.NotFound("The project");
        }
        var members = await db.ProjectMembers.AsNoTracking()
            .Where(m => m.ProjectId == projectId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m.UserId, u.Email, u.DisplayName, m.Role, m.AddedAt })
            .OrderBy(m => m.DisplayName)
            .ToListAsync(ct);
        return TypedResults.Ok(members.Select(m => new MemberResponse(m.UserId, m.Email ?? "", m.DisplayName, m.Role.ToWire(), m.AddedAt)).ToList());
    }

    internal static async Task<Results<Ok<MemberResponse>, ProblemHttpResult>> SetMember(Guid projectId, Guid userId, SetMemberRequest request,
        GradingDbContext db, ProjectAccess access, TimeProvider clock, CancellationToken ct)
    {
        if (await access.RoleAsync(projectId, ct) is not { } role || !await db.Projects.AnyAsync(p => p.Id == projectId, ct))
        {
            return ApiProblems.NotFound("The project");
        }
        if (!role.CanManage())
        {
            return ApiProblems.Forbidden("manage members");
        }
        if (!RoleNames.TryParse(request.Role, out var newRole))
        {
            return ApiProblems.Validation("role", "Role is one of viewer, grader, adjudicator, admin.");
        }
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null)
        {
            return ApiProblems.NotFound("The user");
        }
        var member = await db.ProjectMembers.FirstOrDefaultAsync(m => m.ProjectId == projectId && m.UserId == userId, ct);
        if (member is null)
        {
            member = ProjectMember.Create(projectId, userId, newRole, clock.GetUtcNow());
            db.ProjectMembers.Add(member);
        }
        else
        {
            if (member.Role == ProjectRole.Admin && newRole != ProjectRole.Admin && await IsLastAdminAsync(db, projectId, ct))
            {
                return ApiProblems.Conflict("This is the project's last Admin; make someone else Admin first.");
            }
            member.ChangeRole(newRole);
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new MemberResponse(userId, user.Email ?? "", user.DisplayName, member.Role.ToWire(), member.AddedAt));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> RemoveMember(Guid projectId, Guid userId, GradingDbContext db,
        ProjectAccess access, CancellationToken ct)
    {
        if (await access.RoleAsync(projectId, ct) is not { } role || !await db.Projects.AnyAsync(p => p.Id == projectId, ct))
        {
            return ApiProblems.NotFound("The project");
        }
        if (!role.CanManage())
        {
            return ApiProblems.Forbidden("manage members");
        }
        var member = await db.ProjectMembers.FirstOrDefaultAsync(m => m.ProjectId == projectId && m.UserId == userId, ct);
        if (member is null)
        {
            return ApiProblems.NotFound("The member");
        }
        if (member.Role == ProjectRole.Admin && await IsLastAdminAsync(db, projectId, ct))
        {
            return ApiProblems.Conflict("This is the project's last Admin; make someone else Admin first.");
        }
        db.ProjectMembers.Remove(member);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<bool> IsLastAdminAsync(GradingDbContext db, Guid projectId, CancellationToken ct) =>
        await db.ProjectMembers.CountAsync(m => m.ProjectId == projectId && m.Role == ProjectRole.Admin, ct) <= 1;

    internal static ProjectResponse ToResponse(Project p, ProjectRole role, int problems, int solutions) => new(
        p.Id, p.Name, p.Description, p.MaxPoints, p.UsesLabels, p.BlindGrading, p.HideAuthors, p.CustomErrorTypes,
        [
            .. ErrorTypes.Builtin.Select(t => new ErrorTypeResponse(t, ErrorTypes.Labels[t], false)),
            .. p.CustomErrorTypes.Select(t => new ErrorTypeResponse(t, t, true)),
        ],
        role.ToWire(), problems, solutions, p.CreatedAt, p.UpdatedAt, p.RowVersion, p.RequiredHumanGrades);
}
