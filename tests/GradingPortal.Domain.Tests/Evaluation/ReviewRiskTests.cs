using GradingPortal.Domain.Evaluation;
using GradingPortal.Domain.Grading;

namespace GradingPortal.Domain.Tests.Evaluation;

public sealed class ReviewRiskTests
{
    private static ModelSignal Valid(decimal points, decimal? spread = null, int? prefix = null, bool critical = false) =>
        new(ModelGradeStatus.Valid, points, spread, prefix, critical);

    private static ReviewAssessment Assess(IReadOnlyList<ModelSignal> models, decimal[]? humans = null, bool needsGrade = true, bool adjudicated = false) =>
        ReviewRisk.Assess(new ReviewSignals(7, 6, needsGrade, humans ?? [], adjudicated, models));

    [Fact]
    public void Assess_EveryCheckFiring_SumsTheWeightsHeaviestFirst()
    {
        var assessment = Assess([
            new ModelSignal(ModelGradeStatus.NeedsAttention, null, null, null, false),
            Valid(6.5m, spread: 2, prefix: 1, critical: true),
        ]);

        assessment.Reasons.Select(r => r.Code).ShouldBe([ReviewRisk.NeedsAttention, ReviewRisk.CriticalOnHighScore, ReviewRisk.SampleSpread,
            ReviewRisk.AtThreshold, ReviewRisk.PoorApproachMatch, ReviewRisk.NeedsGrade]);
        assessment.Score.ShouldBe(40 + 35 + 25 + 20 + 15 + 10);
        assessment.Flagged.ShouldBeTrue();
    }

    [Theory]
    [InlineData(5.5, true)]
    [InlineData(6.5, true)]
    [InlineData(5, false)]
    [InlineData(7, false)]
    public void Assess_ScoreNearThePassMark_IsAtThresholdWithinHalfAPoint(decimal points, bool expected)
    {
        Assess([Valid(points)]).Reasons.Any(r => r.Code == ReviewRisk.AtThreshold).ShouldBe(expected);
    }

    [Fact]
    public void Assess_SpreadOnceSomeoneGraded_NoLongerCounts()
    {
        Assess([Valid(3, spread: 3)]).Reasons.Select(r => r.Code).ShouldContain(ReviewRisk.SampleSpread);
        Assess([Valid(3, spread: 3)], humans: [3]).Reasons.Select(r => r.Code).ShouldNotContain(ReviewRisk.SampleSpread);
        Assess([Valid(3, spread: 1.5m)]).Reasons.Select(r => r.Code).ShouldNotContain(ReviewRisk.SampleSpread);
    }

    [Fact]
    public void Assess_PeopleApart_DisagreeUntilAdjudicated()
    {
        Assess([], humans: [2, 4], needsGrade: false).Score.ShouldBe(30);
        Assess([], humans: [2, 3.5m], needsGrade: false).Reasons.ShouldBeEmpty();
        Assess([], humans: [2, 4], needsGrade: false, adjudicated: true).Reasons.ShouldBeEmpty();
    }

    [Fact]
    public void Assess_CriticalFindingBelowThePassMark_IsNotFlagged()
    {
        var assessment = Assess([Valid(3, critical: true), Valid(2, prefix: 2)], needsGrade: false);

        assessment.Reasons.ShouldBeEmpty();
        assessment.Score.ShouldBe(0);
        assessment.Flagged.ShouldBeFalse();
    }

    [Fact]
    public void PeriodStart_Week_StartsOnMondayUtc()
    {
        var sunday = new DateTimeOffset(2026, 11, 8, 23, 30, 0, TimeSpan.Zero);
        GoldAgreement.PeriodStart(sunday, PeriodBucket.Week).ShouldBe(new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero));
        GoldAgreement.PeriodStart(sunday.AddHours(1), PeriodBucket.Week).ShouldBe(new DateTimeOffset(2026, 11, 9, 0, 0, 0, TimeSpan.Zero));
        // 01:00 on the 1st in UTC+2 is still October in UTC.
        GoldAgreement.PeriodStart(new DateTimeOffset(2026, 11, 1, 1, 0, 0, TimeSpan.FromHours(2)), PeriodBucket.Month)
            .ShouldBe(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero));
        GoldAgreement.PeriodStart(sunday, PeriodBucket.Day).ShouldBe(new DateTimeOffset(2026, 11, 8, 0, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Summarize_Pairs_GivesMaeAndExactShare()
    {
        GoldAgreement.Summarize([(3m, 5m), (2m, 2m), (4.5m, 4m)]).ShouldBe(new GoldSummary(3, 2.5 / 3, 1 / 3.0));
        GoldAgreement.Summarize([]).ShouldBeNull();
    }
}
