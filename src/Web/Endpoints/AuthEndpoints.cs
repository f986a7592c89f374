using GradingPortal.Web.Auth;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;

namespace GradingPortal.Web.Endpoints;

/// <summary>Sign-out (sign-in is the <c>/signin</c> page, which needs to render its form and errors).</summary>
public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/signout", (Delegate)SignOutAsync).WithMetadata(new RequireAntiforgeryTokenAttribute()).AllowAnonymous();
        return app;
    }

    /// <summary>
    /// Ends the session at the Api first (its refresh token is refused from then on), then drops the cookie. Dropping
    /// only the cookie would leave a copied cookie's refresh token usable for two weeks.
    /// </summary>
    private static async Task<IResult> SignOutAsync(HttpContext context, AuthApi authApi, SessionRegistry registry)
    {
        if (Session.From(context.User) is { } session)
        {
            await authApi.LogoutAsync(session.RefreshToken, context.RequestAborted);
            // Open circuits of this sign-in (other tabs on converted pages) leave too.
            registry.End(session.SessionId, SessionEnd.SignedOut);
        }
        await context.SignOutAsync(Session.Scheme);
        return TypedResults.Redirect("/signin");
    }
}
