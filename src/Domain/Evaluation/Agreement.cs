using System.Globalization;
using System.Runtime.ExceptionServices;

namespace GradingPortal.Domain.Evaluation;

/// <summary>
/// Agreement between a grader and the reference (GRADING-METHOD.md, "Agreement metrics"), as pure functions of score
/// pairs: error, correlation, κ, the binary view, confusion matrices and calibration, each figure with a stratified
/// bootstrap interval (solutions resampled within their problems; fixed seed). Conventions: docs/evaluation-metrics.md.
/// </summary>
public static class Agreement
{
    private const int ResamplesPerTask = 100;

    /// <summary>Agreement of one grader with the reference over the given solutions.</summary>
    public static AgreementReport Compute(IReadOnlyList<ScorePair> pairs, AgreementOptions? options = null) =>
        ComputeMany([pairs], options)[0];

    /// <summary>
    /// Agreement of several graders at once (each its own list of pairs), resampled in parallel. Each grader's result
    /// is the one <see cref="Compute"/> gives it alone: resamples are seeded by their index, not by the thread.
    /// </summary>
    public static IReadOnlyList<AgreementReport> ComputeMany(IReadOnlyList<IReadOnlyList<ScorePair>> samples, AgreementOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        options ??= AgreementOptions.Default;
        if (options.Resamples < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Resamples cannot be negative.");
        }
        if (options.Confidence is not (> 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Confidence must lie strictly between 0 and 1.");
        }
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };
        var prepared = new AgreementSample[samples.Count];
        Unwrapped(() => Parallel.For(0, samples.Count, parallel, i => prepared[i] = AgreementSample.Create(samples[i], options)));

        var resamples = options.Resamples;
        var values = new double[samples.Count][];
        var tasks = new List<(int Sample, int From, int To)>();
        for (var i = 0; i < prepared.Length; i++)
        {
            if (prepared[i].SolutionCount == 0)
            {
                continue;
            }
            values[i] = new double[prepared[i].MetricCount * resamples];
            for (var from = 0; from < resamples; from += ResamplesPerTask)
            {
                tasks.Add((i, from, Math.Min(resamples, from + ResamplesPerTask)));
            }
        }
        Parallel.ForEach(tasks, parallel, task =>
        {
            var sample = prepared[task.Sample];
            var kernel = new AgreementKernel(sample);
            var metrics = sample.MetricCount;
            var buffer = new double[metrics];
            var column = values[task.Sample];
            for (var r = task.From; r < task.To; r++)
            {
                var random = new BootstrapRandom(options.Seed, r);
                kernel.Resample(ref random);
                kernel.Evaluate(buffer);
                for (var m = 0; m < metrics; m++)
                {
                    column[m * resamples + r] = buffer[m];
                }
            }
        });

        var reports = new AgreementReport[samples.Count];
        for (var i = 0; i < prepared.Length; i++)
        {
            reports[i] = Report(prepared[i], values[i], options);
        }
        return reports;
    }

    /// <summary>The whole-point category a score is counted under in the confusion matrix and QWK (rounded half up).</summary>
    public static int Category(decimal score) => AgreementSample.Category(score);

    /// <summary>
    /// The human ceiling: the same figures between two people, on the solutions graded by at least two. The first
    /// grade of each solution plays the reference and the second the grader (so bias reads "second minus first").
    /// </summary>
    public static AgreementReport HumanCeiling(IEnumerable<DoubleGradedSolution> solutions, AgreementOptions? options = null) =>
        Compute(HumanCeilingPairs(solutions), options);

    /// <summary>The pairs <see cref="HumanCeiling"/> compares: first and second grade of each double-graded solution.</summary>
    public static IReadOnlyList<ScorePair> HumanCeilingPairs(IEnumerable<DoubleGradedSolution> solutions)
    {
        ArgumentNullException.ThrowIfNull(solutions);
        var pairs = new List<ScorePair>();
        foreach (var solution in solutions)
        {
            if (solution.Grades.Count < 2)
            {
                continue;
            }
            var first = solution.Grades[0];
            var second = solution.Grades[1];
            List<RubricItemAward>? items = null;
            if (first.Items is { } a && second.Items is { } b)
            {
                items = [.. a.Where(x => b.ContainsKey(x.Key)).OrderBy(x => x.Key).Select(x => new RubricItemAward(x.Key, x.Value, b[x.Key]))];
            }
            pairs.Add(new ScorePair(solution.ProblemId, solution.SolutionId, first.Points, second.Points, solution.MaxPoints,
                first.Label, second.Label, items));
        }
        return pairs;
    }

    private static AgreementReport Report(AgreementSample s, double[]? resampled, AgreementOptions options)
    {
        var n = s.SolutionCount;
        var labelled = 0;
        var refCounts = new int[s.RefValues.Length];
        var itemCounts = new int[s.ItemIds.Length];
        var points = Square(s.MaxCategory + 1);
        var labels = Square(s.Labels.Length);
        int tp = 0, fp = 0, fn = 0, tn = 0;
        var typeSize = new int[s.TypeCount];
        for (var c = 0; c < s.CellCount; c++)
        {
            typeSize[s.CellType[c]] += s.CellSize[c];
        }
        for (var t = 0; t < s.TypeCount; t++)
        {
            var w = typeSize[t];
            refCounts[s.TypeRefCode[t]] += w;
            points[s.TypeRefCat[t]][s.TypeGrdCat[t]] += w;
            if (s.TypeRefLabel[t] >= 0 && s.TypeGrdLabel[t] >= 0)
            {
                labelled += w;
                labels[s.TypeRefLabel[t]][s.TypeGrdLabel[t]] += w;
            }
            switch (s.TypeFlags[t] & (AgreementSample.RefFailsFlag | AgreementSample.GrdFailsFlag))
            {
                case AgreementSample.RefFailsFlag | AgreementSample.GrdFailsFlag: tp += w; break;
                case AgreementSample.GrdFailsFlag: fp += w; break;
                case AgreementSample.RefFailsFlag: fn += w; break;
                default: tn += w; break;
            }
        }
        foreach (var item in s.ItemOf)
        {
            itemCounts[item]++;
        }

        var estimate = new double[s.MetricCount];
        var kendallProblems = 0;
        var kendallSolutions = 0;
        if (n > 0)
        {
            var kernel = new AgreementKernel(s);
            kernel.WeighAll();
            kernel.Evaluate(estimate);
            kernel.KendallMacro(out kendallProblems, out kendallSolutions);
        }
        else
        {
            Array.Fill(estimate, double.NaN);
        }

        Metric At(int index, int count) => Interval(estimate[index], resampled, index, options, count);

        var metrics = new AgreementMetrics(
            At(AgreementKernel.Mae, n), At(AgreementKernel.Rmse, n), At(AgreementKernel.Bias, n),
            At(AgreementKernel.Exact, n), At(AgreementKernel.Within1, n), At(AgreementKernel.Pearson, n),
            At(AgreementKernel.Spearman, n), At(AgreementKernel.KendallTauB, kendallSolutions), At(AgreementKernel.Qwk, n),
            At(AgreementKernel.CohenKappa, labelled), At(AgreementKernel.Accuracy, n), At(AgreementKernel.Precision, n),
            At(AgreementKernel.Recall, n), At(AgreementKernel.F1, n));

        var calibration = new CalibrationRow[s.RefValues.Length];
        for (var k = 0; k < calibration.Length; k++)
        {
            calibration[k] = new CalibrationRow(s.RefValues[k], refCounts[k], At(AgreementSample.CoreMetrics + k, refCounts[k]));
        }
        var itemBase = AgreementSample.CoreMetrics + s.RefValues.Length;
        var items = new RubricItemAgreement[s.ItemIds.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var at = itemBase + 3 * i;
            items[i] = new RubricItemAgreement(s.ItemIds[i], itemCounts[i],
                At(at, itemCounts[i]), At(at + 1, itemCounts[i]), At(at + 2, itemCounts[i]));
        }

        var pointLabels = Enumerable.Range(0, s.MaxCategory + 1).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        return new AgreementReport(n, s.ProblemCount, kendallProblems, metrics, calibration, items,
            new ConfusionMatrix(pointLabels, points), new ConfusionMatrix(s.Labels, labels),
            new BinaryCounts(tp, fp, fn, tn), resampled is null ? 0 : options.Resamples, options.Seed);
    }

    /// <summary>
    /// Percentile interval: the (1−c)/2 and (1+c)/2 quantiles of the resampled values, linearly interpolated between
    /// order statistics (the common "type 7" definition). Resamples where the figure is undefined are left out.
    /// </summary>
    private static Metric Interval(double value, double[]? resampled, int index, AgreementOptions options, int n)
    {
        if (double.IsNaN(value))
        {
            return new Metric(null, null, null, n);
        }
        var count = options.Resamples;
        if (resampled is null || count == 0)
        {
            return new Metric(value, null, null, n);
        }
        var defined = new double[count];
        var m = 0;
        foreach (var v in resampled.AsSpan(index * count, count))
        {
            if (!double.IsNaN(v))
            {
                defined[m++] = v;
            }
        }
        if (m == 0)
        {
            return new Metric(value, null, null, n);
        }
        var sorted = defined.AsSpan(0, m);
        sorted.Sort();
        var tail = (1 - options.Confidence) / 2;
        return new Metric(value, Quantile(sorted, tail), Quantile(sorted, 1 - tail), n);
    }

    internal static double Quantile(ReadOnlySpan<double> sorted, double q)
    {
        var h = (sorted.Length - 1) * q;
        var lower = (int)Math.Floor(h);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (h - lower) * (sorted[upper] - sorted[lower]);
    }

    private static int[][] Square(int size)
    {
        var rows = new int[size][];
        for (var i = 0; i < size; i++)
        {
            rows[i] = new int[size];
        }
        return rows;
    }

    private static void Unwrapped(Action action)
    {
        try
        {
            action();
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Callers expect the ArgumentException that describes their bad pair, not the parallel loop's wrapper.
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }
}
