using System.Text.RegularExpressions;

namespace GradingPortal.Domain.Common;

/// <summary>The error taxonomy of GRADING-METHOD.md; projects may add their own identifiers.</summary>
public static partial class ErrorTypes
{
    public const string ProofByExample = "proof-by-example";
    public const string ProposalWithoutVerification = "proposal-without-verification";
    public const string InventingWrongFacts = "inventing-wrong-facts";
    public const string BeggingTheQuestion = "begging-the-question";
    public const string TrialAndError = "trial-and-error";
    public const string CalculationMistake = "calculation-mistake";
    public const string WrongLogicalConclusion = "wrong-logical-conclusion";

    public static readonly IReadOnlyList<string> Builtin =
    [
        ProofByExample, ProposalWithoutVerification, InventingWrongFacts, BeggingTheQuestion,
        TrialAndError, CalculationMistake, WrongLogicalConclusion,
    ];

    /// <summary>Human-readable names for the built-in types (UI labels).</summary>
    public static readonly IReadOnlyDictionary<string, string> Labels = new Dictionary<string, string>
    {
        [ProofByExample] = "Proof by example",
        [ProposalWithoutVerification] = "Proposal without verification",
        [InventingWrongFacts] = "Inventing wrong facts",
        [BeggingTheQuestion] = "Begging the question",
        [TrialAndError] = "Solution by trial and error",
        [CalculationMistake] = "Calculation mistake",
        [WrongLogicalConclusion] = "Wrong logical conclusion",
    };

    public static bool IsWellFormed(string type) => WellFormed().IsMatch(type);

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex WellFormed();
}

/// <summary>How much an error matters.</summary>
public enum Severity
{
    /// <summary>Does not affect validity.</summary>
    Minor = 0,
    /// <summary>A real gap that costs points.</summary>
    Major = 1,
    /// <summary>Invalidates the argument.</summary>
    Critical = 2,
}
