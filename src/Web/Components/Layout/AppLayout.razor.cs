using GradingPortal.Web.Auth;
using GradingPortal.Web.Endpoints;
using GradingPortal.Web.Hosting;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage;
using Microsoft.AspNetCore.Components.Web;

namespace GradingPortal.Web.Components.Layout;

/// <summary>
/// The layout of converted (interactive) pages: app bar, navigation drawer, theme. It also watches the circuit's sign-in:
/// when it ends (signed out in any tab, or refused by the Api) the page is left for the sign-in page at once.
/// </summary>
public sealed partial class AppLayout
{
    private Session? _user;
    private bool _dark;
    private ErrorBoundary? _errors;

    [Inject]
    private CircuitSession Circuit { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private ProtectedLocalStorage Storage { get; set; } = default!;

    /// <summary>The Web's way into the Api's job dashboard (site admins only; the Api checks that again).</summary>
    private static string JobsUrl => JobsDashboardEndpoints.Path;

    // Per person (several people may share a browser), kept in the browser encrypted with data protection.
    private string ThemeKey => $"gp.theme.{_user?.UserId}";

    protected override async Task OnInitializedAsync()
    {
        Circuit.Ended += OnSessionEnded;
        _user = await Circuit.StartAsync();
        if (_user is null)
        {
            LeaveForSignIn(SessionEnd.Expired);
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender || _user is null)
        {
            return;
        }
        var stored = await Storage.GetAsync<bool>(ThemeKey);
        if (stored.Success && stored.Value != _dark)
        {
            _dark = stored.Value;
            StateHasChanged();
        }
    }

    protected override void OnParametersSet() => _errors?.Recover();

    private async Task ToggleThemeAsync()
    {
        _dark = !_dark;
        await Storage.SetAsync(ThemeKey, _dark);
    }

    private Task SignOutAsync() => Circuit.SignOutAsync(CancellationToken.None);

    private void OnSessionEnded(SessionEnd reason) => _ = InvokeAsync(() => LeaveForSignIn(reason));

    // A full load: the cookie of the ended sign-in is refused and removed on that request.
    private void LeaveForSignIn(SessionEnd reason) => Navigation.NavigateTo(SignInRedirect.For(reason, Navigation), forceLoad: true);

    public void Dispose() => Circuit.Ended -= OnSessionEnded;
}
