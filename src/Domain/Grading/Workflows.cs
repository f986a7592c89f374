using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Grading;

/// <summary>The stages of GRADING-METHOD.md. Each is one model call with its own prompt file and output schema.</summary>
public static class Stages
{
    /// <summary>(a) Cluster the reference solutions by their main steps; once per problem.</summary>
    public const string ClusterReferences = "cluster-references";
    /// <summary>(b) Extract the solution's main steps (matching to a cluster is plain code).</summary>
    public const string ExtractSteps = "extract-steps";
    /// <summary>(c) Analyse a cluster's representative: key insights, why non-obvious, sub-steps, approachability; once per cluster.</summary>
    public const string AnalyseReference = "analyse-reference";
    /// <summary>(d) Derive a rubric for a cluster in a rubric design; once per cluster and design.</summary>
    public const string DeriveRubric = "derive-rubric";
    /// <summary>The final grading call (every workflow has exactly one).</summary>
    public const string Grade = "grade";
}

/// <summary>How k samples of one solution become one grade.</summary>
public static class Aggregations
{
    public const string Median = "median";
    public const string Mean = "mean";
    public const string Min = "min";
    public const string Max = "max";
    public const string Majority = "majority";
    public static readonly IReadOnlyList<string> All = [Median, Mean, Min, Max, Majority];
}

/// <summary>Rubric designs for stage (d) of the five-stage workflow.</summary>
public static class RubricDesigns
{
    public const string Approachability = "approachability";
    public const string Milestone = "milestone";
    public const string Hybrid = "hybrid";
    public const string Plain = "plain";
    public static readonly IReadOnlyList<string> All = [Approachability, Milestone, Hybrid, Plain];
}

/// <summary>
/// One stage of a workflow: the prompt it uses by default (file name without extension, e.g. <c>grade-absolute.v1</c>) and
/// the other versions a run may choose instead (older layouts stay selectable; see <see cref="Choices"/>).
/// </summary>
public sealed record WorkflowStage(string Stage, string Prompt, IReadOnlyList<string>? Alternatives = null)
{
    /// <summary>Every prompt a run may use for this stage, the default first.</summary>
    public IReadOnlyList<string> Choices => [Prompt, .. Alternatives ?? []];
}

/// <summary>The prompt one stage of a run uses, fixed when the run is created (see <c>GradingRun.Prompts</c>).</summary>
public sealed record RunPrompt(string Stage, string Prompt);

/// <summary>
/// What a person choosing a grading prompt needs to know about its layout. The prompt files live with the Worker; a Worker
/// test checks that every file's layout agrees with <see cref="ShowsAllApproaches"/>.
/// </summary>
public static class PromptLayouts
{
    private static readonly HashSet<string> s_allApproaches = new(StringComparer.Ordinal)
    {
        "grade-with-rubric.v2", "grade-matched-reference.v2", "grade-with-rubric.v3", "grade-matched-reference.v3",
    };

    /// <summary>
    /// True when the grading prompt shows every approach of the problem (reference, and for five-stage analysis and
    /// rubric) before a short note naming the matched one, so all solutions of a problem share the prompt up to that note.
    /// </summary>
    public static bool ShowsAllApproaches(string prompt) => s_allApproaches.Contains(prompt);

    /// <summary>A one-line description of a prompt choice (for the prompts a run may choose between).</summary>
    public static string Describe(string prompt) => ShowsAllApproaches(prompt)
        ? "Every approach's material in one prefix shared by all solutions of a problem; more input tokens, all of it cacheable by the provider."
        : prompt.StartsWith("grade-with-rubric.", StringComparison.Ordinal) || prompt.StartsWith("grade-matched-reference.", StringComparison.Ordinal)
            ? "Only the matched approach's material; fewer input tokens, a prefix shared by the solutions of one approach."
            : "The workflow's prompt for this stage.";
}

/// <summary>
/// A named grading workflow: its stages in order, what it needs from the problem, and which rubric designs it takes.
/// Prompt versions are part of the definition, so changing a prompt means a new version file and a new definition entry;
/// grades already stored keep pointing at the exact prompt text (name + SHA-256) they were made with. A run copies the
/// prompts it uses when it is created, so changing a default later never changes a run that already exists.
/// </summary>
public sealed record WorkflowDefinition(
    string Name,
    string Title,
    IReadOnlyList<WorkflowStage> Stages,
    bool NeedsReference,
    bool NeedsOfficialRubric,
    bool UsesClusters,
    IReadOnlyList<string> RubricDesigns)
{
    /// <summary>The default prompt of a stage, or null when the workflow does not have that stage.</summary>
    public string? PromptOf(string stage) => Stages.FirstOrDefault(s => s.Stage == stage)?.Prompt;

    /// <summary>
    /// The prompts of a new run: each stage's default unless <paramref name="overrides"/> (stage → prompt name) picks another
    /// of its <see cref="WorkflowStage.Choices"/>. Problems are field errors named <c>prompts.&lt;stage&gt;</c>.
    /// </summary>
    public List<RunPrompt> ResolvePrompts(IReadOnlyDictionary<string, string>? overrides, ValidationErrors errors)
    {
        foreach (var (stage, prompt) in overrides ?? new Dictionary<string, string>())
        {
            var known = Stages.FirstOrDefault(s => s.Stage == stage);
            if (known is null)
            {
                errors.Add($"prompts.{stage}", $"The {Name} workflow has no stage '{stage}'; its stages are {string.Join(", ", Stages.Select(s => s.Stage))}.");
            }
            else if (!known.Choices.Contains(prompt))
            {
                errors.Add($"prompts.{stage}", $"The {stage} stage of the {Name} workflow uses one of {string.Join(", ", known.Choices)}.");
            }
        }
        return [.. Stages.Select(s => new RunPrompt(s.Stage,
            overrides is not null && overrides.TryGetValue(s.Stage, out var chosen) && s.Choices.Contains(chosen) ? chosen : s.Prompt))];
    }

    public bool Has(string stage) => Stages.Any(s => s.Stage == stage);
}

/// <summary>The six workflows of GRADING-METHOD.md.</summary>
public static class Workflows
{
    public const string Absolute = "absolute";
    public const string Reference = "reference";
    public const string OfficialRubric = "official-rubric";
    public const string ThreeStage = "three-stage";
    public const string FiveStage = "five-stage";
    public const string SingleCallJudge = "single-call-judge";

    // Three- and five-stage grade by default with the layout that shows every approach of the problem (v2, and v3: the same
    // text in Semantic Kernel's variable syntax), so the whole
    // prompt up to the short per-solution note is one prefix for all solutions of a problem; v1 (only the matched
    // approach's material: fewer input tokens, a prefix shared per approach) stays selectable per run.
    public static readonly IReadOnlyList<WorkflowDefinition> All =
    [
        new(Absolute, "Absolute (no reference, no rubric)", [new(Stages.Grade, "grade-absolute.v2")], false, false, false, []),
        new(Reference, "Reference solution, no rubric", [new(Stages.Grade, "grade-reference.v2")], true, false, false, []),
        new(OfficialRubric, "Official marking scheme", [new(Stages.Grade, "grade-official-rubric.v2")], false, true, false, []),
        new(ThreeStage, "Three-stage (cluster, match, grade against the matched reference)",
            [
                new(Stages.ClusterReferences, "cluster-references.v2"), new(Stages.ExtractSteps, "extract-steps.v2"),
                new(Stages.Grade, "grade-matched-reference.v3", ["grade-matched-reference.v1"]),
            ],
            true, false, true, []),
        new(FiveStage, "Five-stage (cluster, match, analyse, derive rubric, grade)",
            [
                new(Stages.ClusterReferences, "cluster-references.v2"), new(Stages.ExtractSteps, "extract-steps.v2"),
                new(Stages.AnalyseReference, "analyse-reference.v2"), new(Stages.DeriveRubric, "derive-rubric.v2"),
                new(Stages.Grade, "grade-with-rubric.v3", ["grade-with-rubric.v1"]),
            ],
            true, false, true, RubricDesigns.All),
        new(SingleCallJudge, "Single-call judge (design a scheme and grade in one call)", [new(Stages.Grade, "judge-single-call.v2")], true, false, false, []),
    ];

    public static WorkflowDefinition? Find(string? name) => All.FirstOrDefault(w => w.Name == name);
}
