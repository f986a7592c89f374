using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages.Solutions;

/// <summary>
/// The gold mark of one adjudicated solution. The solution's own answer does not say whether it is gold (graders must
/// not learn it), so the control asks the adjudicators-only list of the project's gold items.
/// </summary>
public sealed partial class GoldControl
{
    private GoldItemResponse? _item;
    private string? _note;
    private ApiError? _error;
    private bool _loaded;
    private Guid _loadedFor;
    private readonly ApiActions _actions = new();

    [Parameter, EditorRequired]
    public Guid SolutionId { get; set; }

    [Parameter, EditorRequired]
    public Guid ProjectId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        // The solution page re-renders often (live updates, hotkeys); ask the Api again only for another solution. A
        // prerender shows nothing of it: the circuit asks, once.
        if (!RendererInfo.IsInteractive || (_loaded && _loadedFor == SolutionId))
        {
            return;
        }
        _error = await ApiCall.TryAsync(async () =>
        {
            var items = await Api.ListGoldItemsAsync(ProjectId, CancellationToken.None);
            _item = items.FirstOrDefault(i => i.SolutionId == SolutionId);
            _note = _item is { Active: true } ? _item.Note : null;
        });
        _loaded = true;
        _loadedFor = SolutionId;
    }

    private async Task MarkAsync()
    {
        await _actions.RunAsync(async () =>
        {
            _item = await Api.MarkGoldAsync(SolutionId, new MarkGoldRequest { Note = _note }, CancellationToken.None);
        }, e => _error = e);
    }

    private async Task UnmarkAsync()
    {
        await _actions.RunAsync(async () =>
        {
            _item = await Api.UnmarkGoldAsync(SolutionId, CancellationToken.None);
            _note = null;
        }, e => _error = e);
    }

    private static string MarkedBy(GoldItemResponse item) =>
        item.History.Where(h => h.Action == "marked").MaxBy(h => h.At)?.ActorName ?? "an adjudicator";
}
