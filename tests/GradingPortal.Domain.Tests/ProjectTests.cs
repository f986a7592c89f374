using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Projects;

namespace GradingPortal.Domain.Tests;

public sealed class ProjectTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static Project Create(IEnumerable<string>? customErrorTypes = null, bool blind = false, bool hideAuthors = false) =>
        Project.Create("USAMO 2025", "six provers", null, false, blind, hideAuthors, customErrorTypes, s_now);

    [Fact]
    public void Create_Defaults_UsesSevenPointsAndNoCustomTypes()
    {
        var project = Project.Create("  USAMO 2025  ", null, null, false, false, false, null, s_now);
        project.Name.ShouldBe("USAMO 2025");
        project.Description.ShouldBe("");
        project.MaxPoints.ShouldBe(7);
        project.CustomErrorTypes.ShouldBeEmpty();
        project.TakePendingAuditAction().ShouldBe("created");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Create_WithoutName_ReportsName(string name)
    {
        Should.Throw<DomainValidationException>(() => Project.Create(name, null, null, false, false, false, null, s_now)).Errors.Keys.ShouldBe(["name"]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-7)]
    [InlineData(101)]
    public void Create_MaxPointsOutOfRange_ReportsMaxPoints(int maxPoints)
    {
        Should.Throw<DomainValidationException>(() => Project.Create("P", null, maxPoints, false, false, false, null, s_now))
            .Errors["maxPoints"].ShouldBe(["Max points must be between 1 and 100."]);
    }

    [Fact]
    public void Create_CustomErrorTypes_AreTrimmedDedupedAndKnown()
    {
        var project = Create([" sign-error ", "sign-error", "", "case-2-missing"]);
        project.CustomErrorTypes.ShouldBe(["sign-error", "case-2-missing"]);
        project.IsKnownErrorType("sign-error").ShouldBeTrue();
        project.IsKnownErrorType("case-2-missing").ShouldBeTrue();
        project.IsKnownErrorType(ErrorTypes.CalculationMistake).ShouldBeTrue();
        project.IsKnownErrorType("other-error").ShouldBeFalse();
        Create().IsKnownErrorType("sign-error").ShouldBeFalse();
    }

    [Theory]
    [InlineData("Sign-Error")]
    [InlineData("sign error")]
    [InlineData("sign_error")]
    [InlineData("-sign")]
    [InlineData("sign-")]
    [InlineData("sign--error")]
    [InlineData("sign.error")]
    public void Create_MalformedCustomErrorType_ReportsCustomErrorTypes(string type)
    {
        var ex = Should.Throw<DomainValidationException>(() => Create(["fine-one", type]));
        ex.Errors.Keys.ShouldBe(["customErrorTypes"]);
        ex.Errors["customErrorTypes"].ShouldBe([$"'{type}' is not a valid identifier (lowercase letters, digits and dashes)."]);
    }

    [Fact]
    public void ErrorTypes_Builtin_AreTheSevenOfTheMethodAndWellFormedAndLabelled()
    {
        ErrorTypes.Builtin.ShouldBe([
            "proof-by-example", "proposal-without-verification", "inventing-wrong-facts", "begging-the-question", "trial-and-error",
            "calculation-mistake", "wrong-logical-conclusion",
        ]);
        ErrorTypes.Builtin.ShouldAllBe(t => ErrorTypes.IsWellFormed(t) && ErrorTypes.Labels.ContainsKey(t));
    }

    [Fact]
    public void Update_NewSettings_ReplacesThem()
    {
        var project = Create(["sign-error"]);
        project.Update("Renamed", "d", 10, true, true, true, [], s_now.AddDays(1));
        (project.Name, project.MaxPoints, project.UsesLabels, project.BlindGrading, project.HideAuthors).ShouldBe(("Renamed", 10, true, true, true));
        project.CustomErrorTypes.ShouldBeEmpty();
        project.UpdatedAt.ShouldBe(s_now.AddDays(1));
    }

    [Fact]
    public void Update_Invalid_ChangesNothing()
    {
        var project = Create(["sign-error"]);
        Should.Throw<DomainValidationException>(() => project.Update("", null, 0, false, true, true, ["BAD"], s_now))
            .Errors.Keys.ShouldBe(["name", "maxPoints", "customErrorTypes"], ignoreOrder: true);
        project.Name.ShouldBe("USAMO 2025");
        project.BlindGrading.ShouldBeFalse();
        project.CustomErrorTypes.ShouldBe(["sign-error"]);
    }

    [Theory]
    //          role                     read  grade  adjudicate  rubrics content manage
    [InlineData(ProjectRole.Viewer, true, false, false, false, false, false)]
    [InlineData(ProjectRole.Grader, true, true, false, false, false, false)]
    [InlineData(ProjectRole.Adjudicator, true, true, true, true, true, false)]
    [InlineData(ProjectRole.Admin, true, true, true, true, true, true)]
    public void ProjectPermissions_Role_AllowsExactlyItsActions(ProjectRole role, bool read, bool grade, bool adjudicate, bool rubrics,
        bool content, bool manage)
    {
        (role.CanRead(), role.CanGrade(), role.CanAdjudicate(), role.CanEditRubrics(), role.CanEditContent(), role.CanManage())
            .ShouldBe((read, grade, adjudicate, rubrics, content, manage));
    }

    [Fact]
    public void ProjectMember_ChangeRole_SaysRoleChangedOnlyWhenItChanges()
    {
        var member = ProjectMember.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), ProjectRole.Grader, s_now);
        member.TakePendingAuditAction().ShouldBe("roleGranted");
        member.ChangeRole(ProjectRole.Grader);
        member.TakePendingAuditAction().ShouldBeNull();
        member.ChangeRole(ProjectRole.Adjudicator);
        member.Role.ShouldBe(ProjectRole.Adjudicator);
        member.TakePendingAuditAction().ShouldBe("roleChanged");
    }

    [Theory]
    //          blind  role                     hasOwn  sees
    [InlineData(false, ProjectRole.Viewer, false, true)]
    [InlineData(false, ProjectRole.Grader, false, true)]
    [InlineData(false, ProjectRole.Adjudicator, false, true)]
    [InlineData(false, ProjectRole.Admin, false, true)]
    [InlineData(true, ProjectRole.Viewer, false, false)]
    [InlineData(true, ProjectRole.Grader, false, false)]
    [InlineData(true, ProjectRole.Grader, true, true)]
    [InlineData(true, ProjectRole.Adjudicator, false, true)]
    [InlineData(true, ProjectRole.Admin, false, true)]
    public void BlindPolicyMaySeeOthersGrades_TruthTable(bool blind, ProjectRole role, bool hasOwnGrade, bool expected) =>
        BlindPolicy.MaySeeOthersGrades(Create(blind: blind), role, hasOwnGrade).ShouldBe(expected);

    [Theory]
    [InlineData(false, ProjectRole.Viewer, true)]
    [InlineData(false, ProjectRole.Grader, true)]
    [InlineData(true, ProjectRole.Viewer, false)]
    [InlineData(true, ProjectRole.Grader, false)]
    [InlineData(true, ProjectRole.Adjudicator, true)]
    [InlineData(true, ProjectRole.Admin, true)]
    public void BlindPolicyMaySeeAuthor_TruthTable(bool hideAuthors, ProjectRole role, bool expected) =>
        BlindPolicy.MaySeeAuthor(Create(hideAuthors: hideAuthors), role).ShouldBe(expected);

    [Theory]
    [InlineData(true, ProjectRole.Grader, 0, true)]
    [InlineData(true, ProjectRole.Grader, 2, true)]
    [InlineData(false, ProjectRole.Grader, 0, true)]
    [InlineData(false, ProjectRole.Grader, 1, false)]
    [InlineData(true, ProjectRole.Adjudicator, 0, true)]
    [InlineData(true, ProjectRole.Adjudicator, 1, false)]
    public void BlindPolicyGradeIsBlind_TruthTable(bool blind, ProjectRole role, int otherGradesVisible, bool expected) =>
        BlindPolicy.GradeIsBlind(Create(blind: blind), role, otherGradesVisible).ShouldBe(expected);
}
