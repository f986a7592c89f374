using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

/// <summary>Creates a problem (with references and an optional official rubric) or edits one.</summary>
public sealed partial class ProblemEditor
{
    private ProjectResponse? _project;
    private ProblemResponse? _existing;
    private ApiProblem? _loadProblem;
    private ApiProblem? _saveProblem;

    [Parameter]
    public Guid? ProjectId { get; set; }

    [Parameter]
    public Guid? ProblemId { get; set; }

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm(FormName = "problem")]
    public ProblemForm? Form { get; set; }

    [Inject]
    private PortalApi Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private bool IsNew => ProblemId is null;

    private ProblemForm? _initial;

    /// <summary>What the form shows: as posted, or the stored problem, or a fresh one.</summary>
    private ProblemForm Current => Form ?? _initial ?? new ProblemForm();

    private string CancelUrl => IsNew ? $"/projects/{ProjectId}" : $"/problems/{ProblemId}";

    private IReadOnlyList<Crumb> Trail => IsNew
        ? [new Crumb(_project!.Name, $"/projects/{_project.Id}"), new Crumb("New problem")]
        : [new Crumb(_project!.Name, $"/projects/{_project.Id}"), new Crumb(_existing!.Title, $"/problems/{_existing.Id}"), new Crumb("Edit")];

    protected override async Task OnInitializedAsync()
    {
        Guid projectId;
        if (ProblemId is { } problemId)
        {
            var problem = await Api.GetProblemAsync(problemId);
            if (!problem.Ok)
            {
                Fail(problem.Problem!);
                return;
            }
            _existing = problem.Data;
            projectId = problem.Data.ProjectId;
        }
        else
        {
            projectId = ProjectId!.Value;
        }
        var project = await Api.GetProjectAsync(projectId);
        if (!project.Ok)
        {
            Fail(project.Problem!);
            return;
        }
        _project = project.Data;
        _initial = _existing is { } existing
            ? new ProblemForm
            {
                Title = existing.Title,
                Statement = existing.Statement,
                MaxPoints = existing.MaxPoints,
                Source = existing.Source,
                ExternalId = existing.ExternalId,
                References = existing.ReferenceSolutions.OrderBy(r => r.Ordinal).Select(r => new ReferenceForm { Text = r.Text, Source = r.Source }).ToList(),
                RowVersion = existing.RowVersion,
            }
            : new ProblemForm
            {
                MaxPoints = _project.MaxPoints,
                References = [new ReferenceForm()],
                Items = [new RubricItemForm()],
            };
    }

    private void Fail(ApiProblem problem)
    {
        _loadProblem = problem;
        HttpContext.Response.StatusCode = (int)problem.Status;
    }

    private async Task SaveAsync()
    {
        var form = Form ?? new ProblemForm();
        var references = form.References.Where(r => !string.IsNullOrWhiteSpace(r.Text))
            .Select(r => new ReferenceSolutionInput(FormText.Lines(r.Text)!, NullIfBlank(r.Source))).ToList();
        if (IsNew)
        {
            var items = form.Items.Where(i => !string.IsNullOrWhiteSpace(i.Title) || i.Points is not null || !string.IsNullOrWhiteSpace(i.Description))
                .Select(i => new RubricItemInput(i.Title?.Trim() ?? "", i.Points ?? 0, NullIfBlank(FormText.Lines(i.Description)))).ToList();
            var rubric = items.Count > 0 || !string.IsNullOrWhiteSpace(form.ZeroCredit) ? new RubricInput(items, NullIfBlank(FormText.Lines(form.ZeroCredit))) : null;
            var created = await Api.CreateProblemAsync(ProjectId!.Value, new CreateProblemRequest(form.Title?.Trim() ?? "", FormText.Lines(form.Statement) ?? "",
                form.MaxPoints, NullIfBlank(form.Source), NullIfBlank(form.ExternalId), references, rubric));
            if (!created.Ok)
            {
                _saveProblem = created.Problem;
                return;
            }
            Navigation.NavigateTo($"/problems/{created.Data.Id}");
            return;
        }
        // The reference list is only sent when it changed: replacing it is a heavier operation on Api's side.
        var stored = _existing?.ReferenceSolutions.OrderBy(r => r.Ordinal).Select(r => (r.Text, (string?)NullIfBlank(r.Source))).ToList() ?? [];
        var referencesChanged = !stored.SequenceEqual(references.Select(r => (r.Text, r.Source)));
        var updated = await Api.UpdateProblemAsync(ProblemId!.Value, new UpdateProblemRequest(form.Title?.Trim(), FormText.Lines(form.Statement), form.MaxPoints,
            form.Source?.Trim() ?? "", form.ExternalId?.Trim() ?? "", null, referencesChanged ? references : null, form.RowVersion));
        if (!updated.Ok)
        {
            _saveProblem = updated.Problem;
            return;
        }
        Navigation.NavigateTo($"/problems/{ProblemId}");
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
