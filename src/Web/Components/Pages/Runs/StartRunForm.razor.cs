using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages.Runs;

/// <summary>
/// Starts a grading run. Fields that only some workflows take (rubric design, grading prompt, rubric approval) show and
/// are sent only for those. The Api owns the rules: its estimate and its refusals are shown as they come.
/// </summary>
public sealed partial class StartRunForm : IDisposable
{
    /// <summary>Typing in the samples field or ticking several problems asks for one estimate, not one per keystroke.</summary>
    private static readonly TimeSpan s_estimateDelay = TimeSpan.FromMilliseconds(250);

    private readonly HashSet<Guid> _selected = [];
    private CancellationTokenSource? _pending;
    private string _workflow = "five-stage";
    private string? _design;
    private string? _gradePrompt;
    private Guid _profileId;
    private int _samples = 1;
    private string _aggregation = "median";
    private bool _approval;
    private GradingRunEstimateResponse? _estimate;
    private ApiError? _estimateError;
    private ApiError? _startError;
    private readonly ApiActions _actions = new();
    private bool _initialised;

    [Parameter, EditorRequired]
    public Guid ProjectId { get; set; }

    [Parameter]
    public IReadOnlyList<ProblemSummaryResponse> Problems { get; set; } = [];

    [Parameter]
    public GradingRunOptionsResponse? Options { get; set; }

    /// <summary>When set, only this problem starts ticked (the page was opened from a problem).</summary>
    [Parameter]
    public Guid? OnlyProblem { get; set; }

    [Parameter]
    public bool IsSiteAdmin { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private WorkflowResponse? Workflow => Options?.Workflows.FirstOrDefault(w => w.Name == _workflow);

    private IReadOnlyList<PromptChoiceResponse>? GradeChoices => Workflow?.Prompts.FirstOrDefault(p => p.Stage == "grade")?.Choices;

    private string? GradeDefault => Workflow?.Prompts.FirstOrDefault(p => p.Stage == "grade")?.Default;

    // Selects show these for the chosen value; without them they would show the bare name or id.
    private string WorkflowLabel(string? name) => Options?.Workflows.FirstOrDefault(w => w.Name == name) is { } w ? $"{w.Title} ({w.Name})" : name ?? "";

    private string ProfileLabel(Guid id) => Options?.Profiles.FirstOrDefault(p => p.Id == id) is { } p ? $"{p.Name} ({p.Model})" : "";

    protected override async Task OnParametersSetAsync()
    {
        if (_initialised || Options is null || Options.Profiles.Count == 0)
        {
            return;
        }
        _initialised = true;
        if (Workflow is null && Options.Workflows.Count > 0)
        {
            _workflow = Options.Workflows[0].Name;
        }
        if (!Options.Aggregations.Contains(_aggregation) && Options.Aggregations.Count > 0)
        {
            _aggregation = Options.Aggregations[0];
        }
        _profileId = Options.Profiles[0].Id;
        ResetWorkflowChoices();
        foreach (var problem in Problems.Where(p => OnlyProblem is not { } only || only == p.Id))
        {
            _selected.Add(problem.Id);
        }
        await EstimateNowAsync(CancellationToken.None);
    }

    private void ResetWorkflowChoices()
    {
        _design = Workflow?.RubricDesigns.FirstOrDefault();
        _gradePrompt = GradeDefault;
        _approval = _approval && Workflow?.DerivesRubric == true;
    }

    private Task WorkflowChangedAsync(string workflow) => ChangedAsync(() =>
    {
        _workflow = workflow;
        ResetWorkflowChoices();
    });

    private void Select(Guid problemId, bool selected)
    {
        if (selected)
        {
            _selected.Add(problemId);
        }
        else
        {
            _selected.Remove(problemId);
        }
    }

    /// <summary>Applies a change, then asks for an estimate once the person has paused; a newer change cancels the older ask.</summary>
    private async Task ChangedAsync(Action change)
    {
        change();
        _pending?.Cancel();
        _pending?.Dispose();
        var pending = _pending = new CancellationTokenSource();
        try
        {
            await Task.Delay(s_estimateDelay, pending.Token);
            await EstimateNowAsync(pending.Token);
        }
        catch (OperationCanceledException) when (pending.IsCancellationRequested)
        {
            // A newer change asks instead.
        }
    }

    private async Task EstimateNowAsync(CancellationToken ct)
    {
        (_estimate, _estimateError) = await ApiCall.TryAsync(() => Api.EstimateGradingRunAsync(Request(), ct));
    }

    private StartGradingRunRequest Request()
    {
        var workflow = Workflow;
        return new StartGradingRunRequest
        {
            ProjectId = ProjectId,
            ProblemIds = Problems.Where(p => _selected.Contains(p.Id)).Select(p => p.Id).ToList(),
            Workflow = _workflow,
            RubricDesign = workflow is { RubricDesigns.Count: > 0 } ? _design : null,
            ModelProfileId = _profileId,
            Samples = _samples,
            Aggregation = _aggregation,
            RequireRubricApproval = workflow?.DerivesRubric == true && _approval,
            // Sent only when the person may choose (more than one choice): otherwise the workflow's default applies.
            Prompts = GradeChoices is { Count: > 1 } && _gradePrompt is { } prompt ? new Dictionary<string, string> { ["grade"] = prompt } : null,
        };
    }

    private async Task StartAsync()
    {
        await _actions.RunAsync(async () =>
        {
            var run = await Api.StartGradingRunAsync(Request(), CancellationToken.None);
            Navigation.NavigateTo($"/runs/{run.Id}");
        }, e => _startError = e);
    }

    public void Dispose()
    {
        _pending?.Cancel();
        _pending?.Dispose();
    }
}
