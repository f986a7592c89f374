using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Runs;

/// <summary>A project's grading runs, and (Adjudicators and Admins) the form that starts one with its live estimate.</summary>
public sealed partial class RunListPage
{
    private const string AnyValue = RunListView.Any;

    private ProjectResponse? _project;
    private Guid _loadedProjectId;
    private MudDataGrid<GradingRunSummaryResponse>? _grid;
    private IReadOnlyList<WorkflowResponse> _workflows = [];
    private readonly AddressedView<RunListView> _view = new(RunListView.Default);

    /// <summary>Whether the view has been read from the address (which needs the project's workflows first).</summary>
    private bool _viewRead;
    private ApiError? _listError;
    private IReadOnlyList<ProblemSummaryResponse> _problems = [];
    private GradingRunOptionsResponse? _options;
    private ApiError? _loadError;
    private bool _isSiteAdmin;

    [Parameter]
    public Guid ProjectId { get; set; }

    /// <summary>Started from a problem page: only that problem is ticked.</summary>
    [SupplyParameterFromQuery(Name = "problem")]
    public Guid? ProblemId { get; set; }

    // The grid's view comes from the address as text: a hand-edited value that does not parse falls back instead of
    // failing the page.
    [SupplyParameterFromQuery(Name = "status")]
    public string? QueryStatus { get; set; }

    [SupplyParameterFromQuery(Name = "workflow")]
    public string? QueryWorkflow { get; set; }

    [SupplyParameterFromQuery(Name = "sort")]
    public string? QuerySort { get; set; }

    [SupplyParameterFromQuery(Name = "page")]
    public string? QueryPage { get; set; }

    [SupplyParameterFromQuery(Name = "pageSize")]
    public string? QueryPageSize { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private bool CanStart => Format.CanEditContent(_project?.MyRole);

    private List<BreadcrumbItem> Trail =>
    [
        new(_project?.Name ?? "Project", $"/projects/{ProjectId}"),
        new("Grading runs", null, disabled: true),
    ];

    protected override async Task OnParametersSetAsync()
    {
        // The grid writes its view into the address, which sets the parameters again: the project is read once.
        if (_loadedProjectId != ProjectId || _project is null)
        {
            _loadError = await ApiCall.TryAsync(async () =>
            {
                _project = await Api.GetProjectAsync(ProjectId, CancellationToken.None);
                // Everyone gets the workflows (for the filter); only those who may start a run get profiles with them.
                _options = await Api.GetGradingRunOptionsAsync(ProjectId, CancellationToken.None);
                _workflows = _options.Workflows;
                if (CanStart)
                {
                    _problems = (await Api.ListProblemsAsync(ProjectId, CancellationToken.None)).ToList();
                    // Only needed to say who can add a profile when the project has none.
                    _isSiteAdmin = _options.Profiles.Count == 0 && (await Api.GetCurrentUserAsync(CancellationToken.None)).IsAdmin;
                }
                _loadedProjectId = ProjectId;
            });
        }
        var wanted = RunListView.FromQuery(QueryStatus, QueryWorkflow, QuerySort, QueryPage, QueryPageSize, _workflows.Select(w => w.Name));
        _view.Arrive(wanted);
        _viewRead = true;
    }

    private bool Filtered => _view.Current.Status != AnyValue || _view.Current.Workflow != AnyValue;

    /// <summary>One page from the Api, in the grid's order and with the chosen filters; the view goes into the address.</summary>
    private async Task<GridData<GradingRunSummaryResponse>> LoadRunsAsync(GridState<GradingRunSummaryResponse> state, CancellationToken ct)
    {
        var view = _view.Current = _view.Current with { Paging = GridPaging.Of(RunListView.Sorts, state) };
        (var page, _listError) = await ApiCall.TryAsync(() => Api.ListGradingRunsAsync(ProjectId, view.Paging.Sort, RunListView.Filter(view.Status),
            RunListView.Filter(view.Workflow), GridPaging.ApiNumber(view.Paging.Page + 1), GridPaging.ApiNumber(view.Paging.PageSize), ct));
        if (page is null)
        {
            // The grid re-renders itself only; the page shows the error under it.
            StateHasChanged();
            return new GridData<GradingRunSummaryResponse> { Items = [], TotalItems = 0 };
        }
        return _view.Answer(Navigation, view, view.Paging.Page, page.Items, page.Total,
            () => view with { Paging = view.Paging with { Page = 0 } }, StateHasChanged);
    }

    private async Task StatusChangedAsync(string value)
    {
        _view.Current = _view.Current with { Status = value ?? AnyValue };
        await FirstPageAsync();
    }

    private async Task WorkflowChangedAsync(string value)
    {
        _view.Current = _view.Current with { Workflow = value ?? AnyValue };
        await FirstPageAsync();
    }

    /// <summary>A new filter starts on its first page; moving there loads it.</summary>
    private Task FirstPageAsync() => GridReload.FromFirstPageAsync(_grid);

    /// <summary>How a column starts out sorted: as the address says (for the header's arrow and the first request).</summary>
    private SortDirection InitialDirection(string column) => RunListView.Sorts.DirectionOf(_view.Current.Paging.Sort, column);
}
