using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Layout;

/// <summary>The drawer's links: projects, the current project's pages, tokens, and the admin pages for site admins.</summary>
public sealed partial class NavMenu : IDisposable
{
    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    /// <summary>Shows the Admin group (users, model profiles, jobs).</summary>
    [Parameter]
    public bool IsAdmin { get; set; }

    /// <summary>The Api's job dashboard.</summary>
    [Parameter]
    public string JobsUrl { get; set; } = "";

    private Guid? ProjectId { get; set; }

    protected override void OnInitialized()
    {
        Navigation.LocationChanged += OnLocationChanged;
        ProjectId = ProjectOf(Navigation.Uri);
    }

    private void OnLocationChanged(object? sender, Microsoft.AspNetCore.Components.Routing.LocationChangedEventArgs e)
    {
        ProjectId = ProjectOf(e.Location);
        _ = InvokeAsync(StateHasChanged);
    }

    /// <summary>The project of a <c>/projects/{id}...</c> address, so its pages are one click away.</summary>
    internal static Guid? ProjectOf(string uri)
    {
        var segments = new Uri(uri).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments is ["projects", var id, ..] && Guid.TryParse(id, out var projectId) ? projectId : null;
    }

    public void Dispose() => Navigation.LocationChanged -= OnLocationChanged;
}
