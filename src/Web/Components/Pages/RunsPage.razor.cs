using GradingPortal.Web.Api;
using GradingPortal.Web.Auth;
using GradingPortal.Web.Components.Runs;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

/// <summary>A project's grading runs, and (Adjudicators and Admins) the form that starts one, with its estimate.</summary>
public sealed partial class RunsPage
{
    private ProjectResponse? _project;
    private IReadOnlyList<GradingRunSummaryResponse> _runs = [];
    private IReadOnlyList<ProblemSummaryResponse> _problems = [];
    private GradingRunOptionsResponse? _options;
    private ApiProblem? _loadProblem;
    private ApiProblem? _startProblem;
    private IFormCollection? _posted;

    [Parameter]
    public Guid ProjectId { get; set; }

    /// <summary>Started from a problem page: only that problem is ticked.</summary>
    [SupplyParameterFromQuery(Name = "problem")]
    public Guid? ProblemId { get; set; }

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [Inject]
    private PortalApi Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private IReadOnlyList<Crumb> Trail => [new Crumb(_project!.Name, $"/projects/{_project.Id}"), new Crumb("Grading runs")];

    private bool CanStart => Format.CanEditContent(_project?.MyRole);

    private bool IsSiteAdmin => Session.From(HttpContext.User)?.IsAdmin == true;

    protected override async Task OnInitializedAsync()
    {
        var project = await Api.GetProjectAsync(ProjectId);
        if (!project.Ok)
        {
            _loadProblem = project.Problem;
            HttpContext.Response.StatusCode = (int)project.Problem!.Status;
            return;
        }
        _project = project.Data;
        var runs = await Api.ListRunsAsync(ProjectId);
        _runs = runs.Ok ? runs.Data : [];
        if (CanStart)
        {
            var problems = await Api.ListProblemsAsync(ProjectId);
            _problems = problems.Ok ? problems.Data : [];
            var options = await Api.GetRunOptionsAsync(ProjectId);
            _options = options.Ok ? options.Data : null;
        }
        if (HttpMethods.IsPost(HttpContext.Request.Method) && HttpContext.Request.HasFormContentType)
        {
            _posted = HttpContext.Request.Form;
        }
    }

    private async Task StartAsync()
    {
        var request = RunFormReader.Read(HttpContext.Request.Form, ProjectId, _options);
        var started = await Api.StartRunAsync(request);
        if (!started.Ok)
        {
            _startProblem = started.Problem;
            return;
        }
        Navigation.NavigateTo($"/runs/{started.Data.Id}");
    }

    private string? Posted(string field, string? fallback) =>
        _posted is { } form && form.ContainsKey(field) ? form[field].FirstOrDefault() : _posted is null ? fallback : field is "requireRubricApproval" ? null : fallback;

    private bool IsSelected(Guid problemId) =>
        _posted is { } form ? form["problemIds"].Contains(problemId.ToString()) : ProblemId is not { } only || only == problemId;
}
