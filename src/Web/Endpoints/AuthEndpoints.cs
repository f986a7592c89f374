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

    private static async Task<IResult> SignOutAsync(HttpContext context)
    {
        await context.SignOutAsync(Session.Scheme);
        return TypedResults.Redirect("/signin");
    }
}
