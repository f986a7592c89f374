using GradingPortal.Web.Auth;
using Microsoft.AspNetCore.Authentication;

namespace GradingPortal.Web.Hosting;

/// <summary>
/// Ends the cookie session when an Api call found the person's Api session over (refresh refused), and sends them to
/// sign in again, coming back to the page afterwards.
/// </summary>
public sealed class SessionExpiryMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (IsSessionExpired(ex) && !context.Response.HasStarted)
        {
            // Clear first: it would also drop the cookie-deleting header that signing out adds.
            context.Response.Clear();
            await context.SignOutAsync(Session.Scheme);
            var returnUrl = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
            var target = "/signin?expired=1&returnUrl=" + Uri.EscapeDataString(returnUrl);
            context.Response.Redirect(target);
        }
    }

    private static bool IsSessionExpired(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is SessionExpiredException)
            {
                return true;
            }
            if (ex is AggregateException aggregate && aggregate.InnerExceptions.Any(IsSessionExpired))
            {
                return true;
            }
        }
        return false;
    }
}
