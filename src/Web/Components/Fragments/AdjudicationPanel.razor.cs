using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Fragments;

public sealed partial class AdjudicationPanel
{
    [Parameter, EditorRequired]
    public SolutionResponse Solution { get; set; } = default!;

    [Parameter]
    public AdjudicationInput? Posted { get; set; }

    [Parameter]
    public ApiProblem? Error { get; set; }

    [Parameter]
    public string? Message { get; set; }

    [Parameter]
    public bool Oob { get; set; }

    private int Max => Solution.Problem.MaxPoints;

    private string PointsInput => Posted is not null ? Posted.Points ?? "" : Format.Input(Solution.Adjudication?.Points);

    private string RationaleInput => Posted is not null ? Posted.Rationale ?? "" : Solution.Adjudication?.Rationale ?? "";

    private bool IsBasedOn(string value) => Posted is not null
        ? Posted.BasedOn.Contains(value)
        : Solution.Adjudication is { } a ? a.BasedOn.Any(b => $"{b.Kind}:{b.GradeId}" == value) : true;

    private string GradeLabel(GradeReferenceDto reference) =>
        Solution.HumanGrades.FirstOrDefault(g => g.Id == reference.GradeId) is { } grade
            ? $"{grade.GraderName} ({Format.Points(grade.Points)})"
            : $"{reference.Kind} grade";
}
