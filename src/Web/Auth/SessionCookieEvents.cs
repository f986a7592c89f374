using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace GradingPortal.Web.Auth;

/// <summary>
/// Keeps the Api session inside the cookie fresh: before a request runs, an access token close to expiry is refreshed
/// and the cookie re-issued; a refused refresh ends the session (the person is sent to sign in).
/// </summary>
public sealed class SessionCookieEvents(SessionRenewer renewer, SessionRegistry registry, TimeProvider time) : CookieAuthenticationEvents
{
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        var session = Session.From(context.Principal);
        if (session is null || registry.IsEnded(session.SessionId))
        {
            // An ended sign-in (signed out in another tab, or refused by the Api in a circuit) never comes back with its cookie.
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Session.Scheme);
            return;
        }
        if (registry.Latest(session) is var latest && latest != session)
        {
            // A circuit renewed this sign-in's tokens meanwhile: take them instead of renewing again.
            session = latest;
            context.ReplacePrincipal(session.ToPrincipal());
            context.ShouldRenew = true;
        }
        if (!session.NeedsRenewal(time.GetUtcNow()))
        {
            return;
        }
        var (outcome, renewed) = await renewer.RenewAsync(session, context.HttpContext.RequestAborted);
        switch (outcome)
        {
            case TokenOutcome.Issued:
                context.ReplacePrincipal(renewed!.ToPrincipal());
                context.ShouldRenew = true;
                break;
            case TokenOutcome.Refused:
                registry.End(session.SessionId, SessionEnd.Expired);
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(Session.Scheme);
                break;
            case TokenOutcome.Unavailable:
                // Api is down: keep the session; the page reports the outage when its own call fails.
                break;
        }
    }
}
