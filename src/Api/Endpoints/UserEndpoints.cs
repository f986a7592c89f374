using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>User accounts: administrators create them; anyone signed in may look one up by exact email (to add a member).</summary>
internal static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization();
        group.MapPost("/", Create).WithSummary("Create a user (administrators only).").Problems(400, 403, 409);
        group.MapGet("/", List).WithSummary("Administrators: all users. Others: the user with exactly ?email=.").Problems(403);
        return app;
    }

    internal static async Task<Results<Created<UserResponse>, ProblemHttpResult>> Create(CreateUserRequest request, UserManager<AppUser> users,
        CurrentUser current, TimeProvider clock)
    {
        if (!current.IsAdmin)
        {
            return ApiProblems.Forbidden("create users");
        }
        var errors = new Dictionary<string, string[]>();
        var email = request.Email?.Trim() ?? "";
        if (email.Length == 0 || !email.Contains('@', StringComparison.Ordinal) || email.Length > 256)
        {
            errors["email"] = ["A valid email address is required."];
        }
        if (string.IsNullOrEmpty(request.Password))
        {
            errors["password"] = ["A password is required."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(errors) { Status = 400, Title = "One or more fields are invalid." });
        }
        var user = FirstAdmin.NewUser(email, request.DisplayName, request.IsAdmin, clock.GetUtcNow());
        var result = await users.CreateAsync(user, request.Password);
        if (!result.Succeeded)
        {
            if (result.Errors.Any(e => e.Code is "DuplicateEmail" or "DuplicateUserName"))
            {
                return ApiProblems.Conflict($"A user with email {email} already exists.");
            }
            var byField = result.Errors
                .GroupBy(e => e.Code.StartsWith("Password", StringComparison.Ordinal) ? "password" : "email")
                .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray());
            return TypedResults.Problem(new HttpValidationProblemDetails(byField) { Status = 400, Title = "One or more fields are invalid." });
        }
        return TypedResults.Created($"/api/users/{user.Id}", ToResponse(user));
    }

    internal static async Task<Results<Ok<List<UserResponse>>, ProblemHttpResult>> List(string? email, UserManager<AppUser> users,
        CurrentUser current, CancellationToken ct)
    {
        var query = users.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(email))
        {
            var normalized = email.Trim().ToUpperInvariant();
            query = query.Where(u => u.NormalizedEmail == normalized);
        }
        else if (!current.IsAdmin)
        {
            return ApiProblems.Forbidden("list all users (look one up with ?email=)");
        }
        var list = await query.OrderBy(u => u.Email).Take(1000).ToListAsync(ct);
        return TypedResults.Ok(list.Select(ToResponse).ToList());
    }

    private static UserResponse ToResponse(AppUser u) => new(u.Id, u.Email ?? "", u.DisplayName, u.IsAdmin, u.CreatedAt);
}
