namespace GradingPortal.Domain.Evaluation;

/// <summary>
/// One figure with its 95% bootstrap interval. <see cref="Value"/> is null where the metric is undefined (a correlation
/// without variance, a precision with nothing flagged); the bounds are null without resamples or without a value.
/// </summary>
/// <param name="Value">The point estimate on all solutions.</param>
/// <param name="Low">Lower percentile of the resampled values (resamples where the metric is undefined are left out).</param>
/// <param name="High">Upper percentile of the resampled values.</param>
/// <param name="N">Solutions the figure rests on.</param>
public sealed record Metric(double? Value, double? Low, double? High, int N)
{
    /// <summary>No data: every part null, n = 0.</summary>
    public static Metric Empty { get; } = new(null, null, null, 0);
}

/// <summary>The agreement figures of one grader against the reference (GRADING-METHOD.md, "Agreement metrics").</summary>
/// <param name="Mae">Mean |grader − reference|.</param>
/// <param name="Rmse">Root of the mean squared difference.</param>
/// <param name="Bias">Mean (grader − reference); positive means the grader over-credits.</param>
/// <param name="Exact">Share of solutions where both gave the same score.</param>
/// <param name="Within1">Share of solutions where the scores differ by at most one point.</param>
/// <param name="Pearson">Pearson's r over all solutions.</param>
/// <param name="Spearman">Spearman's ρ over all solutions (Pearson on average ranks).</param>
/// <param name="KendallTauB">Kendall's τ-b within each problem, averaged over the problems where it is defined.</param>
/// <param name="Qwk">Quadratic weighted κ on whole-point categories (scores rounded half up).</param>
/// <param name="CohenKappa">Cohen's κ on labels, over the solutions both labelled.</param>
/// <param name="Accuracy">Share of solutions on the same side of the pass threshold.</param>
/// <param name="Precision">Of the solutions the grader fails, the share the reference fails too.</param>
/// <param name="Recall">Of the solutions the reference fails, the share the grader fails too.</param>
/// <param name="F1">Harmonic mean of precision and recall of flagging failing solutions.</param>
public sealed record AgreementMetrics(
    Metric Mae,
    Metric Rmse,
    Metric Bias,
    Metric Exact,
    Metric Within1,
    Metric Pearson,
    Metric Spearman,
    Metric KendallTauB,
    Metric Qwk,
    Metric CohenKappa,
    Metric Accuracy,
    Metric Precision,
    Metric Recall,
    Metric F1)
{
    /// <summary>Every metric with its name as the Api spells it, in a fixed order (one CSV row each).</summary>
    public IReadOnlyList<KeyValuePair<string, Metric>> Named() =>
    [
        new("mae", Mae), new("rmse", Rmse), new("bias", Bias), new("exact", Exact), new("within1", Within1),
        new("pearson", Pearson), new("spearman", Spearman), new("kendallTauB", KendallTauB), new("qwk", Qwk),
        new("cohenKappa", CohenKappa), new("accuracy", Accuracy), new("precision", Precision), new("recall", Recall),
        new("f1", F1),
    ];
}

/// <summary>Partial-credit calibration: the grader's mean score over the solutions the reference gave one score.</summary>
public sealed record CalibrationRow(decimal Reference, int N, Metric MeanGrader);

/// <summary>Per rubric item: mean awards of both sides over the solutions where both awarded it, and their difference.</summary>
public sealed record RubricItemAgreement(Guid RubricItemId, int N, Metric MeanReference, Metric MeanGrader, Metric Bias);

/// <summary>Counts; rows are the reference's categories, columns the grader's, both in <see cref="Labels"/> order.</summary>
public sealed record ConfusionMatrix(IReadOnlyList<string> Labels, IReadOnlyList<IReadOnlyList<int>> Counts);

/// <summary>The binary view's counts; the positive class is a failing solution (score below the threshold).</summary>
public sealed record BinaryCounts(int TruePositives, int FalsePositives, int FalseNegatives, int TrueNegatives);

/// <summary>Everything measured for one grader against the reference.</summary>
/// <param name="N">Solutions compared.</param>
/// <param name="Problems">Problems those solutions answer.</param>
/// <param name="KendallProblems">Problems with at least two solutions and variance in both sources (τ-b's average).</param>
/// <param name="Metrics">The figures with intervals.</param>
/// <param name="Calibration">One row per reference score, ascending.</param>
/// <param name="RubricItems">One row per rubric item awarded by both sides, ordered by item id.</param>
/// <param name="PointsConfusion">Whole-point categories 0..max (rounded half up).</param>
/// <param name="LabelsConfusion">Labels, over the solutions both labelled.</param>
/// <param name="Binary">Pass/fail counts at the threshold.</param>
/// <param name="Resamples">Bootstrap resamples behind the intervals.</param>
/// <param name="Seed">Seed of the resampling.</param>
public sealed record AgreementReport(
    int N,
    int Problems,
    int KendallProblems,
    AgreementMetrics Metrics,
    IReadOnlyList<CalibrationRow> Calibration,
    IReadOnlyList<RubricItemAgreement> RubricItems,
    ConfusionMatrix PointsConfusion,
    ConfusionMatrix LabelsConfusion,
    BinaryCounts Binary,
    int Resamples,
    ulong Seed);
