using GradingPortal.Web.Api;
using GradingPortal.Web.Auth;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

/// <summary>Where a grader reads a proof, marks errors, grades, and (Adjudicators) sets the final grade.</summary>
public sealed partial class SolutionPage
{
    private SolutionResponse? _solution;
    private ProjectResponse? _project;
    private ApiProblem? _loadProblem;
    private Guid? _userId;
    private IReadOnlyList<ModelGradeResponse> _modelGrades = [];

    [Parameter]
    public Guid SolutionId { get; set; }

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [Inject]
    private PortalApi Api { get; set; } = default!;

    private string Title => _solution is null
        ? "Solution"
        : string.IsNullOrEmpty(_solution.ExternalId) ? $"Solution {_solution.Id.ToString()[..8]}" : $"Solution {_solution.ExternalId}";

    private IReadOnlyList<ErrorTypeResponse> ErrorTypes => _project?.ErrorTypes ?? [];

    private IReadOnlyList<Crumb> Trail =>
    [
        new Crumb(_project?.Name ?? "Project", $"/projects/{_solution!.ProjectId}"),
        new Crumb(_solution.Problem.Title, $"/problems/{_solution.ProblemId}"),
        new Crumb(Title),
    ];

    private static string Link(Guid? solutionId) => solutionId is { } id ? $"/solutions/{id}" : "#";

    protected override async Task OnInitializedAsync()
    {
        _userId = Session.From(HttpContext.User)?.UserId;
        // The model grades depend only on the solution id: ask for them alongside the solution, not after it.
        var gradesTask = Api.ListModelGradesAsync(SolutionId);
        var solution = await Api.GetSolutionAsync(SolutionId);
        if (!solution.Ok)
        {
            await gradesTask;
            _loadProblem = solution.Problem;
            HttpContext.Response.StatusCode = (int)solution.Problem!.Status;
            return;
        }
        _solution = solution.Data;
        var project = await Api.GetProjectAsync(solution.Data.ProjectId);
        _project = project.Ok ? project.Data : null;
        var grades = await gradesTask;
        _modelGrades = grades.Ok ? grades.Data : [];
    }

    private IReadOnlyList<ModelFindingResponse> ModelFindings => [.. _modelGrades.SelectMany(g => g.Findings)];
}
