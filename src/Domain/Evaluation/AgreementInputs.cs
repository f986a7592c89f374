namespace GradingPortal.Domain.Evaluation;

/// <summary>
/// One solution scored twice: by the reference (people: an adjudicated grade, a mean of human grades, or the first
/// human grade, as the caller chooses) and by the grader being measured (a grading run, an imported judge, or a second
/// person when measuring the human ceiling). The solution is the unit of resampling and its problem is the stratum.
/// </summary>
/// <param name="ProblemId">The problem the solution answers; Kendall's τ-b and the bootstrap work within problems.</param>
/// <param name="SolutionId">Identifies the solution; a sample holds each solution once.</param>
/// <param name="Reference">The reference's total, between 0 and <paramref name="MaxPoints"/>.</param>
/// <param name="Grader">The measured grader's total (may fall between half points, e.g. a mean of samples).</param>
/// <param name="MaxPoints">The problem's maximum; the default pass threshold is one below it.</param>
/// <param name="ReferenceLabel">The reference's label (e.g. "Correct" or "4"), for Cohen's κ and the label confusion.</param>
/// <param name="GraderLabel">The grader's label on the same scale.</param>
/// <param name="Items">Per rubric item, both awards where both sides awarded the item.</param>
public sealed record ScorePair(
    Guid ProblemId,
    Guid SolutionId,
    decimal Reference,
    decimal Grader,
    int MaxPoints,
    string? ReferenceLabel = null,
    string? GraderLabel = null,
    IReadOnlyList<RubricItemAward>? Items = null);

/// <summary>What the reference and the grader awarded for one rubric item of one solution.</summary>
public readonly record struct RubricItemAward(Guid RubricItemId, decimal Reference, decimal Grader);

/// <summary>A solution with the grades people gave it, in the order that decides who is the reference (e.g. by time).</summary>
public sealed record DoubleGradedSolution(Guid ProblemId, Guid SolutionId, int MaxPoints, IReadOnlyList<PersonGrade> Grades);

/// <summary>One person's grade: total, optional label, and optional awards per rubric item.</summary>
public sealed record PersonGrade(decimal Points, string? Label = null, IReadOnlyDictionary<Guid, decimal>? Items = null);

/// <summary>How agreement is computed. The defaults are the method's: 1,000 resamples, a fixed seed, 95% intervals.</summary>
public sealed record AgreementOptions
{
    /// <summary>The seed used unless another is given; fixed so that the same grades always give the same intervals.</summary>
    public const ulong DefaultSeed = 20_260_415UL;

    /// <summary>The method's defaults.</summary>
    public static AgreementOptions Default { get; } = new();

    /// <summary>
    /// A solution passes when its score is at least this. Null: each pair's own <see cref="ScorePair.MaxPoints"/> − 1.
    /// </summary>
    public decimal? Threshold { get; init; }

    /// <summary>Bootstrap resamples; 0 computes the point estimates only (no intervals).</summary>
    public int Resamples { get; init; } = 1000;

    /// <summary>Seed of the resampling.</summary>
    public ulong Seed { get; init; } = DefaultSeed;

    /// <summary>Coverage of the percentile interval (0.95: the 2.5th and 97.5th percentiles).</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>Order of labels in the label confusion matrix; labels not listed follow in ordinal order.</summary>
    public IReadOnlyList<string>? LabelOrder { get; init; }

    /// <summary>Threads used for resampling; -1 uses every core.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;
}
