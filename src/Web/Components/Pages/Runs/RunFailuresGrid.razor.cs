using System.Globalization;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Runs;

/// <summary>What the failures grid asks the Api for: a 1-based page, its size, and the Api's sort, status and search (null: none).</summary>
public sealed record RunFailureQuery(int Page, int PageSize, string? Sort, string? Status, string? Search);

/// <summary>
/// A run's failures, a page at a time. Its view (state, search, sort, page) lives in the page's address, so a reload or
/// a shared link shows the same items.
/// </summary>
public sealed partial class RunFailuresGrid
{
    private const string AnyValue = RunFailureView.Any;

    private MudDataGrid<RunFailureResponse>? _grid;
    private ApiError? _error;
    private readonly AddressedView<RunFailureView> _view = new(RunFailureView.Default);

    /// <summary>The search box's text as typed; the view holds it trimmed.</summary>
    private string _searchText = "";
    private (int Failed, int NeedsAttention) _shown = (-1, -1);

    /// <summary>How many items failed now; the grid reads its page again only when this or <see cref="NeedsAttention"/> changes.</summary>
    [Parameter]
    public int Failed { get; set; }

    [Parameter]
    public int NeedsAttention { get; set; }

    /// <summary>Fetches a page: the Api's <c>ListGradingRunFailures</c> for the run shown.</summary>
    [Parameter, EditorRequired]
    public Func<RunFailureQuery, CancellationToken, Task<RunFailurePageResponse>> LoadPage { get; set; } = default!;

    // Read as text so that a hand-edited value falls back instead of failing the page.
    [SupplyParameterFromQuery(Name = "status")]
    public string? QueryStatus { get; set; }

    [SupplyParameterFromQuery(Name = "q")]
    public string? QuerySearch { get; set; }

    [SupplyParameterFromQuery(Name = "sort")]
    public string? QuerySort { get; set; }

    [SupplyParameterFromQuery(Name = "page")]
    public string? QueryPage { get; set; }

    [SupplyParameterFromQuery(Name = "pageSize")]
    public string? QueryPageSize { get; set; }

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        var wanted = RunFailureView.FromQuery(QueryStatus, QuerySearch, QuerySort, QueryPage, QueryPageSize);
        if (_view.Arrive(wanted))
        {
            _searchText = wanted.Search;
            return;
        }
        // The run page hands over a fresh run every second while it runs; most seconds no failure came or went, and then
        // the grid keeps what it shows instead of asking the Api again.
        if (_grid is not null && _shown.Failed >= 0 && (Failed, NeedsAttention) != _shown)
        {
            await _grid.ReloadServerData();
        }
    }

    private async Task<GridData<RunFailureResponse>> LoadAsync(GridState<RunFailureResponse> state, CancellationToken ct)
    {
        _shown = (Failed, NeedsAttention);
        var view = _view.Current = _view.Current with { Paging = GridPaging.Of(RunFailureView.Sorts, state) };
        var query = new RunFailureQuery(view.Paging.Page + 1, view.Paging.PageSize, view.Paging.Sort, view.Status == AnyValue ? null : view.Status,
            Format.Blank(view.Search));
        (var page, _error) = await ApiCall.TryAsync(() => LoadPage(query, ct));
        if (page is null)
        {
            StateHasChanged();
            return new GridData<RunFailureResponse> { Items = [], TotalItems = 0 };
        }
        return _view.Answer(Navigation, view, view.Paging.Page, page.Items, page.Total,
            () => view with { Paging = view.Paging with { Page = 0 } }, StateHasChanged);
    }

    /// <summary>The query string values of a page request, as the generated client takes them.</summary>
    public static (string Page, string PageSize) Paging(RunFailureQuery query) =>
        (query.Page.ToString(CultureInfo.InvariantCulture), query.PageSize.ToString(CultureInfo.InvariantCulture));

    private async Task StatusChangedAsync(string value)
    {
        _view.Current = _view.Current with { Status = value ?? AnyValue };
        await GridReload.FromFirstPageAsync(_grid);
    }

    private async Task SearchChangedAsync(string? value)
    {
        _searchText = value ?? "";
        _view.Current = _view.Current with { Search = _searchText.Trim() };
        await GridReload.FromFirstPageAsync(_grid);
    }

    /// <summary>How a column starts out sorted: as the address says (for the header's arrow and the first request).</summary>
    private SortDirection InitialDirection(string column) => RunFailureView.Sorts.DirectionOf(_view.Current.Paging.Sort, column);
}
