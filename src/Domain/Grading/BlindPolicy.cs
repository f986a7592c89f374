using GradingPortal.Domain.Projects;

namespace GradingPortal.Domain.Grading;

/// <summary>
/// What a member may see of a solution's grades. In a blind project a Grader sees other people's grades (and the
/// models') only after submitting their own; Adjudicators and Admins need to see everything to decide.
/// </summary>
public static class BlindPolicy
{
    public static bool MaySeeOthersGrades(Project project, ProjectRole role, bool hasOwnGrade) =>
        MaySeeOthersGrades(project.BlindGrading, role, hasOwnGrade);

    public static bool MaySeeOthersGrades(bool blindGrading, ProjectRole role, bool hasOwnGrade) =>
        !blindGrading || role >= ProjectRole.Adjudicator || hasOwnGrade;

    public static bool MaySeeAuthor(Project project, ProjectRole role) => MaySeeAuthor(project.HideAuthors, role);

    public static bool MaySeeAuthor(bool hideAuthors, ProjectRole role) => !hideAuthors || role >= ProjectRole.Adjudicator;

    /// <summary>A grade counts as given blind when the grader could not see others' grades when giving it.</summary>
    public static bool GradeIsBlind(Project project, ProjectRole role, int otherGradesVisible) =>
        !MaySeeOthersGrades(project, role, hasOwnGrade: false) || otherGradesVisible == 0;
}
