using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages.Problems;

/// <summary>
/// The rubric panel of the problem page. Approving sends the draft's rowVersion, so approving a draft someone edited
/// meanwhile is refused by the Api (409) and said so, instead of approving a version nobody read.
/// </summary>
public sealed partial class RubricCard
{
    private string? _message;
    private ApiError? _error;
    private readonly ApiActions _actions = new();

    // Drafts open by default: they are what an editor acts on. Remembered per version across re-renders.
    private readonly Dictionary<Guid, bool> _open = [];

    [Parameter, EditorRequired]
    public ProblemResponse Problem { get; set; } = default!;

    /// <summary>Adjudicators and admins edit rubrics.</summary>
    [Parameter]
    public bool CanEdit { get; set; }

    /// <summary>Raised after an approval so the page reloads the problem (its current rubric changed).</summary>
    [Parameter]
    public EventCallback OnChanged { get; set; }

    private async Task ApproveAsync(RubricResponse rubric)
    {
        await _actions.RunAsync(async () =>
        {
            _message = null;
            var approved = await Api.ApproveRubricAsync(rubric.Id, new ApproveRubricRequest { RowVersion = rubric.RowVersion }, CancellationToken.None);
            _message = $"Version {approved.Version} approved; it is now the rubric graders use.";
            await OnChanged.InvokeAsync();
        }, e => _error = e);
    }

    private bool IsOpen(RubricResponse rubric) => _open.TryGetValue(rubric.Id, out var open) ? open : rubric.Status == "draft";

    private void Toggle(Guid rubricId, bool open) => _open[rubricId] = open;

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;
}
