using GradingPortal.Web.Api;

namespace GradingPortal.Web.Components.Fragments;

/// <summary>Everything <see cref="SolutionUpdate"/> renders: the fresh solution, which panel was acted on, and the outcome.</summary>
public sealed record SolutionUpdateModel(SolutionResponse Solution, ProjectResponse? Project, Guid? CurrentUserId, SolutionPanel Primary)
{
    /// <summary>Api accepted the change (other panels are refreshed out of band).</summary>
    public bool Saved { get; init; }

    public ApiProblem? Error { get; init; }

    public string? Message { get; init; }

    public bool RefreshAnnotations { get; init; }

    /// <summary>Findings of the visible model grades, for the proof's highlights when it is refreshed.</summary>
    public IReadOnlyList<ModelFindingResponse> ModelFindings { get; init; } = [];

    public bool RefreshGrades { get; init; }

    public AnnotationInput? Annotation { get; init; }

    public GradeInput? Grade { get; init; }

    public AdjudicationInput? Adjudication { get; init; }
}
