using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Problems;

/// <summary>
/// Creates a problem (statement, references, marking scheme and an optional official rubric) or edits one. The Api
/// validates; its field errors show on the fields, and an edit made elsewhere meanwhile (rowVersion) is refused, not
/// overwritten. What was typed stays either way.
/// </summary>
public sealed partial class ProblemEditorPage
{
    private readonly Model _model = new();
    private RubricDraft _rubric = RubricDraft.From(null);
    private ProjectResponse? _project;
    private ProblemResponse? _problem;
    private ApiError? _loadError;
    private ApiError? _error;
    private List<BreadcrumbItem> _trail = [];
    private readonly ApiActions _actions = new();

    [Parameter]
    public Guid? ProjectId { get; set; }

    [Parameter]
    public Guid? ProblemId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private bool IsNew => ProblemId is null;

    private string CancelUrl => IsNew ? $"/projects/{ProjectId}" : $"/problems/{ProblemId}";

    protected override async Task OnParametersSetAsync()
    {
        _loadError = await ApiCall.TryAsync(async () =>
        {
            if (ProblemId is { } problemId)
            {
                _problem = await Api.GetProblemAsync(problemId, CancellationToken.None);
            }
            _project = await Api.GetProjectAsync(_problem?.ProjectId ?? ProjectId!.Value, CancellationToken.None);
            _trail = [new BreadcrumbItem("Projects", "/"), new BreadcrumbItem(_project.Name, $"/projects/{_project.Id}")];
            if (_problem is { } problem)
            {
                _trail.Add(new BreadcrumbItem(problem.Title, $"/problems/{problem.Id}"));
                _model.Title = problem.Title;
                _model.Statement = problem.Statement;
                _model.MaxPoints = problem.MaxPoints;
                _model.Source = problem.Source;
                _model.ExternalId = problem.ExternalId;
                _model.MarkingScheme = problem.MarkingScheme;
                _model.RowVersion = problem.RowVersion;
                _model.References = problem.ReferenceSolutions.OrderBy(r => r.Ordinal).Select(r => new ReferenceRow { Text = r.Text, Source = r.Source }).ToList();
            }
            else
            {
                _model.MaxPoints = _project.MaxPoints;
                _model.References = [new ReferenceRow()];
                _rubric = RubricDraft.From(null);
            }
        });
    }

    private void AddReference() => _model.References.Add(new ReferenceRow());

    private IReadOnlyList<int> SentReferences() =>
        Enumerable.Range(0, _model.References.Count).Where(i => !string.IsNullOrWhiteSpace(_model.References[i].Text)).ToList();

    private string? ReferenceError(int row) => RubricDraft.RowError(_error, SentReferences(), "", "referenceSolutions", row, "text");

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
            var references = SentReferences().Select(i => _model.References[i])
                .Select(r => new ReferenceSolutionInput { Text = RubricDraft.Lines(r.Text)!, Source = Format.Blank(r.Source) }).ToList();
            if (IsNew)
            {
                var created = await Api.CreateProblemAsync(_project!.Id, new CreateProblemRequest
                {
                    Title = _model.Title?.Trim() ?? "",
                    Statement = RubricDraft.Lines(_model.Statement) ?? "",
                    MaxPoints = _model.MaxPoints,
                    Source = Format.Blank(_model.Source),
                    ExternalId = Format.Blank(_model.ExternalId),
                    MarkingScheme = Format.Blank(RubricDraft.Lines(_model.MarkingScheme)),
                    ReferenceSolutions = references,
                    Rubric = _rubric.IsEmpty ? null : new RubricInput
                    {
                        Items = _rubric.ItemInputs(),
                        Deductions = _rubric.DeductionInputs(),
                        ZeroCredit = Format.Blank(RubricDraft.Lines(_rubric.ZeroCredit)),
                    },
                }, CancellationToken.None);
                Navigation.NavigateTo($"/problems/{created.Id}");
                return;
            }
            // The list is sent only when it changed: replacing it is a heavier operation for the Api.
            var stored = _problem!.ReferenceSolutions.OrderBy(r => r.Ordinal).Select(r => (r.Text, Format.Blank(r.Source))).ToList();
            var changed = !stored.SequenceEqual(references.Select(r => (r.Text, r.Source)));
            await Api.UpdateProblemAsync(_problem.Id, new UpdateProblemRequest
            {
                Title = _model.Title?.Trim() ?? "",
                Statement = RubricDraft.Lines(_model.Statement) ?? "",
                MaxPoints = _model.MaxPoints,
                // Empty, not null: null would keep the stored value, and clearing these fields is allowed.
                Source = _model.Source?.Trim() ?? "",
                ExternalId = _model.ExternalId?.Trim() ?? "",
                MarkingScheme = RubricDraft.Lines(_model.MarkingScheme) ?? "",
                ReferenceSolutions = changed ? references : null,
                RowVersion = _model.RowVersion,
            }, CancellationToken.None);
            Navigation.NavigateTo($"/problems/{_problem.Id}");
        }, e => _error = e);
    }

    private sealed class Model
    {
        public string? Title { get; set; }
        public string? Statement { get; set; }
        public int? MaxPoints { get; set; }
        public string? Source { get; set; }
        public string? ExternalId { get; set; }
        public string? MarkingScheme { get; set; }
        public List<ReferenceRow> References { get; set; } = [];
        public int RowVersion { get; set; }
    }

    private sealed class ReferenceRow
    {
        public string? Text { get; set; }
        public string? Source { get; set; }
    }
}
