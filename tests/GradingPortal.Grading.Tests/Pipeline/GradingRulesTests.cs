using GradingPortal.Domain.Grading;

namespace GradingPortal.Grading.Tests.Pipeline;

public sealed class SampleAggregationTests
{
    [Theory]
    [InlineData("median", new[] { 3.0, 5.0, 4.0 }, 4.0, 4.0, 2)]
    [InlineData("median", new[] { 3.0, 4.0 }, 3.5, 3.5, 0)]
    [InlineData("mean", new[] { 3.0, 4.0, 4.0 }, 3.6666666666666666666666666667, 3.5, 1)]
    [InlineData("min", new[] { 6.0, 2.0, 4.0 }, 2.0, 2.0, 1)]
    [InlineData("max", new[] { 6.0, 2.0, 4.0 }, 6.0, 6.0, 0)]
    public void Aggregate_Totals_GiveAggregateGridPointsAndClosestSample(string method, double[] totals, double aggregate, double points,
        int representative)
    {
        var result = SampleAggregation.Aggregate([.. totals.Select(t => (decimal)t)], method, 7);
        result.Aggregate.ShouldBe((decimal)aggregate, 0.0000001m);
        result.Points.ShouldBe((decimal)points);
        result.Representative.ShouldBe(representative);
        result.Spread.ShouldBe((decimal)(totals.Max() - totals.Min()));
    }

    [Fact]
    public void Aggregate_MajorityOfLabels_TakesTheMedianOfTheWinningLabel()
    {
        // Labels on 0–7: 1 → 1, 6 → 4, 7 → 4, 2 → 2: label 4 wins twice.
        var result = SampleAggregation.Aggregate([1m, 6m, 7m, 2m], Aggregations.Majority, 7);
        result.Label.ShouldBe(4);
        result.Aggregate.ShouldBe(6.5m);
        result.Points.ShouldBe(6.5m);
        result.Representative.ShouldBe(1);
    }

    [Fact]
    public void Aggregate_MajorityTie_GoesToTheLowerLabel()
    {
        var result = SampleAggregation.Aggregate([0m, 7m], Aggregations.Majority, 7);
        result.Label.ShouldBe(1);
        result.Points.ShouldBe(0m);
        result.Representative.ShouldBe(0);
    }

    [Fact]
    public void Aggregate_EqualDistance_RepresentativeIsTheLowerTotal()
    {
        SampleAggregation.Aggregate([5m, 3m], Aggregations.Median, 7).Representative.ShouldBe(1);
    }

    [Theory]
    [InlineData(0, 7, 1)]
    [InlineData(1.5, 7, 1)]
    [InlineData(2, 7, 2)]
    [InlineData(5.5, 7, 3)]
    [InlineData(6, 7, 4)]
    [InlineData(10, 10, 4)]
    [InlineData(5, 10, 3)]
    public void LabelOf_Points_MapsToTheFourLabelScale(double total, int max, int label) =>
        SampleAggregation.LabelOf((decimal)total, max).ShouldBe(label);

    [Fact]
    public void RoundToHalf_QuarterPoints_RoundHalfUp()
    {
        SampleAggregation.RoundToHalf(4.25m).ShouldBe(4.5m);
        SampleAggregation.RoundToHalf(4.2m).ShouldBe(4m);
        SampleAggregation.RoundToHalf(4.74m).ShouldBe(4.5m);
    }
}

public sealed class ApproachMatchingTests
{
    [Fact]
    public void Match_LongestCommonPrefixWins_OverALongerSubsequence()
    {
        // Cluster 1: steps 1..3; the solution takes 1, 2 of cluster 1. Cluster 2: steps 1..4; the solution has 2, 3, 4 of it.
        var match = ApproachMatching.Match([3, 4], [["C1.S1", "C2.S2"], ["C1.S2", "C2.S3"], ["C2.S4"]]);
        match.ClusterIndex.ShouldBe(0);
        match.CommonPrefix.ShouldBe(2);
        match.Sequences[1].ShouldBe([2, 3, 4]);
    }

    [Fact]
    public void Match_EqualPrefix_LongestCommonSubsequenceDecides()
    {
        // Neither starts with step 1; cluster 2 shares 2 steps in order, cluster 1 only 1.
        var match = ApproachMatching.Match([3, 3], [["C1.S3", "C2.S2"], ["C2.S3"]]);
        match.ClusterIndex.ShouldBe(1);
        match.CommonPrefix.ShouldBe(0);
        match.CommonSubsequence.ShouldBe(2);
    }

    [Fact]
    public void Match_NothingInCommon_EarliestClusterWins()
    {
        var match = ApproachMatching.Match([2, 2, 2], [[], ["C9.S1", "nonsense"]]);
        match.ClusterIndex.ShouldBe(0);
        match.CommonPrefix.ShouldBe(0);
        match.CommonSubsequence.ShouldBe(0);
    }

    [Fact]
    public void Match_RepeatedAndOutOfRangeLabels_AreIgnored()
    {
        var match = ApproachMatching.Match([2], [["C1.S1"], ["c1.s1", "C1.S2"], ["C1.S7"]]);
        match.Sequences[0].ShouldBe([1, 2]);
        match.CommonPrefix.ShouldBe(2);
    }

    [Theory]
    [InlineData("C2.S3", true, 1, 3)]
    [InlineData(" c1.s1 ", true, 0, 1)]
    [InlineData("C0.S1", false, -1, 0)]
    [InlineData("K1", false, -1, 0)]
    [InlineData("C1S1", false, -1, 0)]
    public void TryParseStepId_Ids_ParseOnlyWellFormedOnes(string id, bool ok, int cluster, int step)
    {
        ApproachMatching.TryParseStepId(id, out var c, out var s).ShouldBe(ok);
        if (ok)
        {
            c.ShouldBe(cluster);
            s.ShouldBe(step);
        }
    }
}

public sealed class ModelVerdictRulesTests
{
    private static readonly List<(string Id, decimal Points)> s_rubric = [("R1", 3m), ("R2", 4m)];

    private static IReadOnlyList<string> Check(decimal total, List<VerdictItem> items, VerdictScheme scheme, List<VerdictError>? errors = null,
        IReadOnlyList<string>? severities = null) =>
        ModelVerdictRules.Check(7, total, items, errors ?? [], scheme, s_rubric, t => GradingPortal.Domain.Common.ErrorTypes.Builtin.Contains(t),
            severities ?? VerdictSeverities.Portal);

    [Fact]
    public void Check_RubricAwardsSummingToTotal_IsValid() =>
        Check(5, [new("R1", null, 3), new("r2", null, 2)], VerdictScheme.Rubric).ShouldBeEmpty();

    [Fact]
    public void Check_TotalNotTheSumOfAwards_IsRejected() =>
        Check(6, [new("R1", null, 3), new("R2", null, 2)], VerdictScheme.Rubric).ShouldContain(p => p.Contains("sum of item awards"));

    [Fact]
    public void Check_AwardAboveTheItemsPoints_IsRejected() =>
        Check(7, [new("R1", null, 4), new("R2", null, 3)], VerdictScheme.Rubric).ShouldContain(p => p.Contains("at most 3"));

    [Fact]
    public void Check_MissingDuplicateAndUnknownItems_AreEachNamed()
    {
        var problems = Check(3, [new("R1", null, 1), new("R1", null, 1), new("R9", null, 1)], VerdictScheme.Rubric);
        problems.ShouldContain(p => p.Contains("more than once"));
        problems.ShouldContain(p => p.Contains("missing R2"));
        problems.ShouldContain(p => p.Contains("'R9' is not a rubric item"));
    }

    [Fact]
    public void Check_TotalOffTheHalfPointGridOrAboveMax_IsRejected()
    {
        Check(3.25m, [], VerdictScheme.None).ShouldContain(p => p.Contains("not a whole or half point"));
        Check(8, [], VerdictScheme.None).ShouldContain(p => p.Contains("outside 0..7"));
    }

    [Fact]
    public void Check_UnknownErrorTypeOrSeverity_IsRejected()
    {
        var problems = Check(2, [], VerdictScheme.None, [new("made-up-type", "major"), new("calculation-mistake", "high")]);
        problems.ShouldContain(p => p.Contains("'made-up-type'"));
        problems.ShouldContain(p => p.Contains("'high'"));
    }

    [Fact]
    public void Check_JudgeSchemeNotSummingToMax_IsRejected()
    {
        Check(4, [new("A", 3, 2), new("B", 3, 2)], VerdictScheme.OwnScheme, severities: VerdictSeverities.Judge)
            .ShouldContain(p => p.Contains("must sum to 7"));
        Check(4, [new("A", 3, 2), new("B", 4, 2)], VerdictScheme.OwnScheme, [new("proof-by-example", "high")], VerdictSeverities.Judge)
            .ShouldBeEmpty();
    }

    [Theory]
    [InlineData("low", GradingPortal.Domain.Common.Severity.Minor)]
    [InlineData("medium", GradingPortal.Domain.Common.Severity.Major)]
    [InlineData("high", GradingPortal.Domain.Common.Severity.Critical)]
    [InlineData("critical", GradingPortal.Domain.Common.Severity.Critical)]
    public void ParseSeverity_JudgeAndPortalWords_MapByMeaning(string word, GradingPortal.Domain.Common.Severity expected) =>
        VerdictSeverities.Parse(word).ShouldBe(expected);
}
