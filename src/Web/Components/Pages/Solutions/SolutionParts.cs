namespace GradingPortal.Web.ApiClient;

/// <summary>
/// An open page follows a change by reading only the part of the solution that kind of change can alter; these put such a
/// part into the solution it holds. A copy, not an edit: the renderer may be diffing against the held one.
/// </summary>
public partial class SolutionResponse
{
    /// <summary>This solution with the grades, adjudication, evidence level and permissions of <paramref name="grading"/>.</summary>
    public SolutionResponse WithGrading(SolutionGradingResponse grading)
    {
        var copy = (SolutionResponse)MemberwiseClone();
        copy.HumanGrades = grading.HumanGrades;
        copy.MyGrade = grading.MyGrade;
        copy.Adjudication = grading.Adjudication;
        copy.EvidenceLevel = grading.EvidenceLevel;
        copy.Permissions = grading.Permissions;
        return copy;
    }

    /// <summary>This solution with <paramref name="annotations"/> in place of its own.</summary>
    public SolutionResponse WithAnnotations(IReadOnlyList<AnnotationResponse> annotations)
    {
        var copy = (SolutionResponse)MemberwiseClone();
        copy.Annotations = annotations;
        return copy;
    }
}
