using System.Globalization;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Problems;

/// <summary>
/// A problem: its statement and reference solutions typeset with KaTeX, the rubric with its versions (approve a draft
/// here), and its solutions one page at a time.
/// </summary>
public sealed partial class ProblemPage : IAsyncDisposable
{
    private ProblemResponse? _problem;
    private ProjectResponse? _project;
    private ApiError? _loadError;
    private ApiError? _pageError;
    private List<BreadcrumbItem> _trail = [];
    private bool _canEdit;
    private MudDataGrid<SolutionSummaryResponse>? _grid;
    private SolutionGridView _view = new();
    private Guid _loadedProblemId;
    private int _shown;
    private int _total;
    private ElementReference _root;
    private IJSObjectReference? _typeset;

    [Parameter]
    public Guid ProblemId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    /// <summary>The grid's search text (<c>?q=</c>), so a shared link opens the same view.</summary>
    [SupplyParameterFromQuery(Name = "q")]
    public string? QuerySearch { get; set; }

    [SupplyParameterFromQuery(Name = "state")]
    public string? QueryState { get; set; }

    [SupplyParameterFromQuery(Name = "sort")]
    public string? QuerySort { get; set; }

    // Page and size as text: a hand-edited value that is not a number falls back instead of failing the page.
    [SupplyParameterFromQuery(Name = "page")]
    public string? QueryPage { get; set; }

    [SupplyParameterFromQuery(Name = "pageSize")]
    public string? QueryPageSize { get; set; }

    private string RangeText => _shown == 0
        ? ""
        : $"{_view.Page * _view.PageSize + 1:N0}–{_view.Page * _view.PageSize + _shown:N0} of {_total:N0}";

    private bool HasMore => (_view.Page + 1) * _view.PageSize < _total;

    private string SearchPlaceholder =>
        SolutionGridView.SearchPlaceholder(_project is { } project && (!project.HideAuthors || Format.CanEditContent(project.MyRole)));

    protected override async Task OnParametersSetAsync()
    {
        // The grid writes its view into the query string; that changes only query parameters and needs no new load.
        if (_loadedProblemId == ProblemId && _problem is not null)
        {
            return;
        }
        _view = SolutionGridView.FromQuery(QuerySearch, QueryState, QuerySort, QueryPage, QueryPageSize);
        _loadError = await ApiCall.TryAsync(async () =>
        {
            _problem = await Api.GetProblemAsync(ProblemId, CancellationToken.None);
            _project = await Api.GetProjectAsync(_problem.ProjectId, CancellationToken.None);
            _canEdit = Format.CanEditContent(_project.MyRole);
            _loadedProblemId = ProblemId;
            _trail =
            [
                new BreadcrumbItem("Projects", "/"),
                // The problem itself is the heading below; a disabled crumb for it fails contrast.
                new BreadcrumbItem(_project.Name, $"/projects/{_project.Id}"),
            ];
        });
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // The after-render of the loading spinner can run once the problem is loaded but before the page that shows it
        // rendered (the project is still loading): the element is not there yet, and KaTeX must not be handed nothing.
        if (_problem is null || _root.Id is null)
        {
            return;
        }
        try
        {
            _typeset ??= await JS.InvokeAsync<IJSObjectReference>("import", "/lib/app/js/typeset.js");
            await _typeset.InvokeVoidAsync("typeset", _root);
        }
        catch (JSDisconnectedException)
        {
            // The tab is gone; nothing to typeset.
        }
    }

    /// <summary>
    /// One page from the Api in the view's order and filter. The page number is the view's own (the grid's pager is
    /// replaced by ours), so a page restored from the address is asked for as it is.
    /// </summary>
    private async Task<GridData<SolutionSummaryResponse>> LoadSolutionsAsync(GridState<SolutionSummaryResponse> state, CancellationToken ct)
    {
        var sort = SolutionGridView.Sorts.Of(state) ?? "";
        if (sort != _view.Sort)
        {
            // A new order starts at its top.
            _view.Sort = sort;
            _view.Page = 0;
        }
        var hadError = _pageError is not null;
        (var result, _pageError) = await ApiCall.TryAsync(() => Api.ListSolutionsAsync(ProblemId, search: NullIfEmpty(_view.Search),
            state: NullIfEmpty(_view.State), sort: NullIfEmpty(_view.Sort), page: (_view.Page + 1).ToString(CultureInfo.InvariantCulture),
            pageSize: _view.PageSize.ToString(CultureInfo.InvariantCulture), after: null, limit: null, cancellationToken: ct));
        _shown = result?.Items.Count ?? 0;
        _total = result?.Total ?? 0;
        if (result is not null)
        {
            RememberView();
        }
        if (hadError || _pageError is not null)
        {
            // The grid re-renders itself only; the error is shown below it, by the page.
            StateHasChanged();
        }
        return new GridData<SolutionSummaryResponse> { Items = result?.Items ?? [], TotalItems = _total };
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    /// <summary>Puts the view into the address (replacing the history entry) so a reload or a copied link shows the same rows.</summary>
    private void RememberView()
    {
        var uri = Navigation.GetUriWithQueryParameters(_view.ToQuery());
        if (uri != Navigation.Uri)
        {
            Navigation.NavigateTo(uri, replace: true);
        }
    }

    private Task ReloadFromFirstPageAsync()
    {
        _view.Page = 0;
        return _grid?.ReloadServerData() ?? Task.CompletedTask;
    }

    private Task SearchAsync(string? text)
    {
        _view.Search = text?.Trim() ?? "";
        return ReloadFromFirstPageAsync();
    }

    private Task FilterStateAsync(string? state)
    {
        _view.State = state ?? "";
        return ReloadFromFirstPageAsync();
    }

    private Task PageSizeAsync(int size)
    {
        _view.PageSize = size;
        return ReloadFromFirstPageAsync();
    }

    private async Task NextPage()
    {
        if (_grid is not null && HasMore)
        {
            _view.Page++;
            await _grid.ReloadServerData();
        }
    }

    private async Task PreviousPage()
    {
        if (_grid is not null && _view.Page > 0)
        {
            _view.Page--;
            await _grid.ReloadServerData();
        }
    }

    private async Task OnRubricChangedAsync()
    {
        _loadError = await ApiCall.TryAsync(async () =>
        {
            _problem = await Api.GetProblemAsync(ProblemId, CancellationToken.None);
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_typeset is not null)
        {
            try
            {
                await _typeset.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
            }
        }
    }
}
