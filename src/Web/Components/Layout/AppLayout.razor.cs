using GradingPortal.Web.Auth;
using GradingPortal.Web.Components.Ui;
using GradingPortal.Web.Endpoints;
using GradingPortal.Web.Hosting;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace GradingPortal.Web.Components.Layout;

/// <summary>
/// The layout of converted (interactive) pages: app bar, navigation drawer, theme. The theme's mode and sign-out belong to
/// the browser (layout.js and a form POST), not to circuit events, so they work before the circuit starts. It also watches
/// the circuit's sign-in: when it ends (signed out in any tab, or refused by the Api) the page is left for the sign-in
/// page at once.
/// </summary>
public sealed partial class AppLayout
{
    private Session? _user;
    private string? _themeCookie;
    private ErrorBoundary? _errors;

    [Inject]
    private CircuitSession Circuit { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    /// <summary>The Web's way into the Api's job dashboard (site admins only; the Api checks that again).</summary>
    private static string JobsUrl => JobsDashboardEndpoints.Path;

    protected override async Task OnInitializedAsync()
    {
        Circuit.Ended += OnSessionEnded;
        _user = await Circuit.StartAsync();
        if (_user is null)
        {
            LeaveForSignIn(SessionEnd.Expired);
            return;
        }
        _themeCookie = ThemeStyles.CookieName(_user.UserId);
    }

    protected override void OnParametersSet() => _errors?.Recover();

    private void OnSessionEnded(SessionEnd reason) => _ = InvokeAsync(() => LeaveForSignIn(reason));

    // A full load: the cookie of the ended sign-in is refused and removed on that request.
    private void LeaveForSignIn(SessionEnd reason) => Navigation.NavigateTo(SignInRedirect.For(reason, Navigation), forceLoad: true);

    public void Dispose() => Circuit.Ended -= OnSessionEnded;
}
