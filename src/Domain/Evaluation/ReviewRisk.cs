using System.Globalization;
using GradingPortal.Domain.Grading;

namespace GradingPortal.Domain.Evaluation;

/// <summary>What one model grade of a solution says about the risk of trusting it.</summary>
/// <param name="Status">Valid, NeedsAttention or Unscored.</param>
/// <param name="Points">The total; null unless valid.</param>
/// <param name="SampleSpread">Highest minus lowest sample total when the run took several samples; null otherwise.</param>
/// <param name="CommonPrefix">
/// How many main steps the solution shares, in order, with the reference approach it was matched to; null when no
/// matching on steps took place (one approach only, or a workflow without clusters).
/// </param>
/// <param name="CriticalFinding">Whether the verdict reports a critical error that no person has rejected.</param>
public sealed record ModelSignal(ModelGradeStatus Status, decimal? Points, decimal? SampleSpread, int? CommonPrefix, bool CriticalFinding);

/// <summary>Everything the risk of one solution is computed from.</summary>
/// <param name="MaxPoints">The problem's maximum.</param>
/// <param name="Threshold">The pass mark of the binary view (the problem's maximum minus one unless chosen).</param>
/// <param name="NeedsGrade">Whether the solution is waiting for an independent grade from the person asking.</param>
/// <param name="HumanPoints">People's totals.</param>
/// <param name="Adjudicated">Whether a final grade has been decided (people's disagreement is then settled).</param>
/// <param name="Models">Every model grade of the solution.</param>
public sealed record ReviewSignals(int MaxPoints, decimal Threshold, bool NeedsGrade, IReadOnlyList<decimal> HumanPoints, bool Adjudicated,
    IReadOnlyList<ModelSignal> Models);

/// <summary>One reason a solution is in the review queue: a stable code, a sentence for people, and what it adds to the risk.</summary>
public sealed record ReviewReason(string Code, string Message, int Weight);

/// <summary>The risk of a solution (the sum of its reasons' weights) and the reasons, heaviest first.</summary>
public sealed record ReviewAssessment(int Score, IReadOnlyList<ReviewReason> Reasons)
{
    /// <summary>Whether any reason other than a missing grade puts the solution in the queue.</summary>
    public bool Flagged => Reasons.Any(r => r.Code != ReviewRisk.NeedsGrade);
}

/// <summary>
/// Orders what people should look at next (docs/evaluation-metrics.md, "Review queue"). Each check that fires adds a
/// fixed weight, once per solution however many model grades trigger it; the weights rank the checks by how likely
/// each is to hide a wrong grade: a verdict nobody could use at all, then a critical error under a passing score,
/// people who disagree, a model unsure of itself where no person has looked, a score on the pass mark, a solution that
/// follows no reference approach well, and last a solution that simply still needs grades.
/// </summary>
public static class ReviewRisk
{
    public const string NeedsAttention = "needs-attention";
    public const string CriticalOnHighScore = "critical-on-high-score";
    public const string GradersDisagree = "graders-disagree";
    public const string SampleSpread = "sample-spread";
    public const string AtThreshold = "at-threshold";
    public const string PoorApproachMatch = "poor-approach-match";
    public const string NeedsGrade = "needs-grade";

    /// <summary>Weights of the checks, heaviest first (the order reasons are listed in).</summary>
    public static readonly IReadOnlyDictionary<string, int> Weights = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [NeedsAttention] = 40,
        [CriticalOnHighScore] = 35,
        [GradersDisagree] = 30,
        [SampleSpread] = 25,
        [AtThreshold] = 20,
        [PoorApproachMatch] = 15,
        [NeedsGrade] = 10,
    };

    /// <summary>Samples this far apart (points, highest minus lowest) or more count as a model unsure of itself.</summary>
    public const decimal LargeSpread = 2m;

    /// <summary>People this far apart (points, highest minus lowest) or more disagree.</summary>
    public const decimal LargeDisagreement = 2m;

    /// <summary>A score within this distance of the pass mark is on it: half a point either side.</summary>
    public const decimal ThresholdBand = 0.5m;

    /// <summary>A match sharing at most this many leading main steps with its reference approach is a poor one.</summary>
    public const int ShortPrefix = 1;

    public static ReviewAssessment Assess(ReviewSignals signals)
    {
        var reasons = new List<ReviewReason>();
        void Add(string code, string message) => reasons.Add(new ReviewReason(code, message, Weights[code]));

        var attention = signals.Models.Count(m => m.Status == ModelGradeStatus.NeedsAttention);
        if (attention > 0)
        {
            Add(NeedsAttention, attention == 1
                ? "A model's verdict did not pass validation (NeedsAttention) and waits for a person."
                : $"{attention} model verdicts did not pass validation (NeedsAttention) and wait for a person.");
        }
        var valid = signals.Models.Where(m => m.Status == ModelGradeStatus.Valid && m.Points is not null).ToList();
        if (valid.Where(m => m.CriticalFinding && m.Points >= signals.Threshold).MaxBy(m => m.Points) is { } critical)
        {
            Add(CriticalOnHighScore, $"A model reports a critical error yet gives {Format(critical.Points!.Value)} of {signals.MaxPoints}, a passing score.");
        }
        if (!signals.Adjudicated && signals.HumanPoints.Count >= 2 && signals.HumanPoints.Max() - signals.HumanPoints.Min() is var range
            && range >= LargeDisagreement)
        {
            Add(GradersDisagree, $"People's grades range from {Format(signals.HumanPoints.Min())} to {Format(signals.HumanPoints.Max())} " +
                "and no final grade has been decided.");
        }
        if (signals.HumanPoints.Count == 0 && valid.Where(m => m.SampleSpread >= LargeSpread).MaxBy(m => m.SampleSpread) is { } unsure)
        {
            Add(SampleSpread, $"A model's samples spread over {Format(unsure.SampleSpread!.Value)} points and no person has graded it yet.");
        }
        if (valid.FirstOrDefault(m => Math.Abs(m.Points!.Value - signals.Threshold) <= ThresholdBand) is { } edge)
        {
            Add(AtThreshold, $"A model gives {Format(edge.Points!.Value)} of {signals.MaxPoints}, on the pass mark of {Format(signals.Threshold)}.");
        }
        if (signals.Models.Where(m => m.CommonPrefix <= ShortPrefix).MinBy(m => m.CommonPrefix) is { } poor)
        {
            Add(PoorApproachMatch, poor.CommonPrefix == 0
                ? "The solution's first main step matches none of the reference approach it was graded against."
                : $"The solution follows the reference approach it was graded against for only {poor.CommonPrefix} main step.");
        }
        if (signals.NeedsGrade)
        {
            Add(NeedsGrade, "It still needs independent grades, and you have not graded it.");
        }
        return new ReviewAssessment(reasons.Sum(r => r.Weight), reasons);
    }

    private static string Format(decimal points) => points.ToString("0.##", CultureInfo.InvariantCulture);
}
