using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

public sealed partial class SolutionNew
{
    private ProblemResponse? _problem;
    private ProjectResponse? _project;
    private ApiProblem? _loadProblem;
    private ApiProblem? _saveProblem;

    [Parameter]
    public Guid ProblemId { get; set; }

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm(FormName = "solution")]
    public SolutionForm? Form { get; set; }

    [Inject]
    private PortalApi Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private IReadOnlyList<Crumb> Trail =>
    [
        new Crumb(_project!.Name, $"/projects/{_project.Id}"),
        new Crumb(_problem!.Title, $"/problems/{_problem.Id}"),
        new Crumb("Add solution"),
    ];

    protected override async Task OnInitializedAsync()
    {
        var problem = await Api.GetProblemAsync(ProblemId);
        if (!problem.Ok)
        {
            _loadProblem = problem.Problem;
            HttpContext.Response.StatusCode = (int)problem.Problem!.Status;
            return;
        }
        var project = await Api.GetProjectAsync(problem.Data.ProjectId);
        _problem = problem.Data;
        _project = project.Ok ? project.Data : null;
        _loadProblem = project.Problem;
    }

    private async Task SaveAsync()
    {
        var form = Form ?? new SolutionForm();
        var created = await Api.CreateSolutionAsync(ProblemId, new CreateSolutionRequest(FormText.Lines(form.Text) ?? "",
            string.IsNullOrWhiteSpace(form.Author) ? null : form.Author.Trim(), string.IsNullOrWhiteSpace(form.ExternalId) ? null : form.ExternalId.Trim()));
        if (!created.Ok)
        {
            _saveProblem = created.Problem;
            return;
        }
        Navigation.NavigateTo($"/solutions/{created.Data.Id}");
    }
}
