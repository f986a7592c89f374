using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

public sealed partial class ExportPage
{
    private static readonly string[] EvidenceLevels = ["none", "modelOnly", "oneHuman", "twoHumans", "adjudicated"];

    private static readonly (string Value, string Label)[] FormatChoices = [("jsonl", "JSON Lines"), ("csv", "CSV")];

    private static readonly (string Value, string Label)[] FlavorChoices = [("records", "Solution"), ("pairs", "Model grade (pairs)")];

    private ProjectResponse? _project;
    private ApiProblem? _loadProblem;
    private IReadOnlyList<ProblemSummaryResponse> _problems = [];

    [Parameter]
    public Guid ProjectId { get; set; }

    private IReadOnlyList<Crumb> Trail => [new Crumb(_project!.Name, $"/projects/{_project.Id}"), new Crumb("Export")];

    // A refused download comes back here with its choices, so nothing has to be chosen again.
    [SupplyParameterFromQuery(Name = "problemIds")]
    public string[]? ProblemIds { get; set; }

    [SupplyParameterFromQuery(Name = "evidence")]
    public string[]? Evidence { get; set; }

    [SupplyParameterFromQuery(Name = "updatedSince")]
    public string? UpdatedSince { get; set; }

    [SupplyParameterFromQuery(Name = "format")]
    public string? FormatQuery { get; set; }

    [SupplyParameterFromQuery(Name = "flavor")]
    public string? FlavorQuery { get; set; }

    [SupplyParameterFromQuery(Name = "error")]
    public string? Error { get; set; }

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [Inject]
    private PortalApi Api { get; set; } = default!;

    private string ChosenFormat => FormatQuery == "csv" ? "csv" : "jsonl";

    private string ChosenFlavor => FlavorQuery == "pairs" ? "pairs" : "records";

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
        var problems = await Api.ListProblemsAsync(ProjectId);
        _problems = problems.Ok ? problems.Data : [];
    }

    private static bool IsChosen(string[]? chosen, string value) =>
        chosen is not null && chosen.Any(c => string.Equals(c, value, StringComparison.OrdinalIgnoreCase));
}
