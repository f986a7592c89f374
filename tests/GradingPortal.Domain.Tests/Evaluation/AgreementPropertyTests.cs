using CsCheck;
using GradingPortal.Domain.Evaluation;
using static GradingPortal.Domain.Tests.Evaluation.EvaluationData;

namespace GradingPortal.Domain.Tests.Evaluation;

/// <summary>Invariants that must hold on any data, checked on random samples (CsCheck shrinks a failure to a small one).</summary>
public sealed class AgreementPropertyTests
{
    private const double Tolerance = 1e-9;
    private static readonly AgreementOptions s_pointOnly = new() { Resamples = 0 };
    private static readonly AgreementOptions s_fewResamples = new() { Resamples = 40, MaxDegreeOfParallelism = 1 };

    /// <summary>1–5 problems of 1–15 solutions scored on the half-point grid 0–7.</summary>
    private static readonly Gen<List<ScorePair>> s_halfPoints =
        Gen.Select(Gen.Int[0, 14], Gen.Int[0, 14]).Array[1, 15].Array[1, 5].Select(problems => Build(problems, 2));

    /// <summary>Heavy ties: whole points 0–3 only.</summary>
    private static readonly Gen<List<ScorePair>> s_ties =
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3]).Array[2, 30].Array[1, 4].Select(problems => Build(problems, 1));

    /// <summary>Nearly continuous scores (hundredths) in larger problems: the τ-b sweep takes its tree path.</summary>
    private static readonly Gen<List<ScorePair>> s_fine =
        Gen.Select(Gen.Int[0, 700], Gen.Int[0, 700]).Array[40, 90].Array[1, 2].Select(problems => Build(problems, 100));

    [Fact]
    public void Compute_SwappedSides_SymmetricMetricsEqualAndDirectionalOnesMirror()
    {
        s_halfPoints.Sample(pairs =>
        {
            var a = Agreement.Compute(pairs, s_fewResamples).Metrics;
            var b = Agreement.Compute(Swapped(pairs), s_fewResamples).Metrics;

            // Same draws on both sides (they depend on the solutions only), so the intervals agree as well.
            foreach (var (name, metric) in a.Named())
            {
                var swapped = b.Named().Single(x => x.Key == name).Value;
                switch (name)
                {
                    case "bias":
                        Same(swapped.Value, -metric.Value);
                        Same(swapped.Low, -metric.High);
                        break;
                    case "precision":
                        Same(b.Recall.Value, metric.Value);
                        break;
                    case "recall":
                        Same(b.Precision.Value, metric.Value);
                        break;
                    default:
                        Same(swapped.Value, metric.Value);
                        Same(swapped.Low, metric.Low);
                        Same(swapped.High, metric.High);
                        break;
                }
            }
        }, iter: 150);
    }

    [Fact]
    public void Compute_AnyData_MetricsAndIntervalsWithinTheirBounds()
    {
        s_halfPoints.Sample(pairs =>
        {
            var m = Agreement.Compute(pairs, s_fewResamples).Metrics;

            InRange(m.Mae, 0, 7);
            InRange(m.Rmse, 0, 7);
            InRange(m.Bias, -7, 7);
            InRange(m.Exact, 0, 1);
            InRange(m.Within1, 0, 1);
            foreach (var metric in new[] { m.Pearson, m.Spearman, m.KendallTauB, m.Accuracy, m.Precision, m.Recall, m.F1 })
            {
                InRange(metric, metric == m.Pearson || metric == m.Spearman || metric == m.KendallTauB ? -1 : 0, 1);
            }
            InRange(m.Qwk, double.NegativeInfinity, 1);
            InRange(m.CohenKappa, -1, 1);
            m.Rmse.Value!.Value.ShouldBeGreaterThanOrEqualTo(m.Mae.Value!.Value - Tolerance);
            Math.Abs(m.Bias.Value!.Value).ShouldBeLessThanOrEqualTo(m.Mae.Value!.Value + Tolerance);
            m.Exact.Value!.Value.ShouldBeLessThanOrEqualTo(m.Within1.Value!.Value);
        }, iter: 150);
    }

    [Fact]
    public void Compute_IdenticalRatings_KappaAndCorrelationsAreOne()
    {
        s_halfPoints.Select(pairs => pairs.Select(p => p with { Grader = p.Reference, GraderLabel = p.ReferenceLabel }).ToList())
            .Sample(pairs =>
            {
                var report = Agreement.Compute(pairs, s_pointOnly);
                var m = report.Metrics;

                m.Mae.Value.ShouldBe(0);
                m.Exact.Value.ShouldBe(1);
                m.Accuracy.Value.ShouldBe(1);
                var categories = pairs.Select(p => AgreementSample.Category(p.Reference)).Distinct().Count();
                if (categories > 1)
                {
                    m.Qwk.Value.ShouldBe(1);
                }
                if (pairs.Select(p => p.ReferenceLabel).Distinct().Count() > 1)
                {
                    m.CohenKappa.Value.ShouldBe(1);
                }
                if (pairs.Select(p => p.Reference).Distinct().Count() > 1)
                {
                    m.Pearson.Value!.Value.ShouldBe(1, Tolerance);
                    m.Spearman.Value!.Value.ShouldBe(1, Tolerance);
                }
                if (report.KendallProblems > 0)
                {
                    m.KendallTauB.Value!.Value.ShouldBe(1, Tolerance);
                }
            }, iter: 150);
    }

    [Fact]
    public void Compute_ManyTies_KendallTauBEqualsItsDefinitionPerProblem()
    {
        s_ties.Sample(CheckKendall, iter: 200);
    }

    [Fact]
    public void Compute_NearlyContinuousScores_KendallTauBEqualsItsDefinitionPerProblem()
    {
        s_fine.Sample(CheckKendall, iter: 60);
    }

    [Fact]
    public void Compute_AnyData_PearsonAndSpearmanEqualTheirDefinitions()
    {
        s_ties.Sample(pairs =>
        {
            var m = Agreement.Compute(pairs, s_pointOnly).Metrics;
            var h = pairs.Select(p => (double)p.Reference).ToList();
            var g = pairs.Select(p => (double)p.Grader).ToList();

            Same(m.Pearson.Value, NaivePearson(h, g));
            Same(m.Spearman.Value, NaivePearson(MidRanks(h), MidRanks(g)));
        }, iter: 150);
    }

    [Fact]
    public void Compute_ShuffledInputSameSeed_IdenticalReport()
    {
        Gen.Select(s_halfPoints, Gen.Int).Sample(t =>
        {
            var (pairs, seed) = t;
            var shuffled = pairs.ToArray();
            new Random(seed).Shuffle(shuffled);

            var a = Agreement.Compute(pairs, s_fewResamples);
            var b = Agreement.Compute(shuffled, s_fewResamples with { MaxDegreeOfParallelism = -1 });

            b.Metrics.ShouldBe(a.Metrics);
            b.Calibration.ShouldBe(a.Calibration);
        }, iter: 100);
    }

    private static void CheckKendall(List<ScorePair> pairs)
    {
        var report = Agreement.Compute(pairs, s_pointOnly);
        var taus = pairs.GroupBy(p => p.ProblemId)
            .Select(g => NaiveTauB([.. g.Select(p => (double)p.Reference)], [.. g.Select(p => (double)p.Grader)]))
            .Where(t => t is not null)
            .Select(t => t!.Value)
            .ToList();

        report.KendallProblems.ShouldBe(taus.Count);
        Same(report.Metrics.KendallTauB.Value, taus.Count > 0 ? taus.Average() : null);
    }

    /// <summary>Problem i gets the i-th list of (reference, grader) scores, each divided by <paramref name="scale"/>.</summary>
    private static List<ScorePair> Build((int Reference, int Grader)[][] problems, int scale)
    {
        var pairs = new List<ScorePair>();
        for (var p = 0; p < problems.Length; p++)
        {
            pairs.AddRange(Pairs(p, [.. problems[p].Select(x => (decimal)x.Reference / scale)],
                [.. problems[p].Select(x => (decimal)x.Grader / scale)]));
        }
        return pairs;
    }

    private static void Same(double? actual, double? expected)
    {
        if (expected is null)
        {
            actual.ShouldBeNull();
        }
        else
        {
            actual.ShouldNotBeNull();
            actual.Value.ShouldBe(expected.Value, Tolerance);
        }
    }

    private static void InRange(Metric metric, double low, double high)
    {
        foreach (var v in new[] { metric.Value, metric.Low, metric.High })
        {
            if (v is { } x)
            {
                x.ShouldBeInRange(low - Tolerance, high + Tolerance);
            }
        }
        if (metric.Low is { } l && metric.High is { } h)
        {
            l.ShouldBeLessThanOrEqualTo(h);
        }
    }
}
