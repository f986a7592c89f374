using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Projects;

/// <summary>A project: its problems with grading progress, and for its Admins the settings and the members.</summary>
public sealed partial class ProjectPage
{
    private ProjectResponse? _project;
    private MudDataGrid<ProblemSummaryResponse>? _grid;
    private ApiError? _loadError;
    private bool _isSiteAdmin;
    private Guid _loadedProjectId;
    private readonly AddressedView<ProblemListView> _view = new(ProblemListView.Default);

    /// <summary>What the search box shows, as typed; the view keeps it trimmed.</summary>
    private string _searchText = "";

    [Parameter]
    public Guid ProjectId { get; set; }

    // The problems grid's view, as text so that a hand-edited value falls back instead of failing the page.
    [SupplyParameterFromQuery(Name = "q")]
    public string? QuerySearch { get; set; }

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

    private string ProblemSummary => _project is null
        ? ""
        : $"{Format.Count(_project.ProblemCount, "problem")} · {Format.Count(_project.SolutionCount, "solution")}";

    protected override async Task OnParametersSetAsync()
    {
        var wanted = ProblemListView.FromQuery(QuerySearch, QuerySort, QueryPage, QueryPageSize);
        // Another project's page in the same circuit lists other problems: its grid starts afresh even in the same view.
        if (_loadedProjectId != ProjectId)
        {
            _view.StartOver(wanted);
            _searchText = wanted.Search;
        }
        else if (_view.Arrive(wanted))
        {
            _searchText = wanted.Search;
        }
        // The grid writes its view into the address, which sets the parameters again: the project is read once (again
        // only after an error, which took the grid's place).
        if (_loadedProjectId == ProjectId && _project is not null && _loadError is null)
        {
            return;
        }
        _loadError = await ApiCall.TryAsync(async () =>
        {
            _project = await Api.GetProjectAsync(ProjectId, CancellationToken.None);
            // Site admins pick new members from every account; others type an exact email.
            _isSiteAdmin = Format.CanManage(_project.MyRole) && (await Api.GetCurrentUserAsync(CancellationToken.None)).IsAdmin;
            _loadedProjectId = ProjectId;
        });
    }

    private void OnSettingsSaved(ProjectResponse project) => _project = project;

    /// <summary>One page from the Api, in the grid's order and filtered by the search box; the view goes into the address.</summary>
    private async Task<GridData<ProblemSummaryResponse>> LoadProblemsAsync(GridState<ProblemSummaryResponse> state, CancellationToken ct)
    {
        var view = _view.Current = _view.Current with { Paging = GridPaging.Of(ProblemListView.Sorts, state) };
        (var page, var error) = await ApiCall.TryAsync(() => Api.ListProblemsPageAsync(ProjectId,
            search: Format.Blank(view.Search), sort: view.Paging.Sort, page: GridPaging.ApiNumber(view.Paging.Page + 1),
            pageSize: GridPaging.ApiNumber(view.Paging.PageSize), cancellationToken: ct));
        if (page is null)
        {
            _loadError = error;
            // The grid re-renders itself only; the page shows the error in its place.
            StateHasChanged();
            return new GridData<ProblemSummaryResponse> { Items = [], TotalItems = 0 };
        }
        return _view.Answer(Navigation, view, view.Paging.Page, page.Items, page.Total,
            () => view with { Paging = view.Paging with { Page = 0 } }, StateHasChanged);
    }

    private async Task SearchAsync(string? text)
    {
        _searchText = text ?? "";
        _view.Current = _view.Current with { Search = _searchText.Trim() };
        await GridReload.FromFirstPageAsync(_grid);
    }

    /// <summary>How a column starts out sorted: as the address says (for the header's arrow and the first request).</summary>
    private SortDirection InitialDirection(string column) => ProblemListView.Sorts.DirectionOf(_view.Current.Paging.Sort, column);

    private static double GradedShare(ProblemCounts counts) => counts.Solutions == 0 ? 0 : (double)counts.Graded / counts.Solutions;
}
