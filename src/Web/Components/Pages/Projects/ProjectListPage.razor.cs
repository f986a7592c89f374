using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages.Projects;

/// <summary>The projects the signed-in person belongs to (all of them for site admins), and a form to create one.</summary>
public sealed partial class ProjectListPage
{
    private List<ProjectResponse>? _projects;
    private ApiError? _loadError;
    private string _search = "";

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _loadError = await ApiCall.TryAsync(async () =>
        {
            var projects = await Api.ListProjectsAsync(CancellationToken.None);
            _projects = projects.OrderBy(p => p.Name, StringComparer.CurrentCultureIgnoreCase).ToList();
        });
    }

    private bool Matches(ProjectResponse project) =>
        string.IsNullOrWhiteSpace(_search)
        || project.Name.Contains(_search, StringComparison.CurrentCultureIgnoreCase)
        || project.Description?.Contains(_search, StringComparison.CurrentCultureIgnoreCase) == true;

    private void OnCreated(ProjectResponse project) => Navigation.NavigateTo($"/projects/{project.Id}");
}
