using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Fragments;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

public sealed partial class ImportStatusPage
{
    private Dictionary<string, object?>? _status;
    private ImportResponse? _import;
    private ApiProblem? _loadProblem;
    private string? _projectName;

    [Parameter]
    public Guid ImportId { get; set; }

    [SupplyParameterFromQuery(Name = "offset")]
    public int? Offset { get; set; }

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [Inject]
    private PortalApi Api { get; set; } = default!;

    [Inject]
    private ImportApi Imports { get; set; } = default!;

    private IReadOnlyList<Crumb> Trail =>
    [
        new Crumb(_projectName ?? "Project", $"/projects/{_import!.ProjectId}"),
        new Crumb("Import", $"/projects/{_import.ProjectId}/import"),
        new Crumb(_import.FileName),
    ];

    protected override async Task OnInitializedAsync()
    {
        var found = await Imports.GetImportAsync(ImportId);
        if (!found.Ok)
        {
            _loadProblem = found.Problem;
            HttpContext.Response.StatusCode = (int)found.Problem!.Status;
            return;
        }
        var project = await Api.GetProjectAsync(found.Data.ProjectId);
        _projectName = project.Ok ? project.Data.Name : null;
        _status = await ImportStatus.LoadAsync(Imports, ImportId, Offset ?? 0, HttpContext.RequestAborted);
        _import = _status?[nameof(ImportStatus.Import)] as ImportResponse;
    }
}
