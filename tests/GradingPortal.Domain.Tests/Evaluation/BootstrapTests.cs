using GradingPortal.Domain.Evaluation;
using static GradingPortal.Domain.Tests.Evaluation.EvaluationData;

namespace GradingPortal.Domain.Tests.Evaluation;

public sealed class BootstrapTests
{
    [Fact]
    public void Compute_OneExactAndOneOffByTwo_IntervalSpansTheResampledExtremes()
    {
        // Two solutions, differences 0 and 2. A resample draws two of them: MAE 0 (both the first, p = 1/4),
        // 1 (one each, p = 1/2) or 2 (both the second, p = 1/4). With about 250 resamples at each end, the 2.5th
        // and 97.5th percentiles are 0 and 2.
        var report = Agreement.Compute(Pairs(1, [3, 3], [3, 5]));

        report.Metrics.Mae.ShouldBe(new Metric(1.0, 0.0, 2.0, 2));
        report.Resamples.ShouldBe(1000);
        report.Seed.ShouldBe(AgreementOptions.DefaultSeed);
    }

    [Fact]
    public void Compute_ProblemsWithConstantErrors_StratifiedResamplingKeepsTheMix()
    {
        // Problem 1: ten solutions graded exactly; problem 2: ten solutions all 2 points too high. Resampling within
        // problems keeps ten of each in every resample, so MAE is exactly 1 in all of them and the interval is [1, 1].
        // (Resampling the twenty solutions as one pool would vary the mix and widen it.)
        var pairs = Pairs(1, [.. Enumerable.Repeat(3m, 10)], [.. Enumerable.Repeat(3m, 10)]);
        pairs.AddRange(Pairs(2, [.. Enumerable.Repeat(4m, 10)], [.. Enumerable.Repeat(6m, 10)]));

        var report = Agreement.Compute(pairs);

        report.Metrics.Mae.ShouldBe(new Metric(1.0, 1.0, 1.0, 20));
        report.Metrics.Bias.ShouldBe(new Metric(1.0, 1.0, 1.0, 20));
    }

    [Fact]
    public void Compute_SameSeed_SameIntervalsWhateverTheInputOrder()
    {
        var pairs = Mixed();
        var shuffled = pairs.AsEnumerable().Reverse().ToList();
        new Random(3).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(shuffled));

        var first = Agreement.Compute(pairs);
        var again = Agreement.Compute(shuffled);

        again.Metrics.ShouldBe(first.Metrics);
        again.Calibration.ShouldBe(first.Calibration);
        first.Metrics.Mae.Low.ShouldNotBe(first.Metrics.Mae.High);
    }

    [Fact]
    public void Compute_OtherSeed_OtherIntervals()
    {
        var pairs = Mixed();

        var first = Agreement.Compute(pairs);
        var other = Agreement.Compute(pairs, new AgreementOptions { Seed = 7 });

        other.Metrics.Mae.Value.ShouldBe(first.Metrics.Mae.Value);
        (other.Metrics.Mae.Low, other.Metrics.Mae.High).ShouldNotBe((first.Metrics.Mae.Low, first.Metrics.Mae.High));
    }

    [Fact]
    public void ComputeMany_SeveralGraders_EachAsComputedAlone()
    {
        var a = Mixed();
        var b = a.Select(p => p with { Grader = Math.Max(0, p.Grader - 1) }).ToList();

        var together = Agreement.ComputeMany([a, b], new AgreementOptions { MaxDegreeOfParallelism = 2 });
        var aloneB = Agreement.Compute(b, new AgreementOptions { MaxDegreeOfParallelism = 1 });

        together[1].Metrics.ShouldBe(aloneB.Metrics);
        together[0].Metrics.ShouldNotBe(together[1].Metrics);
    }

    [Fact]
    public void Compute_NinetyPercentInterval_NarrowerThanNinetyFive()
    {
        var pairs = Mixed();

        var wide = Agreement.Compute(pairs).Metrics.Mae;
        var narrow = Agreement.Compute(pairs, new AgreementOptions { Confidence = 0.9 }).Metrics.Mae;

        narrow.Low!.Value.ShouldBeGreaterThanOrEqualTo(wide.Low!.Value);
        narrow.High!.Value.ShouldBeLessThanOrEqualTo(wide.High!.Value);
        (narrow.High - narrow.Low).ShouldNotBe(wide.High - wide.Low);
    }

    /// <summary>Three problems of 12 solutions with assorted half-point disagreements.</summary>
    private static List<ScorePair> Mixed()
    {
        var random = new Random(11);
        var pairs = new List<ScorePair>();
        for (var p = 0; p < 3; p++)
        {
            var reference = Enumerable.Range(0, 12).Select(_ => (decimal)random.Next(0, 8)).ToArray();
            var grader = reference.Select(h => Math.Clamp(h + random.Next(-4, 5) / 2m, 0, 7)).ToArray();
            pairs.AddRange(Pairs(p, reference, grader));
        }
        return pairs;
    }
}
