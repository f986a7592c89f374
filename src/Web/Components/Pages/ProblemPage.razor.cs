using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

public sealed partial class ProblemPage
{
    private ProblemResponse? _problem;
    private ProjectResponse? _project;
    private SolutionPageResponse? _solutions;
    private ApiProblem? _loadProblem;

    [Parameter]
    public Guid ProblemId { get; set; }

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [Inject]
    private PortalApi Api { get; set; } = default!;

    private IReadOnlyList<Crumb> Trail => [new Crumb(_project!.Name, $"/projects/{_project.Id}"), new Crumb(_problem!.Title)];

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
        if (!project.Ok)
        {
            _loadProblem = project.Problem;
            return;
        }
        _problem = problem.Data;
        _project = project.Data;
        var page = await Api.ListSolutionsAsync(ProblemId, null);
        _solutions = page.Ok ? page.Data : null;
    }
}
