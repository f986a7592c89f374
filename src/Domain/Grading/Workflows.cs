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

/// <summary>One stage of a workflow and the prompt (file name without extension, e.g. <c>grade-absolute.v1</c>) it uses.</summary>
public sealed record WorkflowStage(string Stage, string Prompt);

/// <summary>
/// A named grading workflow: its stages in order, what it needs from the problem, and which rubric designs it takes.
/// Prompt versions are part of the definition, so changing a prompt means a new version file and a new definition entry;
/// grades already stored keep pointing at the exact prompt text (name + SHA-256) they were made with.
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
    /// <summary>The prompt of a stage, or null when the workflow does not have that stage.</summary>
    public string? PromptOf(string stage) => Stages.FirstOrDefault(s => s.Stage == stage)?.Prompt;

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

    public static readonly IReadOnlyList<WorkflowDefinition> All =
    [
        new(Absolute, "Absolute (no reference, no rubric)", [new(Stages.Grade, "grade-absolute.v1")], false, false, false, []),
        new(Reference, "Reference solution, no rubric", [new(Stages.Grade, "grade-reference.v1")], true, false, false, []),
        new(OfficialRubric, "Official marking scheme", [new(Stages.Grade, "grade-official-rubric.v1")], false, true, false, []),
        new(ThreeStage, "Three-stage (cluster, match, grade against the matched reference)",
            [new(Stages.ClusterReferences, "cluster-references.v1"), new(Stages.ExtractSteps, "extract-steps.v1"), new(Stages.Grade, "grade-matched-reference.v1")],
            true, false, true, []),
        new(FiveStage, "Five-stage (cluster, match, analyse, derive rubric, grade)",
            [
                new(Stages.ClusterReferences, "cluster-references.v1"), new(Stages.ExtractSteps, "extract-steps.v1"),
                new(Stages.AnalyseReference, "analyse-reference.v1"), new(Stages.DeriveRubric, "derive-rubric.v1"),
                new(Stages.Grade, "grade-with-rubric.v1"),
            ],
            true, false, true, RubricDesigns.All),
        new(SingleCallJudge, "Single-call judge (design a scheme and grade in one call)", [new(Stages.Grade, "judge-single-call.v1")], true, false, false, []),
    ];

    public static WorkflowDefinition? Find(string? name) => All.FirstOrDefault(w => w.Name == name);
}
