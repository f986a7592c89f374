using System.Security.Claims;
using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Persistence;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GradingPortal.Api.Endpoints;

/// <summary>Sign-in with email and password, token refresh, sign-out, who-am-I and changing one's own password.</summary>
internal static class AuthEndpoints
{
    private const string WrongCredentials = "Wrong email or password.";
    private const string RefreshRefused = "The refresh token is invalid or expired; sign in again.";

    /// <summary>
    /// A hash to verify against when the email is unknown (or the account locked), so those answers cost the same
    /// password-hashing time as a wrong password and timing does not tell which accounts exist.
    /// </summary>
    private static readonly Lazy<(AppUser User, string Hash)> s_dummy = new(() =>
    {
        var user = new AppUser { Id = Guid.Empty, UserName = "nobody" };
        return (user, new PasswordHasher<AppUser>().HashPassword(user, Guid.NewGuid().ToString("N")));
    });

    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/auth").WithTags("Auth");
        group.MapPost("/login", Login).WithName("SignIn").AllowAnonymous().RequireRateLimiting(SignInThrottle.PolicyName)
            .WithSummary("Sign in; returns {accessToken, refreshToken, expiresIn} (bearer tokens). Throttled per client address and per account.")
            .Produces<AccessTokenResponse>(StatusCodes.Status200OK).Problems(400, 401, 429);
        group.MapPost("/refresh", Refresh).WithName("RefreshAccessToken").AllowAnonymous()
            .WithSummary("Exchange a refresh token for new tokens.")
            .Produces<AccessTokenResponse>(StatusCodes.Status200OK).Problems(400, 401);
        group.MapPost("/logout", Logout).WithName("SignOut").AllowAnonymous()
            .WithSummary("Sign out: the session of this refresh token (every refresh token issued from the same sign-in) is refused from now on.")
            .Problems(400);
        app.MapGet("/api/me", Me).WithName("GetCurrentUser")
            .RequireAuthorization().WithTags("Auth").WithSummary("The signed-in caller.").Problems(404);
        app.MapPost("/api/me/password", ChangePassword).WithName("ChangePassword").RequireAuthorization().WithTags("Auth")
            .WithMetadata(SignedInSessionOnly.Instance)
            .WithSummary("Change your own password (current and new). Every session then has to sign in again; API tokens keep working. Not with an API token. Attempts count against the account's sign-in throttle.")
            .Problems(400, 403, 429);
        return app;
    }

    /// <summary>Checks the password (with lockout after repeated failures) and issues bearer tokens for a new session.</summary>
    internal static async Task<Results<SignInHttpResult, ProblemHttpResult>> Login(LoginRequest request, SignInManager<AppUser> signIn,
        SignInThrottle throttle)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password))
        {
            return ApiProblems.Validation(string.IsNullOrWhiteSpace(request.Email) ? "email" : "password", "Email and password are required.");
        }
        if (!throttle.TryAcquireForAccount(request.Email))
        {
            return SignInThrottle.TooMany();
        }
        var user = await signIn.UserManager.FindByEmailAsync(request.Email.Trim());
        if (user is null)
        {
            VerifyDummy(signIn.UserManager, request.Password);
            return ApiProblems.Unauthorized(WrongCredentials);
        }
        var check = await signIn.CheckPasswordSignInAsync(user, request.Password, lockoutOnFailure: true);
        if (!check.Succeeded)
        {
            // A locked account answers like a wrong password (and takes as long): a distinct message would tell a
            // guesser which emails have accounts.
            if (check.IsLockedOut)
            {
                VerifyDummy(signIn.UserManager, request.Password);
            }
            return ApiProblems.Unauthorized(WrongCredentials);
        }
        if (user.IsDisabled)
        {
            // Only someone who knows the password learns this.
            return ApiProblems.Unauthorized("This account is disabled; ask an administrator.");
        }
        var principal = await signIn.CreateUserPrincipalAsync(user);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(GradingClaims.SessionId, Guid.NewGuid().ToString()));
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }

    /// <summary>
    /// Validates the refresh token (expiry, the user's security stamp, that the account is enabled and that its session
    /// was not signed out) and issues new tokens for the same session.
    /// </summary>
    internal static async Task<Results<SignInHttpResult, ProblemHttpResult>> Refresh(RefreshRequest request, SignInManager<AppUser> signIn,
        IOptionsMonitor<BearerTokenOptions> bearerOptions, GradingDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var ticket = ReadRefreshToken(request.RefreshToken, bearerOptions, clock);
        if (ticket is null || SessionOf(ticket.Principal) is not { } sessionId
            || await db.RevokedSessions.AnyAsync(s => s.SessionId == sessionId, ct)
            || await signIn.ValidateSecurityStampAsync(ticket.Principal) is not { IsDisabled: false } user)
        {
            return ApiProblems.Unauthorized(RefreshRefused);
        }
        var principal = await signIn.CreateUserPrincipalAsync(user);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(GradingClaims.SessionId, sessionId.ToString()));
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }

    /// <summary>
    /// Revokes the session of a refresh token: it and every other refresh token of that sign-in are refused from now on.
    /// Access tokens already issued are not checked against the list and run out within their lifetime (an hour).
    /// An unreadable or expired token has nothing left to revoke, and gets the same answer.
    /// </summary>
    internal static async Task<Results<NoContent, ProblemHttpResult>> Logout(LogoutRequest request, IOptionsMonitor<BearerTokenOptions> bearerOptions,
        GradingDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.RefreshToken))
        {
            return ApiProblems.Validation("refreshToken", "The refresh token is required.");
        }
        var ticket = ReadRefreshToken(request.RefreshToken, bearerOptions, clock);
        if (ticket is null || SessionOf(ticket.Principal) is not { } sessionId
            || !Guid.TryParse(ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            return TypedResults.NoContent();
        }
        var now = clock.GetUtcNow();
        // Refresh tokens of this session issued later than this one could outlive it by at most one lifetime.
        var keepUntil = now + bearerOptions.Get(IdentityConstants.BearerScheme).RefreshTokenExpiration;
        await db.RevokedSessions.Where(s => s.KeepUntil < now).ExecuteDeleteAsync(ct);
        if (!await db.RevokedSessions.AnyAsync(s => s.SessionId == sessionId, ct))
        {
            db.RevokedSessions.Add(RevokedSession.Create(sessionId, userId, now, keepUntil));
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Signed out twice at once: the other request recorded it.
            }
        }
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> Me(CurrentUser current, UserManager<AppUser> users)
    {
        var user = await users.FindByIdAsync(current.Id.ToString());
        return user is null
            ? ApiProblems.NotFound("Your user")
            : TypedResults.Ok(new MeResponse(user.Id, user.Email ?? "", user.DisplayName, user.IsAdmin));
    }

    /// <summary>
    /// Changes the caller's password. Identity renews the security stamp, so every session's refresh token (this one's
    /// too) is refused afterwards; the caller signs in again with the new password.
    /// </summary>
    internal static async Task<Results<NoContent, ProblemHttpResult>> ChangePassword(ChangePasswordRequest request, CurrentUser current,
        UserManager<AppUser> users, SignInThrottle throttle)
    {
        if (current.ViaApiToken)
        {
            return ApiProblems.Forbidden("change a password with an API token (sign in instead)");
        }
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.CurrentPassword))
        {
            errors["currentPassword"] = ["Your current password is required."];
        }
        if (string.IsNullOrEmpty(request.NewPassword))
        {
            errors["newPassword"] = ["A new password is required."];
        }
        if (errors.Count > 0)
        {
            return UserEndpoints.Invalid(errors);
        }
        var user = await users.FindByIdAsync(current.Id.ToString());
        if (user is null)
        {
            return ApiProblems.NotFound("Your user");
        }
        // Checking the current password is a password guess like a sign-in (say, by someone holding a stolen session):
        // it counts against the account's sign-in allowance.
        if (!throttle.TryAcquireForAccount(user.Email ?? user.Id.ToString()))
        {
            return SignInThrottle.TooMany();
        }
        var result = await users.ChangePasswordAsync(user, request.CurrentPassword, request.NewPassword);
        if (!result.Succeeded)
        {
            return UserEndpoints.Invalid(result.Errors
                .GroupBy(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch) ? "currentPassword" : "newPassword")
                .ToDictionary(g => g.Key, g => g.Key == "currentPassword"
                    ? ["The current password is wrong."]
                    : g.Select(e => e.Description).ToArray()));
        }
        return TypedResults.NoContent();
    }

    private static AuthenticationTicket? ReadRefreshToken(string? token, IOptionsMonitor<BearerTokenOptions> bearerOptions, TimeProvider clock)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        var ticket = bearerOptions.Get(IdentityConstants.BearerScheme).RefreshTokenProtector.Unprotect(token);
        return ticket?.Properties.ExpiresUtc is { } expires && clock.GetUtcNow() < expires ? ticket : null;
    }

    /// <summary>Tokens from before sessions were named carry none; they are refused, so those people sign in once more.</summary>
    private static Guid? SessionOf(ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(GradingClaims.SessionId), out var id) ? id : null;

    private static void VerifyDummy(UserManager<AppUser> users, string password)
    {
        var (user, hash) = s_dummy.Value;
        users.PasswordHasher.VerifyHashedPassword(user, hash, password);
    }
}
