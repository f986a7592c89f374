using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

public sealed partial class ImportPage
{
    /// <summary>The formats Api reads (docs/import-format.md), each with what it expects.</summary>
    private static readonly (string Value, string Label, string Hint)[] Formats =
    [
        ("jsonl", "GradingPortal JSON Lines", "one problem, solution or grade per line, as the export writes them."),
        ("csv", "CSV", "one solution or human grade per row, with a header row."),
        ("imo-proofbench", "IMO-ProofBench", "the benchmark's CSV of problems, model proofs and expert grades."),
        ("imo-gradingbench", "IMO-GradingBench", "the benchmark's CSV of problems, references, guidelines, responses and expert points."),
        ("matharena", "MathArena (.zip)", "a competition folder with problems, model answers and judge grades, zipped."),
        ("opc", "Open Proof Corpus (.zip or .json)", "a folder of the corpus's .json files, zipped, or a single one."),
    ];

    private ProjectResponse? _project;
    private ApiProblem? _loadProblem;
    private IReadOnlyList<ImportResponse> _imports = [];
    private ApiProblem? _importsProblem;
    private Guid? _olderBefore;

    [Parameter]
    public Guid ProjectId { get; set; }

    private IReadOnlyList<Crumb> Trail => [new Crumb(_project!.Name, $"/projects/{_project.Id}"), new Crumb("Import")];

    [SupplyParameterFromQuery(Name = "format")]
    public string? FormatQuery { get; set; }

    /// <summary>Why the last upload was refused (a form sent without JavaScript comes back here with it).</summary>
    [SupplyParameterFromQuery(Name = "error")]
    public string? Error { get; set; }

    [SupplyParameterFromQuery(Name = "before")]
    public Guid? Before { get; set; }

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [Inject]
    private PortalApi Api { get; set; } = default!;

    [Inject]
    private ImportApi Imports { get; set; } = default!;

    private string SelectedFormat => Formats.Any(f => f.Value == FormatQuery) ? FormatQuery! : "jsonl";

    protected override async Task OnInitializedAsync()
    {
        var projectResult = await Api.GetProjectAsync(ProjectId);
        if (!projectResult.Ok)
        {
            _loadProblem = projectResult.Problem;
            HttpContext.Response.StatusCode = (int)projectResult.Problem!.Status;
            return;
        }
        _project = projectResult.Data;
        if (!Format.CanEditContent(_project.MyRole))
        {
            return;
        }
        var list = await Imports.ListImportsAsync(ProjectId, Before, 25);
        _importsProblem = list.Problem;
        if (list.Ok)
        {
            _imports = list.Data.Items;
            _olderBefore = list.Data.Next is not null && _imports.Count > 0 ? _imports[^1].Id : null;
        }
    }
}
