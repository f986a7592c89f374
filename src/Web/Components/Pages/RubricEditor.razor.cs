using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

/// <summary>Creates a new draft rubric version (prefilled from the current one) or edits a draft.</summary>
public sealed partial class RubricEditor
{
    private ProblemResponse? _problem;
    private ProjectResponse? _project;
    private RubricResponse? _rubric;
    private RubricForm? _initial;
    private ApiProblem? _loadProblem;
    private ApiProblem? _saveProblem;

    [Parameter]
    public Guid? ProblemId { get; set; }

    [Parameter]
    public Guid? RubricId { get; set; }

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm(FormName = "rubric")]
    public RubricForm? Form { get; set; }

    [Inject]
    private PortalApi Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private bool IsNew => RubricId is null;

    private RubricForm Current => Form ?? _initial ?? new RubricForm();

    private IReadOnlyList<Crumb> Trail =>
    [
        new Crumb(_project!.Name, $"/projects/{_project.Id}"),
        new Crumb(_problem!.Title, $"/problems/{_problem.Id}"),
        new Crumb(IsNew ? "New rubric version" : $"Rubric v{_rubric?.Version}"),
    ];

    protected override async Task OnInitializedAsync()
    {
        Guid problemId;
        if (RubricId is { } rubricId)
        {
            var rubric = await Api.GetRubricAsync(rubricId);
            if (!rubric.Ok)
            {
                Fail(rubric.Problem!);
                return;
            }
            _rubric = rubric.Data;
            problemId = rubric.Data.ProblemId;
        }
        else
        {
            problemId = ProblemId!.Value;
        }
        var problem = await Api.GetProblemAsync(problemId);
        if (!problem.Ok)
        {
            Fail(problem.Problem!);
            return;
        }
        var project = await Api.GetProjectAsync(problem.Data.ProjectId);
        if (!project.Ok)
        {
            Fail(project.Problem!);
            return;
        }
        _problem = problem.Data;
        _project = project.Data;
        var source = _rubric ?? _problem.CurrentRubric ?? _problem.Rubrics.OrderByDescending(r => r.Version).FirstOrDefault();
        _initial = new RubricForm
        {
            Items = source?.Items.OrderBy(i => i.Ordinal).Select(i => new RubricItemForm { Title = i.Title, Points = i.Points, Description = i.Description })
                .ToList() ?? [new RubricItemForm()],
            ZeroCredit = source?.ZeroCredit,
            Notes = source?.Notes,
            RowVersion = _rubric?.RowVersion,
        };
        if (_initial.Items.Count == 0)
        {
            _initial.Items.Add(new RubricItemForm());
        }
    }

    private void Fail(ApiProblem problem)
    {
        _loadProblem = problem;
        HttpContext.Response.StatusCode = (int)problem.Status;
    }

    private async Task SaveAsync()
    {
        var form = Form ?? new RubricForm();
        var items = form.Items.Where(i => !string.IsNullOrWhiteSpace(i.Title) || i.Points is not null || !string.IsNullOrWhiteSpace(i.Description))
            .Select(i => new RubricItemInput(i.Title?.Trim() ?? "", i.Points ?? 0, string.IsNullOrWhiteSpace(i.Description) ? null : FormText.Lines(i.Description.Trim())))
            .ToList();
        // Deductions are not edited here; a draft keeps the ones it was created with.
        var deductions = (_rubric ?? (IsNew ? _problem!.CurrentRubric : null))?.Deductions;
        if (IsNew)
        {
            var created = await Api.CreateRubricAsync(_problem!.Id, new RubricInput(items, Blank(FormText.Lines(form.ZeroCredit)), deductions, Blank(FormText.Lines(form.Notes))));
            if (!created.Ok)
            {
                _saveProblem = created.Problem;
                return;
            }
        }
        else
        {
            var updated = await Api.UpdateRubricAsync(RubricId!.Value,
                new UpdateRubricRequest(items, FormText.Lines(form.ZeroCredit) ?? "", deductions, FormText.Lines(form.Notes) ?? "", form.RowVersion));
            if (!updated.Ok)
            {
                _saveProblem = updated.Problem;
                return;
            }
        }
        Navigation.NavigateTo($"/problems/{_problem!.Id}");
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
