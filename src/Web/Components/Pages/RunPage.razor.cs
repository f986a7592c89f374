using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

/// <summary>One grading run, followed live through server-sent events.</summary>
public sealed partial class RunPage
{
    private GradingRunResponse? _run;
    private ProjectResponse? _project;
    private ApiProblem? _loadProblem;

    [Parameter]
    public Guid RunId { get; set; }

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [Inject]
    private PortalApi Api { get; set; } = default!;

    private bool CanControl => Format.CanEditContent(_project?.MyRole);

    private IReadOnlyList<Crumb> Trail =>
    [
        new Crumb(_project?.Name ?? "Project", $"/projects/{_run!.ProjectId}"),
        new Crumb("Grading runs", $"/projects/{_run.ProjectId}/runs"),
        new Crumb($"Run {_run.Id.ToString()[..8]}"),
    ];

    protected override async Task OnInitializedAsync()
    {
        var run = await Api.GetRunAsync(RunId);
        if (!run.Ok)
        {
            _loadProblem = run.Problem;
            HttpContext.Response.StatusCode = (int)run.Problem!.Status;
            return;
        }
        _run = run.Data;
        var project = await Api.GetProjectAsync(run.Data.ProjectId);
        _project = project.Ok ? project.Data : null;
    }
}
