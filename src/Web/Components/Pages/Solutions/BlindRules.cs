using GradingPortal.Web.ApiClient;

namespace GradingPortal.Web.Components.Pages.Solutions;

/// <summary>What a grader may see of other people's work on a solution, as the Api decided it.</summary>
public static class BlindRules
{
    /// <summary>The line shown instead of other grades while blind grading hides them.</summary>
    public static string HiddenNotice(int hidden) => hidden switch
    {
        <= 0 => "No one else has graded this yet; grades stay hidden until you submit yours.",
        1 => "1 other grade hidden until you submit yours.",
        _ => $"{hidden} other grades hidden until you submit yours.",
    };

    /// <summary>Other people's grades, oldest first; none while they are hidden (whatever the response carries).</summary>
    public static IReadOnlyList<HumanGradeResponse> VisibleOthers(SolutionResponse solution) =>
        solution.Permissions.OthersGradesHidden
            ? []
            : solution.HumanGrades.Where(g => g.Id != solution.MyGrade?.Id).OrderBy(g => g.CreatedAt).ToList();

    /// <summary>Model grades are hidden with other people's grades, and said so, rather than shown as "none yet".</summary>
    public static string NoModelGrades(SolutionResponse solution) => solution.Permissions.OthersGradesHidden
        ? "Model grades are hidden until you submit your own grade."
        : "No model has graded this solution yet.";
}
