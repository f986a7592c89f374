using GradingPortal.Domain.Common;
using GradingPortal.Domain.Rubrics;

namespace GradingPortal.Domain.Tests;

public sealed class RubricTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid s_projectId = Guid.CreateVersion7();
    private static readonly Guid s_problemId = Guid.CreateVersion7();
    private static readonly Guid s_userId = Guid.CreateVersion7();

    private static RubricContent Content(params (string Title, decimal Points)[] items) =>
        new([.. items.Select(i => new RubricItemContent(i.Title, i.Points, null))], "Nothing of value", null, null);

    private static RubricContent Seven => Content(("Key lemma", 3), ("Finish", 4));

    private static Rubric Draft(RubricOrigin origin = RubricOrigin.Manual, int version = 2, string? approachKey = null) =>
        Rubric.CreateDraft(s_projectId, s_problemId, version, 7, origin, Seven, s_userId, s_now, approachKey: approachKey);

    private static DomainValidationException Invalid(RubricContent content, int maxPoints = 7) =>
        Should.Throw<DomainValidationException>(() => Rubric.Validate(content, maxPoints));

    [Fact]
    public void Validate_ItemsSumToMaxPoints_Passes()
    {
        Should.NotThrow(() => Rubric.Validate(Seven, 7));
        Should.NotThrow(() => Rubric.Validate(Content(("a", 3.5m), ("b", 3.5m)), 7));
        Should.NotThrow(() => Rubric.Validate(Content(("only", 10)), 10));
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(4, 4)]
    [InlineData(6.5, 1)]
    public void Validate_SumDiffersFromMaxPoints_ReportsItems(decimal first, decimal second)
    {
        var ex = Invalid(Content(("a", first), ("b", second)));
        ex.Errors.Keys.ShouldBe(["items"]);
        ex.Errors["items"].ShouldHaveSingleItem().ShouldBe($"Item points sum to {first + second:0.##}, but the problem is worth 7.");
    }

    [Fact]
    public void Validate_NoItems_ReportsItems()
    {
        Invalid(Content()).Errors["items"].ShouldBe(["A rubric needs at least one item."]);
        Invalid(new RubricContent(null!, null, null, null)).Errors.Keys.ShouldBe(["items"]);
    }

    [Fact]
    public void Validate_MoreThanFiftyItems_ReportsItems()
    {
        var items = Enumerable.Range(0, 51).Select(i => ($"i{i}", i < 49 ? 1m : 0.5m)).ToArray();
        Invalid(Content(items), 50).Errors["items"].ShouldContain("A rubric has at most 50 items.");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Validate_NonPositiveItemPoints_ReportsThatItem(decimal points)
    {
        var ex = Invalid(Content(("a", 7), ("b", points)), 7 + (int)points);
        ex.Errors.Keys.ShouldContain("items[1].points");
        ex.Errors["items[1].points"].ShouldContain("Points must be positive.");
        ex.Errors.Keys.ShouldNotContain("items[0].points");
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(1.1)]
    [InlineData(2.75)]
    public void Validate_PointsNotInHalfSteps_ReportsThatItem(decimal points)
    {
        var ex = Invalid(Content(("a", 7 - points), ("b", points)));
        ex.Errors["items[1].points"].ShouldContain("Points must be whole or half points.");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Validate_MissingTitle_ReportsThatItemsTitle(string? title)
    {
        var ex = Invalid(Content(("ok", 3), (title!, 4)));
        ex.Errors.Keys.ShouldBe(["items[1].title"]);
    }

    [Fact]
    public void Validate_TitleLongerThan300_ReportsTitle()
    {
        Invalid(Content((new string('x', 301), 7))).Errors.Keys.ShouldContain("items[0].title");
        Should.NotThrow(() => Rubric.Validate(Content((new string('x', 300), 7)), 7));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(7.5)]
    public void Validate_DeductionOutOfBounds_ReportsDeductionPoints(decimal points)
    {
        var content = Seven with { Deductions = [new RubricDeduction("Sloppy notation", points)] };
        Invalid(content).Errors.Keys.ShouldBe(["deductions[0].points"]);
    }

    [Fact]
    public void Validate_DeductionWithinBounds_Passes()
    {
        Should.NotThrow(() => Rubric.Validate(Seven with { Deductions = [new RubricDeduction("Small slip", 0.5m), new RubricDeduction("Whole proof wrong", 7)] }, 7));
    }

    [Fact]
    public void Validate_DeductionWithoutDescription_ReportsDescription()
    {
        Invalid(Seven with { Deductions = [new RubricDeduction(" ", 1)] }).Errors.Keys.ShouldBe(["deductions[0].description"]);
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEveryFieldAtOnce()
    {
        var content = new RubricContent([new("", 0.3m, null), new("b", 2, null)], null, [new("", 0)], null);
        var ex = Invalid(content);
        ex.Errors.Keys.ShouldBe(["items[0].title", "items[0].points", "items", "deductions[0].description", "deductions[0].points"], ignoreOrder: true);
        ex.Errors["items[0].points"].Length.ShouldBe(1);
    }

    [Fact]
    public void CreateDraft_ValidContent_IsDraftWithOrderedTrimmedItems()
    {
        var content = new RubricContent([new("  Lemma  ", 3, " why "), new("Finish", 4, null)], " zero ", [new("Slip", 1)], " notes ");
        var rubric = Rubric.CreateDraft(s_projectId, s_problemId, 3, 7, RubricOrigin.Manual, content, s_userId, s_now);

        rubric.Status.ShouldBe(RubricStatus.Draft);
        rubric.Origin.ShouldBe(RubricOrigin.Manual);
        rubric.Version.ShouldBe(3);
        rubric.TotalPoints.ShouldBe(7m);
        rubric.Items.Select(i => (i.Ordinal, i.Title, i.Points, i.Description)).ShouldBe([(0, "Lemma", 3m, "why"), (1, "Finish", 4m, "")]);
        rubric.Items.ShouldAllBe(i => i.RubricId == rubric.Id);
        rubric.ZeroCredit.ShouldBe("zero");
        rubric.Notes.ShouldBe("notes");
        rubric.ApprovedAt.ShouldBeNull();
        rubric.TakePendingAuditAction().ShouldBe("created");
    }

    [Fact]
    public void CreateDraft_InvalidContent_Throws()
    {
        Should.Throw<DomainValidationException>(() =>
            Rubric.CreateDraft(s_projectId, s_problemId, 1, 7, RubricOrigin.Manual, Content(("a", 5)), s_userId, s_now));
    }

    [Fact]
    public void CreateOfficial_ValidContent_IsApprovedOfficial()
    {
        var rubric = Rubric.CreateOfficial(s_projectId, s_problemId, 1, 7, Seven, s_userId, s_now);
        rubric.Status.ShouldBe(RubricStatus.Approved);
        rubric.Origin.ShouldBe(RubricOrigin.Official);
        rubric.ApprovedById.ShouldBe(s_userId);
        rubric.ApprovedAt.ShouldBe(s_now);
    }

    [Fact]
    public void Approve_WithPreviouslyApproved_RetiresThePreviousVersion()
    {
        var v1 = Rubric.CreateOfficial(s_projectId, s_problemId, 1, 7, Seven, s_userId, s_now);
        var v2 = Draft();
        v1.TakePendingAuditAction();
        v2.TakePendingAuditAction();
        var approver = Guid.CreateVersion7();

        v2.Approve(approver, v1, s_now.AddHours(1));

        v2.Status.ShouldBe(RubricStatus.Approved);
        v2.ApprovedById.ShouldBe(approver);
        v2.ApprovedAt.ShouldBe(s_now.AddHours(1));
        v1.Status.ShouldBe(RubricStatus.Retired);
        v1.UpdatedAt.ShouldBe(s_now.AddHours(1));
        v2.TakePendingAuditAction().ShouldBe("approved");
        v1.TakePendingAuditAction().ShouldBe("retired");
    }

    [Fact]
    public void Approve_NoPreviousVersion_Approves()
    {
        var draft = Draft(version: 1);
        draft.Approve(s_userId, null, s_now);
        draft.Status.ShouldBe(RubricStatus.Approved);
    }

    [Fact]
    public void Approve_PreviousOfAnotherApproach_LeavesItApproved()
    {
        var other = Rubric.CreateOfficial(s_projectId, s_problemId, 1, 7, Seven, s_userId, s_now);
        var draft = Draft(approachKey: "induction");
        draft.Approve(s_userId, other, s_now);
        other.Status.ShouldBe(RubricStatus.Approved);
        draft.Status.ShouldBe(RubricStatus.Approved);
    }

    [Fact]
    public void Approve_AlreadyApprovedOrRetired_ThrowsConflict()
    {
        var approved = Rubric.CreateOfficial(s_projectId, s_problemId, 1, 7, Seven, s_userId, s_now);
        Should.Throw<DomainConflictException>(() => approved.Approve(s_userId, null, s_now)).Message.ShouldContain("already approved");
        approved.Retire(s_now);
        Should.Throw<DomainConflictException>(() => approved.Approve(s_userId, null, s_now)).Message.ShouldContain("already retired");
    }

    [Fact]
    public void Edit_Draft_ReplacesContentAndKeepsItemIdsByOrdinal()
    {
        var rubric = Draft();
        var firstId = rubric.Items[0].Id;
        rubric.TakePendingAuditAction();

        rubric.Edit(Content(("Lemma, restated", 2), ("Middle", 2), ("Finish", 3)), 7, s_now.AddMinutes(5));

        rubric.Items.Count.ShouldBe(3);
        rubric.Items[0].Id.ShouldBe(firstId);
        rubric.Items[0].Title.ShouldBe("Lemma, restated");
        rubric.Items.Select(i => i.Ordinal).ShouldBe([0, 1, 2]);
        rubric.Items.Select(i => i.Id).Distinct().Count().ShouldBe(3);
        rubric.TotalPoints.ShouldBe(7m);
        rubric.UpdatedAt.ShouldBe(s_now.AddMinutes(5));
        rubric.Origin.ShouldBe(RubricOrigin.Manual);
        rubric.TakePendingAuditAction().ShouldBe("edited");
    }

    [Fact]
    public void Edit_InvalidContent_ThrowsAndChangesNothing()
    {
        var rubric = Draft();
        var before = rubric.Items.Select(i => (i.Id, i.Title, i.Points)).ToList();
        Should.Throw<DomainValidationException>(() => rubric.Edit(Content(("a", 1)), 7, s_now)).Errors.Keys.ShouldContain("items");
        rubric.Items.Select(i => (i.Id, i.Title, i.Points)).ShouldBe(before);
    }

    [Fact]
    public void Edit_ApprovedOrRetired_ThrowsConflict()
    {
        var approved = Rubric.CreateOfficial(s_projectId, s_problemId, 1, 7, Seven, s_userId, s_now);
        Should.Throw<DomainConflictException>(() => approved.Edit(Seven, 7, s_now)).Message
            .ShouldBe("Rubric version 1 is approved; only drafts can be edited. Create a new version instead.");
        approved.Retire(s_now);
        Should.Throw<DomainConflictException>(() => approved.Edit(Seven, 7, s_now)).Message.ShouldContain("is retired");
        approved.Items[0].Title.ShouldBe("Key lemma");
    }

    [Fact]
    public void Edit_DerivedDraft_BecomesManualAndKeepsTheRunId()
    {
        var runId = Guid.CreateVersion7();
        var rubric = Rubric.CreateDraft(s_projectId, s_problemId, 2, 7, RubricOrigin.Derived, Seven, null, s_now, derivedByRunId: runId);
        rubric.Origin.ShouldBe(RubricOrigin.Derived);

        rubric.Edit(Content(("Everything", 7)), 7, s_now);

        rubric.Origin.ShouldBe(RubricOrigin.Manual);
        rubric.DerivedByRunId.ShouldBe(runId);
    }

    [Fact]
    public void Retire_Twice_IsIdempotent()
    {
        var rubric = Rubric.CreateOfficial(s_projectId, s_problemId, 1, 7, Seven, s_userId, s_now);
        rubric.TakePendingAuditAction();
        rubric.Retire(s_now);
        rubric.TakePendingAuditAction().ShouldBe("retired");
        rubric.Retire(s_now.AddDays(1));
        rubric.TakePendingAuditAction().ShouldBeNull();
        rubric.UpdatedAt.ShouldBe(s_now);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(0.5, true)]
    [InlineData(7, true)]
    [InlineData(-1.5, true)]
    [InlineData(0.25, false)]
    [InlineData(6.9, false)]
    [InlineData(0.05, false)]
    public void PointsIsHalfStep_Value_MatchesHalfPointGrid(decimal value, bool expected) => Points.IsHalfStep(value).ShouldBe(expected);
}
