using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Rubrics;

namespace GradingPortal.Domain.Tests;

public sealed class GradeRulesTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    // Items worth 2, 3 and 2 points (max 7).
    private readonly Rubric _rubric = Rubric.CreateOfficial(Guid.CreateVersion7(), Guid.CreateVersion7(), 4, 7,
        new RubricContent([new("Setup", 2, null), new("Key lemma", 3, null), new("Finish", 2, null)], null, null, null),
        Guid.CreateVersion7(), s_now);

    private Guid Item(int i) => _rubric.Items[i].Id;

    private List<ItemAwardInput> Awards(decimal a, decimal b, decimal c) => [new(Item(0), a, null), new(Item(1), b, null), new(Item(2), c, "why")];

    private DomainValidationException Invalid(decimal points, IReadOnlyList<ItemAwardInput>? items, int maxPoints = 7, bool withRubric = true) =>
        Should.Throw<DomainValidationException>(() => GradeRules.ValidateAwards(maxPoints, points, withRubric ? _rubric : null, items));

    [Theory]
    [InlineData("0")]
    [InlineData("3.5")]
    [InlineData("7")]
    public void ValidateAwards_TotalOnlyWithinRange_Passes(string points)
    {
        Should.NotThrow(() => GradeRules.ValidateAwards(7, decimal.Parse(points, System.Globalization.CultureInfo.InvariantCulture), null, null));
        Should.NotThrow(() => GradeRules.ValidateAwards(7, decimal.Parse(points, System.Globalization.CultureInfo.InvariantCulture), _rubric, []));
    }

    [Theory]
    [InlineData("-0.5", "Points must be between 0 and 7.")]
    [InlineData("7.5", "Points must be between 0 and 7.")]
    [InlineData("100", "Points must be between 0 and 7.")]
    [InlineData("2.25", "Points must be whole or half points.")]
    [InlineData("6.1", "Points must be whole or half points.")]
    public void ValidateAwards_TotalOutOfRangeOrOffGrid_ReportsPoints(string points, string message)
    {
        var ex = Invalid(decimal.Parse(points, System.Globalization.CultureInfo.InvariantCulture), null, withRubric: false);
        ex.Errors.Keys.ShouldBe(["points"]);
        ex.Errors["points"].ShouldContain(message);
    }

    [Fact]
    public void ValidateAwards_TotalWithinAnotherMax_UsesThatMax()
    {
        Should.NotThrow(() => GradeRules.ValidateAwards(10, 10, null, null));
        Invalid(8, null, maxPoints: 7, withRubric: false).Errors["points"].ShouldBe(["Points must be between 0 and 7."]);
    }

    [Fact]
    public void ValidateAwards_EveryItemOnceWithinBoundsAndTotalIsSum_Passes()
    {
        Should.NotThrow(() => GradeRules.ValidateAwards(7, 7, _rubric, Awards(2, 3, 2)));
        Should.NotThrow(() => GradeRules.ValidateAwards(7, 0, _rubric, Awards(0, 0, 0)));
        Should.NotThrow(() => GradeRules.ValidateAwards(7, 3.5m, _rubric, Awards(1.5m, 2, 0)));
    }

    [Fact]
    public void ValidateAwards_ItemAboveItsPoints_ReportsThatItem()
    {
        var ex = Invalid(6, Awards(3, 1, 2));
        ex.Errors.Keys.ShouldBe(["items[0].points"]);
        ex.Errors["items[0].points"].ShouldBe(["Points for 'Setup' must be between 0 and 2."]);
    }

    [Fact]
    public void ValidateAwards_NegativeItem_ReportsThatItem()
    {
        var ex = Invalid(4, Awards(2, -1, 3));
        ex.Errors.Keys.ShouldContain("items[1].points");
        // The last item is over its 2 points as well.
        ex.Errors.Keys.ShouldContain("items[2].points");
    }

    [Fact]
    public void ValidateAwards_ItemOffTheHalfPointGrid_ReportsThatItem()
    {
        Invalid(4.25m, Awards(1.25m, 1, 2)).Errors["items[0].points"].ShouldContain("Points must be whole or half points.");
    }

    [Fact]
    public void ValidateAwards_TotalDiffersFromSum_ReportsPoints()
    {
        var ex = Invalid(5, Awards(2, 2, 2));
        ex.Errors.Keys.ShouldBe(["points"]);
        ex.Errors["points"].ShouldBe(["Total 5 does not equal the sum of item awards 6."]);
    }

    [Fact]
    public void ValidateAwards_ItemMissing_ReportsItemsWithItsTitle()
    {
        var ex = Invalid(5, [new(Item(0), 2, null), new(Item(1), 3, null)]);
        ex.Errors.Keys.ShouldBe(["items"]);
        ex.Errors["items"].ShouldBe(["Every rubric item needs an award; missing: Finish."]);
    }

    [Fact]
    public void ValidateAwards_ItemAwardedTwice_ReportsTheDuplicate()
    {
        var ex = Invalid(7, [new(Item(0), 2, null), new(Item(1), 3, null), new(Item(1), 0, null), new(Item(2), 2, null)]);
        ex.Errors["items[2].rubricItemId"].ShouldBe(["Item is awarded twice."]);
    }

    [Fact]
    public void ValidateAwards_UnknownItem_ReportsItsRubricItemId()
    {
        var ex = Invalid(7, [new(Item(0), 2, null), new(Item(1), 3, null), new(Item(2), 2, null), new(Guid.CreateVersion7(), 0, null)]);
        ex.Errors.Keys.ShouldBe(["items[3].rubricItemId"]);
        ex.Errors["items[3].rubricItemId"].ShouldBe(["Item is not part of rubric version 4."]);
    }

    [Fact]
    public void ValidateAwards_ItemsWithoutRubric_ReportsItems()
    {
        Invalid(2, [new(Guid.CreateVersion7(), 2, null)], withRubric: false).Errors["items"]
            .ShouldBe(["Item awards need a rubric; this problem has no approved rubric."]);
    }

    [Fact]
    public void HumanGradeCreate_WithAwards_RecordsRubricAndItems()
    {
        var grade = HumanGrade.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), 7, 5, _rubric, Awards(2, 3, 0),
            "  good  ", givenBlind: true, s_now);

        grade.Points.ShouldBe(5m);
        grade.RubricId.ShouldBe(_rubric.Id);
        grade.Items.Select(i => (i.RubricItemId, i.Points, i.Comment)).ShouldBe([(Item(0), 2m, ""), (Item(1), 3m, ""), (Item(2), 0m, "why")]);
        grade.Items.ShouldAllBe(i => i.HumanGradeId == grade.Id);
        grade.Comment.ShouldBe("good");
        grade.GivenBlind.ShouldBeTrue();
        grade.TakePendingAuditAction().ShouldBe("created");
    }

    [Fact]
    public void HumanGradeCreate_TotalOnly_HasNoRubric()
    {
        var grade = HumanGrade.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), 7, 4, _rubric, null, null, false, s_now);
        grade.RubricId.ShouldBeNull();
        grade.Items.ShouldBeEmpty();
        grade.Comment.ShouldBe("");
    }

    [Fact]
    public void HumanGradeCreate_InvalidAwards_Throws()
    {
        Should.Throw<DomainValidationException>(() =>
            HumanGrade.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), 7, 8, null, null, null, false, s_now));
    }

    [Fact]
    public void HumanGradeCreate_CommentTooLong_ReportsComment()
    {
        var ex = Should.Throw<DomainValidationException>(() => HumanGrade.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(),
            7, 3, null, null, new string('c', HumanGrade.MaxCommentLength + 1), false, s_now));
        ex.Errors.Keys.ShouldBe(["comment"]);
    }

    [Fact]
    public void HumanGradeRevise_NewAwards_ReplacesThemKeepsBlindnessAndSaysRevised()
    {
        var grade = HumanGrade.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), 7, 5, _rubric, Awards(2, 3, 0), null,
            givenBlind: true, s_now);
        grade.TakePendingAuditAction();

        grade.Revise(7, 2, null, null, "total only now", stillBlind: true, s_now.AddHours(1));

        grade.Points.ShouldBe(2m);
        grade.RubricId.ShouldBeNull();
        grade.Items.ShouldBeEmpty();
        grade.GivenBlind.ShouldBeTrue();
        grade.UpdatedAt.ShouldBe(s_now.AddHours(1));
        grade.CreatedAt.ShouldBe(s_now);
        grade.TakePendingAuditAction().ShouldBe("revised");
    }

    [Fact]
    public void HumanGradeRevise_NoLongerBlind_ClearsTheFlagForGood()
    {
        var grade = HumanGrade.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), 7, 5, null, null, null,
            givenBlind: true, s_now);

        grade.Revise(7, 4, null, null, null, stillBlind: false, s_now.AddHours(1));
        grade.GivenBlind.ShouldBeFalse();
        grade.Revise(7, 4, null, null, null, stillBlind: true, s_now.AddHours(2));
        grade.GivenBlind.ShouldBeFalse();
    }

    [Fact]
    public void HumanGradeRevise_Invalid_ThrowsAndKeepsTheGrade()
    {
        var grade = HumanGrade.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), 7, 5, _rubric, Awards(2, 3, 0), null, false, s_now);
        Should.Throw<DomainValidationException>(() => grade.Revise(7, 6, _rubric, Awards(2, 3, 0), null, stillBlind: true, s_now));
        grade.Points.ShouldBe(5m);
        grade.Items.Count.ShouldBe(3);
    }
}
