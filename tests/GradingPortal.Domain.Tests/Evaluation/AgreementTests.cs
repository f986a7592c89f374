using GradingPortal.Domain.Evaluation;
using static GradingPortal.Domain.Tests.Evaluation.EvaluationData;

namespace GradingPortal.Domain.Tests.Evaluation;

public sealed class AgreementTests
{
    private const double Tolerance = 1e-9;
    private static readonly AgreementOptions s_pointOnly = new() { Resamples = 0 };

    // One problem, max 7, six solutions:
    //   reference h = 0 2 3 5 7 7
    //   grader    m = 1 2 6 4 7 5
    //   m − h       = 1 0 3 −1 0 −2
    private static List<ScorePair> Six() => Pairs(1, [0, 2, 3, 5, 7, 7], [1, 2, 6, 4, 7, 5]);

    [Fact]
    public void Compute_SixSolutions_ErrorMetricsMatchHandComputation()
    {
        // MAE = (1+0+3+1+0+2)/6 = 7/6; RMSE = √((1+0+9+1+0+4)/6) = √2.5; bias = (1+0+3−1+0−2)/6 = 1/6;
        // exact: two zero differences → 2/6; within 1: 1, 0, −1, 0 → 4/6.
        var m = Agreement.Compute(Six(), s_pointOnly).Metrics;

        m.Mae.Value!.Value.ShouldBe(7.0 / 6, Tolerance);
        m.Rmse.Value!.Value.ShouldBe(Math.Sqrt(2.5), Tolerance);
        m.Bias.Value!.Value.ShouldBe(1.0 / 6, Tolerance);
        m.Exact.Value!.Value.ShouldBe(2.0 / 6, Tolerance);
        m.Within1.Value!.Value.ShouldBe(4.0 / 6, Tolerance);
        m.Mae.N.ShouldBe(6);
    }

    [Fact]
    public void Compute_SixSolutions_CorrelationsMatchHandComputation()
    {
        // Pearson: mean h = 4, h − 4 = −4 −2 −1 1 3 3 (Σ² = 40); Σ(h−4)·m = −4−4−6+4+21+15 = 26;
        //   Σ(m − m̄)² = Σm² − (Σm)²/6 = 131 − 625/6 = 161/6; r = 26/√(40·161/6) = 0.793608.
        // Spearman: ranks of h = 1 2 3 4 5.5 5.5 (the two 7s share 5 and 6), of m = 1 2 5 3 6 4; both means 3.5;
        //   Σ(rh − 3.5)² = 17, Σ(rm − 3.5)² = 17.5, Σ(rh − 3.5)·rm = −2.5−3−2.5+1.5+12+8 = 13.5; ρ = 13.5/√(17·17.5) = 0.782691.
        // τ-b: of the 15 pairs, 12 concordant, 2 discordant (3/6 against 5/4 and against 7/5), 1 tied in h (the 7s),
        //   none tied in m; τ-b = (12 − 2)/√((15 − 1)(15 − 0)) = 10/√210 = 0.690066.
        var m = Agreement.Compute(Six(), s_pointOnly).Metrics;

        m.Pearson.Value!.Value.ShouldBe(26 / Math.Sqrt(40 * 161.0 / 6), Tolerance);
        m.Spearman.Value!.Value.ShouldBe(13.5 / Math.Sqrt(17 * 17.5), Tolerance);
        m.KendallTauB.Value!.Value.ShouldBe(10 / Math.Sqrt(210), Tolerance);
    }

    [Fact]
    public void Compute_SixSolutions_KappasMatchHandComputation()
    {
        // QWK on the categories themselves (whole points): observed Σ(h−m)² = 1+0+9+1+0+4 = 15.
        //   Expected, times n: (nΣh² − (Σh)²) + (nΣm² − (Σm)²) + (Σh − Σm)² = (6·136 − 24²) + (6·131 − 25²) + 1 = 402;
        //   κ = 1 − n·15/402 = 1 − 90/402 = 0.776119.
        // Cohen on labels (0–1 → 1, 2–3 → 2, 4–5 → 3, 6–7 → 4): h → 1 2 2 3 4 4, m → 1 2 4 3 4 3; agreement 4/6;
        //   marginals h: 1,2,1,2 and m: 1,1,2,2 → chance Σ/36 = (1+2+2+4)/36 = 1/4; κ = (4/6 − 1/4)/(3/4) = 5/9.
        var m = Agreement.Compute(Six(), s_pointOnly).Metrics;

        m.Qwk.Value!.Value.ShouldBe(1 - 90.0 / 402, Tolerance);
        m.CohenKappa.Value!.Value.ShouldBe(5.0 / 9, Tolerance);
        m.CohenKappa.N.ShouldBe(6);
    }

    [Fact]
    public void Compute_DefaultThreshold_BinaryViewFlagsFailingSolutions()
    {
        // Threshold 7 − 1 = 6; positive = fails (score < 6). h fails 1–4; m fails 1, 2, 4, 6.
        //   TP = solutions 1, 2, 4 (3); FN = solution 3 (h 3, m 6); FP = solution 6 (h 7, m 5); TN = solution 5.
        //   accuracy = 4/6; precision = 3/4; recall = 3/4; F1 = 2·3/(2·3 + 1 + 1) = 0.75.
        var report = Agreement.Compute(Six(), s_pointOnly);

        report.Binary.ShouldBe(new BinaryCounts(3, 1, 1, 1));
        report.Metrics.Accuracy.Value!.Value.ShouldBe(4.0 / 6, Tolerance);
        report.Metrics.Precision.Value!.Value.ShouldBe(0.75, Tolerance);
        report.Metrics.Recall.Value!.Value.ShouldBe(0.75, Tolerance);
        report.Metrics.F1.Value!.Value.ShouldBe(0.75, Tolerance);
    }

    [Fact]
    public void Compute_ExplicitThreshold_OverridesMaxMinusOne()
    {
        // At 4: h fails 0, 2, 3; m fails 1, 2 → TP 2 (solutions 1, 2), FN 1 (solution 3, m 6), FP 0, TN 3.
        var report = Agreement.Compute(Six(), s_pointOnly with { Threshold = 4 });

        report.Binary.ShouldBe(new BinaryCounts(2, 0, 1, 3));
        report.Metrics.Precision.Value.ShouldBe(1.0);
        report.Metrics.Recall.Value!.Value.ShouldBe(2.0 / 3, Tolerance);
    }

    [Fact]
    public void Compute_SixSolutions_CalibrationAndConfusionCountEachReferenceScore()
    {
        // Mean grader score per reference score: 0 → 1, 2 → 2, 3 → 6, 5 → 4, 7 → (7 + 5)/2 = 6.
        var report = Agreement.Compute(Six(), s_pointOnly);

        report.Calibration.Select(r => (r.Reference, r.N, r.MeanGrader.Value)).ShouldBe(
            [(0m, 1, 1.0), (2m, 1, 2.0), (3m, 1, 6.0), (5m, 1, 4.0), (7m, 2, 6.0)]);
        report.PointsConfusion.Labels.ShouldBe(["0", "1", "2", "3", "4", "5", "6", "7"]);
        report.PointsConfusion.Counts[7][5].ShouldBe(1);
        report.PointsConfusion.Counts[7][7].ShouldBe(1);
        report.PointsConfusion.Counts[3][6].ShouldBe(1);
        report.PointsConfusion.Counts.Sum(row => row.Sum()).ShouldBe(6);
        report.LabelsConfusion.Labels.ShouldBe(["1", "2", "3", "4"]);
        report.LabelsConfusion.Counts[1].ShouldBe([0, 1, 0, 1]);
    }

    [Fact]
    public void Compute_KendallOverProblems_AveragesOnlyProblemsWithVarianceOnBothSides()
    {
        // Problem 1: the six above, τ-b = 10/√210.
        // Problem 2: h = 1 1 4, m = 0 2 2. Pairs: (1,2) tied in h; (1,3) concordant; (2,3) tied in m.
        //   τ-b = (1 − 0)/√((3 − 1)(3 − 1)) = 0.5.
        // Problem 3: one solution. Problem 4: h = 3 3 (no variance). Both are left out.
        // Macro average = (10/√210 + 0.5)/2 over 2 problems and their 9 solutions.
        var pairs = Six();
        pairs.AddRange(Pairs(2, [1, 1, 4], [0, 2, 2]));
        pairs.AddRange(Pairs(3, [4], [5]));
        pairs.AddRange(Pairs(4, [3, 3], [1, 2]));

        var report = Agreement.Compute(pairs, s_pointOnly);

        report.Metrics.KendallTauB.Value!.Value.ShouldBe((10 / Math.Sqrt(210) + 0.5) / 2, Tolerance);
        report.Metrics.KendallTauB.N.ShouldBe(9);
        report.KendallProblems.ShouldBe(2);
        report.Problems.ShouldBe(4);
        report.N.ShouldBe(12);
    }

    [Fact]
    public void Compute_HalfPoints_QwkRoundsHalfUpBeforeCategorising()
    {
        // Half up: 2.5 → 3, 0.5 → 1, 3.5 → 4 (banker's rounding would give 2 and 0 and 4). After rounding the grader
        // matches the reference category for category, so κ = 1 although no raw score is equal.
        var pairs = Pairs(1, [2.5m, 0.5m, 3.5m, 6m], [3, 1, 4, 5.5m]);

        var report = Agreement.Compute(pairs, s_pointOnly);

        report.Metrics.Qwk.Value.ShouldBe(1.0);
        report.Metrics.Exact.Value.ShouldBe(0.0);
        AgreementSample.Category(2.5m).ShouldBe(3);
        AgreementSample.Category(0.5m).ShouldBe(1);
        AgreementSample.Category(3.25m).ShouldBe(3);
    }

    [Fact]
    public void Compute_NoVarianceOrNothingFlagged_UndefinedMetricsAreNull()
    {
        // Reference all 7, grader 6 and 7: no variance in the reference, so correlations and τ-b are undefined.
        // Nobody fails at the threshold 6 (6 passes), so precision, recall and F1 are undefined (0/0).
        var report = Agreement.Compute(Pairs(1, [7, 7, 7], [6, 7, 7]));

        report.Metrics.Pearson.ShouldBe(new Metric(null, null, null, 3));
        report.Metrics.Spearman.Value.ShouldBeNull();
        report.Metrics.KendallTauB.Value.ShouldBeNull();
        report.Metrics.Precision.Value.ShouldBeNull();
        report.Metrics.Recall.Value.ShouldBeNull();
        report.Metrics.F1.Value.ShouldBeNull();
        report.Metrics.Accuracy.Value.ShouldBe(1.0);
        report.Metrics.Mae.Value!.Value.ShouldBe(1.0 / 3, Tolerance);
    }

    [Fact]
    public void Compute_IdenticalSingleCategory_KappasUndefined()
    {
        // Both give 7 everywhere: observed and chance agreement are both perfect, κ = 0/0.
        var report = Agreement.Compute(Pairs(1, [7, 7], [7, 7]), s_pointOnly);

        report.Metrics.Qwk.Value.ShouldBeNull();
        report.Metrics.CohenKappa.Value.ShouldBeNull();
        report.Metrics.Exact.Value.ShouldBe(1.0);
    }

    [Fact]
    public void Compute_Empty_EverythingNullWithZeroCounts()
    {
        var report = Agreement.Compute([]);

        report.N.ShouldBe(0);
        report.Metrics.Named().ShouldAllBe(m => m.Value.Value == null && m.Value.N == 0);
        report.Calibration.ShouldBeEmpty();
    }

    [Fact]
    public void Compute_LabelsMissingOnOneSide_CohenUsesOnlyPairsLabelledTwice()
    {
        // Labels given: (A, A), (B, B), (A, B); the fourth pair has no grader label and is left out.
        // p_o = 2/3; marginals reference A 2, B 1; grader A 1, B 2; chance = (2·1 + 1·2)/9 = 4/9; κ = (6/9 − 4/9)/(5/9) = 0.4.
        var p = Problem(1);
        ScorePair Pair(int i, string? r, string? g) => new(p, Id(2, 1, i), 3, 3, 7, r, g);
        var report = Agreement.Compute([Pair(0, "A", "A"), Pair(1, "B", "B"), Pair(2, "A", "B"), Pair(3, "B", null)],
            s_pointOnly with { LabelOrder = ["B", "A", "C"] });

        report.Metrics.CohenKappa.Value!.Value.ShouldBe(0.4, Tolerance);
        report.Metrics.CohenKappa.N.ShouldBe(3);
        report.LabelsConfusion.Labels.ShouldBe(["B", "A", "C"]);
        report.LabelsConfusion.Counts[1].ShouldBe([1, 1, 0]);
    }

    [Fact]
    public void Compute_RubricItems_MeansOverSolutionsWhereBothAwarded()
    {
        // Item X: (2 vs 1), (2 vs 2) → mean reference 2, grader 1.5, bias −0.5. Item Y: (0 vs 1) → 0, 1, +1.
        var p = Problem(1);
        Guid x = Id(3, 1), y = Id(3, 2);
        var report = Agreement.Compute(
        [
            new ScorePair(p, Id(2, 1, 1), 4, 4, 7, Items: [new(x, 2, 1), new(y, 0, 1)]),
            new ScorePair(p, Id(2, 1, 2), 5, 5, 7, Items: [new(x, 2, 2)]),
        ], s_pointOnly);

        report.RubricItems.Select(i => (i.RubricItemId, i.N, i.MeanReference.Value, i.MeanGrader.Value, i.Bias.Value))
            .ShouldBe([(x, 2, 2.0, 1.5, -0.5), (y, 1, 0.0, 1.0, 1.0)]);
    }

    [Fact]
    public void HumanCeiling_DoubleGradedSolutions_ComparesFirstWithSecondPerson()
    {
        // Solution 1: 3 then 5; solution 2: 6 then 6; solution 3 has one grade and is skipped.
        // MAE = (2 + 0)/2 = 1, bias (second − first) = +1; item Z awarded by both on solution 1 only.
        var z = Id(3, 9);
        var solutions = new[]
        {
            new DoubleGradedSolution(Problem(1), Id(2, 1, 1), 7, [new(3, "2", new Dictionary<Guid, decimal> { [z] = 1 }), new(5, "3", new Dictionary<Guid, decimal> { [z] = 2 })]),
            new DoubleGradedSolution(Problem(1), Id(2, 1, 2), 7, [new(6, "4"), new(6, "4"), new(0)]),
            new DoubleGradedSolution(Problem(1), Id(2, 1, 3), 7, [new(2)]),
        };

        var report = Agreement.HumanCeiling(solutions, s_pointOnly);

        report.N.ShouldBe(2);
        report.Metrics.Mae.Value.ShouldBe(1.0);
        report.Metrics.Bias.Value.ShouldBe(1.0);
        report.RubricItems.ShouldHaveSingleItem().MeanGrader.Value.ShouldBe(2.0);
    }

    [Fact]
    public void Compute_DuplicateSolutionOrScoreOutOfRange_Throws()
    {
        var pairs = Pairs(1, [1, 2], [1, 2]);
        pairs.Add(pairs[0]);

        Should.Throw<ArgumentException>(() => Agreement.Compute(pairs)).Message.ShouldContain("appears twice");
        Should.Throw<ArgumentException>(() => Agreement.Compute(Pairs(1, [8], [1]))).Message.ShouldContain("between 0 and 7");
    }

    [Fact]
    public void Quantile_Interpolates_BetweenOrderStatistics()
    {
        // Type 7: h = (n − 1)·q. q = 0.25 on 1 2 3 4 → h = 0.75 → 1 + 0.75·(2 − 1) = 1.75;
        // q = 0.975 → h = 2.925 → 3 + 0.925·1 = 3.925.
        Agreement.Quantile([1, 2, 3, 4], 0.25).ShouldBe(1.75, Tolerance);
        Agreement.Quantile([1, 2, 3, 4], 0.975).ShouldBe(3.925, Tolerance);
        Agreement.Quantile([5], 0.975).ShouldBe(5);
    }
}
