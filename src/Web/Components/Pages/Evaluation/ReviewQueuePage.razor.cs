using System.Globalization;
using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace GradingPortal.Web.Components.Pages.Evaluation;

/// <summary>
/// The caller's review queue as the Api orders it (risk first, each item with its reasons), walked with j/k and opened
/// with Enter, beside the grading progress. The Api decides what a grader in a blind project may learn (no risk score,
/// neutral reasons, gold never named); the page shows what it gets.
/// </summary>
public sealed partial class ReviewQueuePage
{
    private const int PageSize = 50;
    private ReviewQueueResponse? _queue;
    private ReviewProgressResponse? _progress;
    private ApiError? _loadError;
    private ElementReference _listElement;
    private int _current;
    private int _page = 1;
    private bool _focusList;

    [Parameter]
    public Guid ProjectId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private int PageCount => _queue is null ? 0 : (_queue.Total + PageSize - 1) / PageSize;

    protected override async Task OnParametersSetAsync()
    {
        await LoadPageAsync(1);
        // Progress is a side panel: without it the queue still works, and the panel says it is not available.
        (_progress, _) = await ApiCall.TryAsync(() => Api.GetReviewProgressAsync(ProjectId, null, CancellationToken.None));
    }

    private async Task LoadPageAsync(int page)
    {
        _loadError = await ApiCall.TryAsync(async () =>
        {
            _queue = await Api.GetReviewQueueAsync(ProjectId, null, page.ToString(CultureInfo.InvariantCulture),
                PageSize.ToString(CultureInfo.InvariantCulture), CancellationToken.None);
            _page = page;
            _current = 0;
            _focusList = true;
        });
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // The keys work at once, without a click into the list first. This may be the end of an earlier render, before
        // the list was drawn (on a slow connection the queue can arrive before the loading render is acknowledged): the
        // list is focused once it is really on the page.
        if (_focusList && _queue is { Items.Count: > 0 } && _listElement.Id is not null)
        {
            _focusList = false;
            await _listElement.FocusAsync();
        }
    }

    private Task OnPageChanged(int page) => LoadPageAsync(page);

    private void OnKeyDown(KeyboardEventArgs e)
    {
        if (_queue is null || _queue.Items.Count == 0 || e.CtrlKey || e.AltKey || e.MetaKey) return;
        _current = Figures.Step(_current, _queue.Items.Count, e.Key);
        if (e.Key == "Enter")
        {
            // The solution page is still a static page: a full load.
            Navigation.NavigateTo($"/solutions/{_queue.Items[_current].SolutionId}", forceLoad: true);
        }
    }
}
