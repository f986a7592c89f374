using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Auth;

/// <summary>Where a page goes when its sign-in ended: one address for the circuit's layout and a page's prerender.</summary>
public static class SignInRedirect
{
    /// <summary>
    /// The sign-in page; after an expiry it says so and comes back to the current page. Load it in full: the cookie of
    /// the ended sign-in is refused and removed on that request.
    /// </summary>
    public static string For(SessionEnd reason, NavigationManager navigation) => reason == SessionEnd.SignedOut
        ? "/signin"
        : "/signin?expired=1&returnUrl=" + Uri.EscapeDataString("/" + navigation.ToBaseRelativePath(navigation.Uri));
}
