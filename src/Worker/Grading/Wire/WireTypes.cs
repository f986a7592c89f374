using System.Text.Json;
using System.Text.Json.Serialization;
using GradingPortal.Domain.Common;
using static GradingPortal.Worker.Grading.Wire.JsonSchemas;

namespace GradingPortal.Worker.Grading.Wire;

// What the model fills, stage by stage. These are untrusted: each stage parses them, checks them in code (and in Domain
// for the final verdict) and only then uses them. Property names are the JSON names (camelCase).

/// <summary>Stage (a): clusters of reference solutions with a representative and its main steps.</summary>
internal sealed record ClustersOutput(List<ClusterWire> Clusters)
{
    public const string SchemaName = "cluster_references";

    public static JsonElement Schema { get; } = ToElement(Object(
        ("clusters", Array(Object(
            ("title", String()),
            ("members", Array(Integer())),
            ("representative", Integer()),
            ("mainSteps", Array(String())))))));
}

internal sealed record ClusterWire(string Title, List<int> Members, int Representative, List<string> MainSteps);

/// <summary>Stage (b): the solution's main steps, each labelled with the reference step ids it corresponds to.</summary>
internal sealed record ExtractStepsOutput(List<SolutionStepWire> Steps)
{
    public const string SchemaName = "extract_steps";

    public static JsonElement Schema { get; } = ToElement(Object(
        ("steps", Array(Object(
            ("summary", String()),
            ("matches", Array(String())))))));
}

internal sealed record SolutionStepWire(string Summary, List<string> Matches);

/// <summary>Stage (c): key insights of a representative, why non-obvious, sub-steps, approachability 1–5.</summary>
internal sealed record AnalysisOutput(List<KeyInsightWire> KeyInsights, string Structure)
{
    public const string SchemaName = "analyse_reference";

    public static JsonElement Schema { get; } = ToElement(Object(
        ("keyInsights", Array(Object(
            ("id", String()),
            ("statement", String()),
            ("whyNonObvious", String()),
            ("approachability", Integer(nullable: true)),
            ("subSteps", Array(Object(
                ("id", String()),
                ("text", String()),
                ("approachability", Integer(nullable: true)))))))),
        ("structure", String())));
}

internal sealed record KeyInsightWire(string Id, string Statement, string WhyNonObvious, int? Approachability, List<SubStepWire> SubSteps);

internal sealed record SubStepWire(string Id, string Text, int? Approachability);

/// <summary>Stage (d): a rubric for one cluster in one design.</summary>
internal sealed record RubricOutput(List<RubricItemWire> Items, string ZeroCredit, string TopScores, List<DeductionWire> Deductions)
{
    public const string SchemaName = "derive_rubric";

    public static JsonElement Schema { get; } = ToElement(Object(
        ("items", Array(Object(
            ("title", String()),
            ("description", String()),
            ("points", Number()),
            ("insightId", String(nullable: true))))),
        ("zeroCredit", String()),
        ("topScores", String()),
        ("deductions", Array(Object(
            ("description", String()),
            ("points", Number()))))));
}

internal sealed record RubricItemWire(string Title, string Description, decimal Points, string? InsightId);

internal sealed record DeductionWire(string Description, decimal Points);

/// <summary>
/// The final grading stage, one schema for every workflow (fields a workflow has nothing to say about are null or empty):
/// total; awards per rubric item (<c>item</c> = the item id shown, e.g. <c>R2</c>, or a title; <c>maxPoints</c> when the
/// model states the item's maximum, as the single-call judge does for its own scheme); errors with type, severity, quote
/// and explanation; how errors propagate and whether the conclusion survives; the structure of the solution; rationale;
/// feedback for the author. Severities are <c>minor|major|critical</c>, except for the single-call judge
/// (<c>low|medium|high</c>, mapped by <see cref="Domain.Grading.VerdictSeverities"/>); the schema name is the same.
/// </summary>
internal sealed record GradeOutput(decimal TotalScore, List<GradeItemWire> Items, List<GradeErrorWire> Errors, string? ErrorPropagation,
    bool? ConclusionSurvives, string? StructureSummary, string Rationale, string? Feedback)
{
    public const string SchemaName = "grade";

    public static JsonElement SchemaFor(IEnumerable<string> errorTypes, IEnumerable<string> severities) => ToElement(Object(
        ("totalScore", Number()),
        ("items", Array(Object(
            ("item", String()),
            ("maxPoints", Number(nullable: true)),
            ("points", Number()),
            ("reason", String())))),
        ("errors", Array(Object(
            ("type", Enum(errorTypes)),
            ("severity", Enum(severities)),
            ("quote", String()),
            ("explanation", String())))),
        ("errorPropagation", String(nullable: true)),
        ("conclusionSurvives", Boolean(nullable: true)),
        ("structureSummary", String(nullable: true)),
        ("rationale", String()),
        ("feedback", String(nullable: true))));
}

internal sealed record GradeItemWire(string Item, decimal? MaxPoints, decimal Points, string Reason);

internal sealed record GradeErrorWire(string Type, string Severity, string Quote, string Explanation);

internal static class WireJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    /// <summary>Parses a stage output; null with a reason when it does not fit the record.</summary>
    public static (T? Value, string? Error) Parse<T>(JsonElement element) where T : class
    {
        try
        {
            var value = element.Deserialize<T>(Options);
            return value is null ? (null, "The output is null.") : (value, NullFields(value));
        }
        catch (JsonException ex)
        {
            return (null, $"The output does not fit the schema: {ex.Message}");
        }
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    // Records with non-nullable reference members can still come back with nulls from JSON; reject those here.
    private static string? NullFields(object value) => value switch
    {
        ClustersOutput c when c.Clusters is null || c.Clusters.Any(x => x is null || x.Members is null || x.MainSteps is null || x.Title is null)
            => "clusters, members, mainSteps and title are required.",
        ExtractStepsOutput e when e.Steps is null || e.Steps.Any(s => s is null || s.Matches is null)
            => "steps and their matches are required.",
        AnalysisOutput a when a.KeyInsights is null || a.KeyInsights.Any(k => k is null || k.SubSteps is null || k.Id is null || k.Statement is null)
            => "keyInsights with id, statement and subSteps are required.",
        RubricOutput r when r.Items is null || r.Deductions is null || r.Items.Any(i => i is null || i.Title is null)
            => "items (with titles) and deductions are required.",
        GradeOutput g when g.Items is null || g.Errors is null || g.Items.Any(i => i is null || i.Item is null)
            || g.Errors.Any(e => e is null || e.Type is null || e.Severity is null)
            => "items and errors (with item, type and severity) are required.",
        _ => null,
    };

    /// <summary>Every error type a project knows: the built-in taxonomy, then its own.</summary>
    public static IReadOnlyList<string> ErrorTypesOf(IEnumerable<string> custom) => [.. ErrorTypes.Builtin, .. custom.Where(c => !ErrorTypes.Builtin.Contains(c))];
}
