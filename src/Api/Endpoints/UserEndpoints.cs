using System.ComponentModel;
using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>User accounts: administrators create them; anyone signed in may look one up by exact email (to add a member).</summary>
internal static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization();
        group.MapPost("/", Create).WithName("CreateUser").WithSummary("Create a user (administrators only).").Problems(400, 403, 409);
        group.MapGet("/", List).WithName("ListUsers")
            .WithSummary("Administrators: users a page at a time, searched and sorted. Others: the user with exactly ?email=.").Problems(400, 403);
        group.MapPatch("/{id:guid}", Update).WithName("UpdateUser")
            .WithSummary("Grant or remove site-admin rights, disable or re-enable a user (administrators only; not on yourself).")
            .Problems(400, 403, 404);
        group.MapPost("/{id:guid}/password", ResetPassword).WithName("ResetUserPassword")
            .WithSummary("Set a new password for a user (administrators only). Their sessions must sign in again; their API tokens keep working.")
            .Problems(400, 403, 404);
        return app;
    }

    /// <summary>
    /// Changes a user's rights. Disabling renews the security stamp, so the person's sessions end at their next refresh
    /// (within the access token's hour) and their API tokens are refused at once.
    /// </summary>
    internal static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> Update(Guid id, UpdateUserRequest request, UserManager<AppUser> users,
        CurrentUser current, TimeProvider clock)
    {
        if (!current.IsAdmin)
        {
            return ApiProblems.Forbidden("change users");
        }
        if (id == current.Id && (request.IsAdmin == false || request.Disabled == true))
        {
            // Keeps at least the acting administrator able to undo a mistake.
            return ApiProblems.Validation(request.Disabled == true ? "disabled" : "isAdmin", "You cannot disable yourself or remove your own admin rights.");
        }
        var user = await users.FindByIdAsync(id.ToString());
        if (user is null)
        {
            return ApiProblems.NotFound("The user");
        }
        var endSessions = false;
        if (request.IsAdmin is { } isAdmin && isAdmin != user.IsAdmin)
        {
            user.IsAdmin = isAdmin;
            // Bearer tokens carry the admin flag; a removed right must not survive in them past the next refresh.
            endSessions |= !isAdmin;
        }
        if (request.Disabled is { } disabled && disabled != user.IsDisabled)
        {
            user.DisabledAt = disabled ? clock.GetUtcNow() : null;
            endSessions |= disabled;
        }
        var result = endSessions ? await users.UpdateSecurityStampAsync(user) : await users.UpdateAsync(user);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("Updating the user failed: " + string.Join("; ", result.Errors.Select(e => e.Code)));
        }
        return TypedResults.Ok(ToResponse(user));
    }

    /// <summary>Replaces a user's password and lifts a lockout; the security stamp is renewed, so their sessions end.</summary>
    internal static async Task<Results<NoContent, ProblemHttpResult>> ResetPassword(Guid id, ResetPasswordRequest request, UserManager<AppUser> users,
        CurrentUser current)
    {
        if (!current.IsAdmin)
        {
            return ApiProblems.Forbidden("reset passwords");
        }
        var user = await users.FindByIdAsync(id.ToString());
        if (user is null)
        {
            return ApiProblems.NotFound("The user");
        }
        if (string.IsNullOrEmpty(request.NewPassword))
        {
            return ApiProblems.Validation("newPassword", "A new password is required.");
        }
        var failures = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            var check = await validator.ValidateAsync(users, user, request.NewPassword);
            failures.AddRange(check.Errors.Select(e => e.Description));
        }
        if (failures.Count > 0)
        {
            return Invalid(new Dictionary<string, string[]> { ["newPassword"] = [.. failures] });
        }
        // Validated first and written in one update, so a refused password never leaves the account without one.
        user.PasswordHash = users.PasswordHasher.HashPassword(user, request.NewPassword);
        user.AccessFailedCount = 0;
        user.LockoutEnd = null;
        var result = await users.UpdateSecurityStampAsync(user);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("Resetting the password failed: " + string.Join("; ", result.Errors.Select(e => e.Code)));
        }
        return TypedResults.NoContent();
    }

    internal static ProblemHttpResult Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors) { Status = 400, Title = "One or more fields are invalid." });

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

    /// <summary>
    /// One page of users. <c>email</c> finds one account by its exact address (anyone signed in, to add a member);
    /// otherwise only administrators list, and <c>search</c> keeps users whose name or email contains the text.
    /// </summary>
    internal static async Task<Results<Ok<UserPageResponse>, ValidationProblem, ProblemHttpResult>> List([AsParameters] UserListQuery query,
        UserManager<AppUser> users, CurrentUser current, CancellationToken ct)
    {
        var rows = users.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Email))
        {
            var normalized = query.Email.Trim().ToUpperInvariant();
            rows = rows.Where(u => u.NormalizedEmail == normalized);
        }
        else if (!current.IsAdmin)
        {
            return ApiProblems.Forbidden("list all users (look one up with ?email=)");
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (page, pageSize) = Paging.Parse(query.Page, query.PageSize, errors);
        var search = query.Search?.Trim() ?? "";
        if (search.Length > UserListQuery.MaxSearchLength)
        {
            errors["search"] = [$"search is at most {UserListQuery.MaxSearchLength} characters."];
        }
        var (key, descending) = Paging.ParseSort(query.Sort, "name", UserListQuery.Sorts, errors);
        var statuses = ListFilter.Values(query.Status);
        if (statuses.FirstOrDefault(v => !UserListQuery.Statuses.Contains(v)) is { } unknown)
        {
            errors["status"] = [$"'{unknown}' is not one of {string.Join(", ", UserListQuery.Statuses)}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");
        }
        if (statuses.Count > 0)
        {
            bool active = statuses.Contains("active"), disabled = statuses.Contains("disabled"), admin = statuses.Contains("admin");
            rows = rows.Where(u => (active && u.DisabledAt == null) || (disabled && u.DisabledAt != null) || (admin && u.IsAdmin));
        }
        if (search.Length > 0)
        {
            // lower() on both sides: ILIKE would read % and _ in the text as wildcards.
            var lowered = search.ToLowerInvariant();
            rows = rows.Where(u => u.DisplayName.ToLower().Contains(lowered) || u.Email!.ToLower().Contains(lowered));
        }
        // Email is unique, so every order ends on it and a page never shifts between two requests.
        var ordered = key switch
        {
            "email" => descending ? rows.OrderByDescending(u => u.Email) : rows.OrderBy(u => u.Email),
            // Status: active accounts first, administrators first among them; descending puts disabled accounts first.
            "status" => descending
                ? rows.OrderByDescending(u => u.DisabledAt != null).ThenBy(u => u.IsAdmin).ThenBy(u => u.Email)
                : rows.OrderBy(u => u.DisabledAt != null).ThenByDescending(u => u.IsAdmin).ThenBy(u => u.Email),
            "createdAt" => descending ? rows.OrderByDescending(u => u.CreatedAt).ThenBy(u => u.Email) : rows.OrderBy(u => u.CreatedAt).ThenBy(u => u.Email),
            _ => descending ? rows.OrderByDescending(u => u.DisplayName).ThenBy(u => u.Email) : rows.OrderBy(u => u.DisplayName).ThenBy(u => u.Email),
        };
        var total = await rows.CountAsync(ct);
        var list = await ordered.Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return TypedResults.Ok(new UserPageResponse(page, pageSize, total, [.. list.Select(ToResponse)]));
    }

    private static UserResponse ToResponse(AppUser u) => new(u.Id, u.Email ?? "", u.DisplayName, u.IsAdmin, u.CreatedAt, u.DisabledAt);
}

/// <summary>The query string of the users list.</summary>
internal readonly record struct UserListQuery
{
    public const int MaxSearchLength = 200;

    /// <summary>The orders <c>sort</c> accepts, ascending; a leading - reverses one.</summary>
    public static readonly string[] Sorts = ["name", "email", "createdAt", "status"];

    /// <summary>The values <c>status</c> filters on.</summary>
    public static readonly string[] Statuses = ["active", "disabled", "admin"];

    [Description("The user with exactly this email (case-insensitive). The only form non-administrators may use.")]
    [FromQuery(Name = "email")]
    public string? Email { get; init; }

    [Description("Only users whose display name or email contains this text (case-insensitive), at most 200 characters.")]
    [FromQuery(Name = "search")]
    public string? Search { get; init; }

    [Description("name (default), email, createdAt or status (in lifecycle order: active administrators, other active users, then disabled accounts); " +
        "prefix with - for descending, e.g. -createdAt.")]
    [FromQuery(Name = "sort")]
    public string? Sort { get; init; }

    [Description("Only users with one of these states: active, disabled, admin (comma-separated).")]
    [FromQuery(Name = "status")]
    public string? Status { get; init; }

    [Description(Paging.PageDescription)]
    [FromQuery(Name = "page")]
    public string? Page { get; init; }

    [Description(Paging.PageSizeDescription)]
    [FromQuery(Name = "pageSize")]
    public string? PageSize { get; init; }
}
