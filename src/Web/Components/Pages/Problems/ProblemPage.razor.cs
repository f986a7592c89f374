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
    // The Api's default page: one request per page, whatever the number of solutions.
    private const int PageSize = 50;

    private readonly CursorPages _cursors = new();
    private ProblemResponse? _problem;
    private ProjectResponse? _project;
    private ApiError? _loadError;
    private ApiError? _pageError;
    private List<BreadcrumbItem> _trail = [];
    private bool _canEdit;
    private MudDataGrid<SolutionSummaryResponse>? _grid;
    private int _page;
    private int _shown;
    private bool _hasMore;
    private ElementReference _root;
    private IJSObjectReference? _typeset;

    [Parameter]
    public Guid ProblemId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    private string RangeText => _shown == 0
        ? ""
        : $"{_page * PageSize + 1:N0}–{_page * PageSize + _shown:N0} of {_problem?.Counts.Solutions ?? 0:N0}";

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            _problem = await Api.GetProblemAsync(ProblemId, CancellationToken.None);
            _project = await Api.GetProjectAsync(_problem.ProjectId, CancellationToken.None);
            _canEdit = Format.CanEditContent(_project.MyRole);
            _trail =
            [
                new BreadcrumbItem("Projects", "/"),
                // The problem itself is the heading below; a disabled crumb for it fails contrast.
                new BreadcrumbItem(_project.Name, $"/projects/{_project.Id}"),
            ];
        }
        catch (ApiException ex)
        {
            _loadError = ApiError.From(ex);
        }
        catch (HttpRequestException)
        {
            _loadError = ApiError.Unreachable;
        }
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

    private async Task<GridData<SolutionSummaryResponse>> LoadSolutionsAsync(GridState<SolutionSummaryResponse> state, CancellationToken ct)
    {
        _pageError = null;
        try
        {
            var page = state.Page;
            if (!_cursors.TryGetCursor(page, state.PageSize, out var after))
            {
                // Only next/previous are offered, so this is rare (the page size changed): start again from the top.
                page = 0;
                _cursors.TryGetCursor(0, state.PageSize, out after);
            }
            var result = await Api.ListSolutionsAsync(ProblemId, after, state.PageSize, ct);
            _hasMore = result.Next is not null;
            _cursors.Seen(page, result.Items.Count > 0 ? result.Items[^1].Id : null, _hasMore);
            _page = page;
            _shown = result.Items.Count;
            // The grid pages by total; the next page exists exactly when the Api says so.
            var total = _hasMore ? (page + 2) * state.PageSize : page * state.PageSize + result.Items.Count;
            return new GridData<SolutionSummaryResponse> { Items = result.Items, TotalItems = total };
        }
        catch (ApiException ex)
        {
            _pageError = ApiError.From(ex);
        }
        catch (HttpRequestException)
        {
            _pageError = ApiError.Unreachable;
        }
        return new GridData<SolutionSummaryResponse> { Items = [], TotalItems = 0 };
    }

    private void NextPage()
    {
        if (_grid is not null && _hasMore)
        {
            _grid.NavigateTo(Page.Next);
        }
    }

    private void PreviousPage()
    {
        if (_grid is not null && _page > 0)
        {
            _grid.NavigateTo(Page.Previous);
        }
    }

    private async Task OnRubricChangedAsync()
    {
        try
        {
            _problem = await Api.GetProblemAsync(ProblemId, CancellationToken.None);
        }
        catch (ApiException ex)
        {
            _loadError = ApiError.From(ex);
        }
        catch (HttpRequestException)
        {
            _loadError = ApiError.Unreachable;
        }
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
