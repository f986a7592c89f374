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
        GradeIsBlind(project, role, hasOwnGrade: false, otherGradesVisible);

    /// <summary>
    /// Whether a revision of a grade is still blind: only when the grade was blind so far and its author still cannot
    /// see anyone else's grade. Having a grade of their own lifts a blind project's veil, so a revision made once other
    /// grades exist may have been swayed by them; once lost, blindness never comes back.
    /// </summary>
    public static bool RevisionIsBlind(bool givenBlindSoFar, Project project, ProjectRole role, int otherGrades) =>
        givenBlindSoFar && GradeIsBlind(project, role, hasOwnGrade: true, otherGrades);

    private static bool GradeIsBlind(Project project, ProjectRole role, bool hasOwnGrade, int otherGrades) =>
        !MaySeeOthersGrades(project, role, hasOwnGrade) || otherGrades == 0;
}
