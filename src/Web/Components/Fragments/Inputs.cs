namespace GradingPortal.Web.Components.Fragments;

// What a grader posted, handed back to a fragment when Api refused it, so the form re-renders exactly as typed.

/// <summary>An annotation form as posted.</summary>
public sealed record AnnotationInput(string? Start, string? End, string? Quote, string? ErrorType, string? Severity, string? Comment);

/// <summary>One rubric item's row of the grade form as posted.</summary>
public sealed record GradeItemInput(string? Points, string? Comment);

/// <summary>The grade form as posted (items by rubric item id; <c>Points</c> is used when there is no rubric).</summary>
public sealed record GradeInput(IReadOnlyDictionary<Guid, GradeItemInput> Items, string? Points, string? Comment);

/// <summary>The adjudication form as posted (<c>BasedOn</c> holds "kind:gradeId" values).</summary>
public sealed record AdjudicationInput(string? Points, string? Rationale, IReadOnlyList<string> BasedOn);

/// <summary>Which panels of the solution page an htmx answer carries.</summary>
public enum SolutionPanel
{
    AnnotationForm,
    AnnotationList,
    Grade,
    Adjudication,
}
