using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;

namespace GradingPortal.Web.Components.Layout;

/// <summary>
/// The drawer's links: projects, the current project's pages, tokens, and the admin pages for site admins. The link of
/// the page shown is marked (class <c>active</c>, <c>aria-current="page"</c>) and follows navigation inside the circuit.
/// </summary>
public sealed partial class NavMenu : IDisposable
{
    private ProjectLinks? _project;
    private string _path = "/";

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    /// <summary>Shows the Admin group (users, model profiles, jobs).</summary>
    [Parameter]
    public bool IsAdmin { get; set; }

    /// <summary>The Api's job dashboard.</summary>
    [Parameter]
    public string JobsUrl { get; set; } = "";

    protected override void OnInitialized()
    {
        Navigation.LocationChanged += OnLocationChanged;
        Follow(Navigation.Uri);
    }

    private void OnLocationChanged(object? sender, LocationChangedEventArgs e)
    {
        Follow(e.Location);
        _ = InvokeAsync(StateHasChanged);
    }

    private void Follow(string uri)
    {
        _path = new Uri(uri).AbsolutePath;
        var projectId = ProjectOf(uri);
        if (projectId != _project?.Id)
        {
            _project = projectId is { } id ? new ProjectLinks(id) : null;
        }
    }

    private string? Current(string href, bool exact = false) => Matches(_path, href, exact) ? "page" : null;

    private string Css(string href, bool exact = false) => Matches(_path, href, exact) ? "mud-nav-link active" : "mud-nav-link";

    /// <summary>
    /// NavLink's rules on paths (query and fragment ignored): exact, or the link's path followed by nothing or by a further
    /// segment, so <c>/projects/1/run</c> does not mark <c>/projects/1/runs</c>.
    /// </summary>
    internal static bool Matches(string path, string href, bool exact)
    {
        var trimmedPath = path.Length > 1 ? path.TrimEnd('/') : path;
        var trimmedHref = href.Length > 1 ? href.TrimEnd('/') : href;
        if (string.Equals(trimmedPath, trimmedHref, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        return !exact && trimmedHref != "/" && trimmedPath.Length > trimmedHref.Length
            && trimmedPath.StartsWith(trimmedHref, StringComparison.OrdinalIgnoreCase) && trimmedPath[trimmedHref.Length] == '/';
    }

    /// <summary>The project of a <c>/projects/{id}...</c> address, so its pages are one click away.</summary>
    internal static Guid? ProjectOf(string uri)
    {
        var segments = new Uri(uri).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments is ["projects", var id, ..] && Guid.TryParse(id, out var projectId) ? projectId : null;
    }

    public void Dispose() => Navigation.LocationChanged -= OnLocationChanged;

    // Built once per project rather than on every render.
    private sealed class ProjectLinks(Guid id)
    {
        public Guid Id { get; } = id;
        public string Overview { get; } = $"/projects/{id}";
        public string Evaluation { get; } = $"/projects/{id}/evaluation";
        public string Audit { get; } = $"/projects/{id}/audit";
        public string Review { get; } = $"/projects/{id}/review";
        public string Runs { get; } = $"/projects/{id}/runs";
        public string Import { get; } = $"/projects/{id}/import";
        public string Export { get; } = $"/projects/{id}/export";
    }
}
