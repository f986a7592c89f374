using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Identity;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace GradingPortal.Api.Endpoints;

/// <summary>Sign-in with email and password, token refresh, and who-am-I.</summary>
internal static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/auth").WithTags("Auth");
        group.MapPost("/login", Login).AllowAnonymous()
            .WithSummary("Sign in; returns {accessToken, refreshToken, expiresIn} (bearer tokens).")
            .Produces<AccessTokenResponse>(StatusCodes.Status200OK).Problems(400, 401);
        group.MapPost("/refresh", Refresh).AllowAnonymous()
            .WithSummary("Exchange a refresh token for new tokens.")
            .Produces<AccessTokenResponse>(StatusCodes.Status200OK).Problems(400, 401);
        app.MapGet("/api/me", Me).RequireAuthorization().WithTags("Auth").WithSummary("The signed-in caller.").Problems(404);
        return app;
    }

    /// <summary>Checks the password (with lockout after repeated failures) and issues bearer tokens.</summary>
    internal static async Task<Results<SignInHttpResult, ProblemHttpResult>> Login(LoginRequest request, SignInManager<AppUser> signIn)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password))
        {
            return ApiProblems.Validation(string.IsNullOrWhiteSpace(request.Email) ? "email" : "password", "Email and password are required.");
        }
        var user = await signIn.UserManager.FindByEmailAsync(request.Email.Trim());
        if (user is null)
        {
            return ApiProblems.Unauthorized("Wrong email or password.");
        }
        var check = await signIn.CheckPasswordSignInAsync(user, request.Password, lockoutOnFailure: true);
        if (check.IsLockedOut)
        {
            return ApiProblems.Unauthorized("Too many failed attempts; the account is locked for a few minutes.");
        }
        if (!check.Succeeded)
        {
            return ApiProblems.Unauthorized("Wrong email or password.");
        }
        var principal = await signIn.CreateUserPrincipalAsync(user);
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }

    /// <summary>Validates the refresh token (expiry, and that the user's security stamp is unchanged) and issues new tokens.</summary>
    internal static async Task<Results<SignInHttpResult, ProblemHttpResult>> Refresh(RefreshRequest request, SignInManager<AppUser> signIn,
        IOptionsMonitor<BearerTokenOptions> bearerOptions, TimeProvider clock)
    {
        var protector = bearerOptions.Get(IdentityConstants.BearerScheme).RefreshTokenProtector;
        var ticket = string.IsNullOrEmpty(request.RefreshToken) ? null : protector.Unprotect(request.RefreshToken);
        if (ticket?.Properties.ExpiresUtc is not { } expires || clock.GetUtcNow() >= expires
            || await signIn.ValidateSecurityStampAsync(ticket.Principal) is not { } user)
        {
            return ApiProblems.Unauthorized("The refresh token is invalid or expired; sign in again.");
        }
        var principal = await signIn.CreateUserPrincipalAsync(user);
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }

    internal static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> Me(CurrentUser current, UserManager<AppUser> users)
    {
        var user = await users.FindByIdAsync(current.Id.ToString());
        return user is null
            ? ApiProblems.NotFound("Your user")
            : TypedResults.Ok(new MeResponse(user.Id, user.Email ?? "", user.DisplayName, user.IsAdmin));
    }
}
