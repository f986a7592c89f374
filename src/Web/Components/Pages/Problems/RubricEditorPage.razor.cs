using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Problems;

/// <summary>
/// Creates a new draft rubric version (prefilled from the current one) or edits a draft: items and deductions, the
/// total checked live against the problem's maximum, the Api's errors on the rows they concern.
/// </summary>
public sealed partial class RubricEditorPage
{
    private RubricDraft _draft = RubricDraft.From(null);
    private ProblemResponse? _problem;
    private ProjectResponse? _project;
    private RubricResponse? _rubric;
    private ApiError? _loadError;
    private ApiError? _error;
    private List<BreadcrumbItem> _trail = [];
    private readonly ApiActions _actions = new();

    [Parameter]
    public Guid? ProblemId { get; set; }

    [Parameter]
    public Guid? RubricId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private bool IsNew => RubricId is null;

    protected override async Task OnParametersSetAsync()
    {
        _loadError = await ApiCall.TryAsync(async () =>
        {
            if (RubricId is { } rubricId)
            {
                _rubric = await Api.GetRubricAsync(rubricId, CancellationToken.None);
            }
            _problem = await Api.GetProblemAsync(_rubric?.ProblemId ?? ProblemId!.Value, CancellationToken.None);
            _project = await Api.GetProjectAsync(_problem.ProjectId, CancellationToken.None);
            _trail =
            [
                new BreadcrumbItem("Projects", "/"),
                new BreadcrumbItem(_project.Name, $"/projects/{_project.Id}"),
                new BreadcrumbItem(_problem.Title, $"/problems/{_problem.Id}"),
            ];
            // A new version starts from the approved one, or else from the latest version there is.
            _draft = RubricDraft.From(_rubric ?? _problem.CurrentRubric ?? _problem.Rubrics.OrderByDescending(r => r.Version).FirstOrDefault());
        });
    }

    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        if (e is { CtrlKey: true, Key: "Enter" })
        {
            await SaveAsync();
        }
    }

    private async Task SaveAsync()
    {
        await _actions.RunAsync(async () =>
        {
            if (IsNew)
            {
                await Api.CreateRubricAsync(_problem!.Id, new RubricInput
                {
                    Items = _draft.ItemInputs(),
                    Deductions = _draft.DeductionInputs(),
                    ZeroCredit = Format.Blank(RubricDraft.Lines(_draft.ZeroCredit)),
                    Notes = Format.Blank(RubricDraft.Lines(_draft.Notes)),
                }, CancellationToken.None);
            }
            else
            {
                await Api.UpdateRubricAsync(_rubric!.Id, new UpdateRubricRequest
                {
                    Items = _draft.ItemInputs(),
                    Deductions = _draft.DeductionInputs(),
                    // Empty, not null, so clearing a field is saved.
                    ZeroCredit = RubricDraft.Lines(_draft.ZeroCredit)?.Trim() ?? "",
                    Notes = RubricDraft.Lines(_draft.Notes)?.Trim() ?? "",
                    RowVersion = _rubric.RowVersion,
                }, CancellationToken.None);
            }
            Navigation.NavigateTo($"/problems/{_problem!.Id}");
        }, e => _error = e);
    }
}
