using System.Text.Json;

namespace GradingPortal.Api.Export;

// The export's wire format (docs/export-format.md, docs/export.schema.json). Every property is always written, null
// included, so a record's shape never depends on its data. Changing a name, a meaning or the set of properties is a
// new schema version: bump ExportSchema.Version, the schema file and the document together.

/// <summary>The export format's version, written into every record as <c>schemaVersion</c>.</summary>
public static class ExportSchema
{
    public const int Version = 2;
}

/// <summary>
/// Everything known about one solution: the solution, its problem, the rubric versions its grades use, every model and
/// human grade, the adjudication, annotations, and the evidence level. One JSON Lines record per solution.
/// </summary>
public sealed record ExportRecord(
    int SchemaVersion,
    string Cursor,
    Guid ProjectId,
    string EvidenceLevel,
    ExportHumanReference HumanReference,
    ExportSolution Solution,
    ExportProblem Problem,
    IReadOnlyList<ExportRubric> Rubrics,
    IReadOnlyList<ExportModelGrade> ModelGrades,
    IReadOnlyList<ExportHumanGrade> HumanGrades,
    ExportAdjudication? Adjudication,
    IReadOnlyList<ExportAnnotation> Annotations);

/// <summary>
/// The human points a model grade is compared with: the adjudication when there is one, else the mean of the human
/// grades (rounded to 2 decimals, half away from zero), else none.
/// </summary>
public sealed record ExportHumanReference(decimal? Points, string Basis, int HumanGradeCount);

/// <summary>The solution itself.</summary>
public sealed record ExportSolution(
    Guid Id,
    string? ExternalId,
    string? Author,
    ExportText Text,
    Guid? ImportId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>The problem the solution answers, with its reference solutions.</summary>
public sealed record ExportProblem(
    Guid Id,
    string? ExternalId,
    string Title,
    ExportText Statement,
    int MaxPoints,
    string Source,
    ExportText? MarkingScheme,
    IReadOnlyList<ExportReferenceSolution> References,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A reference solution of the problem.</summary>
public sealed record ExportReferenceSolution(int Ordinal, ExportText Text, string Source);

/// <summary>A rubric version: one a grade of this solution used, or the problem's currently approved one.</summary>
public sealed record ExportRubric(
    Guid Id,
    int Version,
    string Origin,
    string Status,
    string? ApproachKey,
    Guid? DerivedByRunId,
    IReadOnlyList<ExportRubricItem> Items,
    string ZeroCredit,
    IReadOnlyList<ExportDeduction> Deductions,
    string Notes,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ApprovedAt);

/// <summary>One rubric item.</summary>
public sealed record ExportRubricItem(Guid Id, int Ordinal, string Title, decimal Points, string Description);

/// <summary>A deduction of a rubric.</summary>
public sealed record ExportDeduction(string Description, decimal Points);

/// <summary>One model's verdict (from a grading workflow or imported from a corpus's own judge).</summary>
public sealed record ExportModelGrade(
    Guid Id,
    string Source,
    string Model,
    Guid? RunId,
    Guid? RubricId,
    decimal? Points,
    int MaxPoints,
    string Status,
    string StatusReason,
    string Summary,
    string Rationale,
    IReadOnlyList<ExportPrompt> Prompts,
    JsonElement Provenance,
    ExportText RawOutput,
    string? ExternalId,
    DateTimeOffset CreatedAt,
    IReadOnlyList<ExportModelItem> Items,
    IReadOnlyList<ExportFinding> Findings);

/// <summary>A prompt a model grade was produced with, lifted from its provenance's <c>prompts</c> list.</summary>
public sealed record ExportPrompt(string Name, string? Version, string? Sha256);

/// <summary>A model's award for one rubric item (or a named part of a scheme without item ids).</summary>
public sealed record ExportModelItem(Guid? RubricItemId, string Title, decimal Points, decimal? MaxPoints, string Reason);

/// <summary>An error a model reported, with the span the portal located for its quote.</summary>
public sealed record ExportFinding(
    Guid Id,
    string? ErrorType,
    string Category,
    string Severity,
    string Quote,
    string Location,
    string Explanation,
    int? Start,
    int? End,
    string SpanMatch,
    double SpanConfidence,
    int? ClaimedStart,
    int? ClaimedEnd,
    string Review,
    Guid? ReviewedById,
    DateTimeOffset? ReviewedAt);

/// <summary>One person's grade.</summary>
public sealed record ExportHumanGrade(
    Guid Id,
    Guid GraderId,
    string GraderName,
    Guid? RubricId,
    decimal Points,
    IReadOnlyList<ExportHumanItem> Items,
    string Comment,
    bool GivenBlind,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A person's award for one rubric item.</summary>
public sealed record ExportHumanItem(Guid RubricItemId, decimal Points, string Comment);

/// <summary>The final grade of the solution.</summary>
public sealed record ExportAdjudication(
    Guid Id,
    decimal Points,
    string Rationale,
    Guid AdjudicatorId,
    string AdjudicatorName,
    IReadOnlyList<ExportGradeReference> BasedOn,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    bool Gold);

/// <summary>A grade the adjudication rests on (<c>kind</c> is <c>human</c> or <c>model</c>).</summary>
public sealed record ExportGradeReference(string Kind, Guid GradeId);

/// <summary>An error span marked on the solution by a person (or a model finding a person reviewed).</summary>
public sealed record ExportAnnotation(
    Guid Id,
    int Start,
    int End,
    string Quote,
    string ErrorType,
    string Severity,
    string Comment,
    string Origin,
    string Review,
    Guid? ModelGradeId,
    Guid? AuthorId,
    string? AuthorName,
    Guid? ReviewedById,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>
/// One row of the <c>pairs</c> flavor: one valid model grade of a solution beside the human reference for that
/// solution, the shape agreement scripts read.
/// </summary>
public sealed record ExportPair(
    int SchemaVersion,
    string Cursor,
    Guid ProjectId,
    Guid SolutionId,
    string? SolutionExternalId,
    string? Author,
    Guid ProblemId,
    string? ProblemExternalId,
    int MaxPoints,
    Guid ModelGradeId,
    string Source,
    string Model,
    Guid? RunId,
    Guid? RubricId,
    decimal ModelPoints,
    decimal? HumanPoints,
    string HumanBasis,
    decimal? AdjudicatedPoints,
    IReadOnlyList<ExportPairHumanGrade> HumanGrades,
    string EvidenceLevel,
    DateTimeOffset ModelGradedAt,
    DateTimeOffset SolutionUpdatedAt);

/// <summary>A human grade as the pairs flavor lists it.</summary>
public sealed record ExportPairHumanGrade(Guid GradeId, Guid GraderId, decimal Points, bool GivenBlind);
