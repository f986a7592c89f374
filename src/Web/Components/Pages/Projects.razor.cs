using GradingPortal.Web.Api;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

public sealed partial class Projects
{
    private IReadOnlyList<ProjectResponse> _projects = [];
    private ApiProblem? _loadProblem;
    private ApiProblem? _createProblem;

    [SupplyParameterFromForm(FormName = "create-project")]
    public ProjectForm? Form { get; set; }

    [Inject]
    private PortalApi Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        var result = await Api.ListProjectsAsync();
        _projects = result.Ok ? result.Data.OrderBy(p => p.Name, StringComparer.CurrentCultureIgnoreCase).ToList() : [];
        _loadProblem = result.Problem;
    }

    private async Task CreateAsync()
    {
        var form = Form ?? new ProjectForm();
        var result = await Api.CreateProjectAsync(new CreateProjectRequest(form.Name?.Trim() ?? "", form.Description?.Trim(), form.MaxPoints,
            false, form.BlindGrading, form.HideAuthors, null));
        if (!result.Ok)
        {
            _createProblem = result.Problem;
            return;
        }
        Navigation.NavigateTo($"/projects/{result.Data.Id}");
    }
}
