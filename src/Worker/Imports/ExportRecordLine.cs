using System.Text.Json;

namespace GradingPortal.Worker.Imports;

// The parts of a project export record (docs/export-format.md, "The record") that an import reads back. Everything is
// nullable so a missing or null property is reported by the writer with its path, not as a JSON error; properties the
// import does not need (cursor, evidence level, human reference, times) are not declared and so are ignored.

/// <summary>One line of the project export: a solution with its problem, rubric versions, grades, adjudication and annotations.</summary>
internal class ExportRecordLine
{
    /// <summary>The newest export schema this import reads; version 2 only added <c>adjudication.gold</c>, which it does not restore.</summary>
    public const int SupportedSchemaVersion = 2;

    /// <summary>The oldest export schema this import still reads.</summary>
    public const int OldestSchemaVersion = 1;

    public int? SchemaVersion { get; set; }
    public RecordSolution? Solution { get; set; }
    public RecordProblem? Problem { get; set; }
    public List<RecordRubric>? Rubrics { get; set; }
    public List<RecordModelGrade>? ModelGrades { get; set; }
    public List<RecordHumanGrade>? HumanGrades { get; set; }
    public RecordAdjudication? Adjudication { get; set; }
    public List<RecordAnnotation>? Annotations { get; set; }
}

internal sealed class RecordSolution
{
    public Guid? Id { get; set; }
    public string? ExternalId { get; set; }
    public string? Author { get; set; }
    public string? Text { get; set; }
}

internal sealed class RecordProblem
{
    public Guid? Id { get; set; }
    public string? ExternalId { get; set; }
    public string? Title { get; set; }
    public string? Statement { get; set; }
    public int? MaxPoints { get; set; }
    public string? Source { get; set; }
    public string? MarkingScheme { get; set; }
    public List<RecordReference>? References { get; set; }
}

internal sealed class RecordReference
{
    public int? Ordinal { get; set; }
    public string? Text { get; set; }
    public string? Source { get; set; }
}

internal sealed class RecordRubric
{
    public Guid? Id { get; set; }
    public int? Version { get; set; }
    public string? Origin { get; set; }
    public string? Status { get; set; }
    public string? ApproachKey { get; set; }
    public Guid? DerivedByRunId { get; set; }
    public List<RecordRubricItem>? Items { get; set; }
    public string? ZeroCredit { get; set; }
    public List<RecordDeduction>? Deductions { get; set; }
    public string? Notes { get; set; }
    public DateTimeOffset? ApprovedAt { get; set; }
}

internal sealed class RecordRubricItem
{
    public Guid? Id { get; set; }
    public int? Ordinal { get; set; }
    public string? Title { get; set; }
    public decimal? Points { get; set; }
    public string? Description { get; set; }
}

internal sealed class RecordDeduction
{
    public string? Description { get; set; }
    public decimal? Points { get; set; }
}

internal sealed class RecordModelGrade
{
    public Guid? Id { get; set; }
    public string? Source { get; set; }
    public string? Model { get; set; }
    public Guid? RunId { get; set; }
    public Guid? RubricId { get; set; }
    public decimal? Points { get; set; }
    public int? MaxPoints { get; set; }
    public string? Status { get; set; }
    public string? StatusReason { get; set; }
    public string? Summary { get; set; }
    public string? Rationale { get; set; }
    public JsonElement? Provenance { get; set; }
    public string? RawOutput { get; set; }
    public string? ExternalId { get; set; }
    public List<RecordModelItem>? Items { get; set; }
    public List<RecordFinding>? Findings { get; set; }
}

internal sealed class RecordModelItem
{
    public Guid? RubricItemId { get; set; }
    public string? Title { get; set; }
    public decimal? Points { get; set; }
    public decimal? MaxPoints { get; set; }
    public string? Reason { get; set; }
}

internal sealed class RecordFinding
{
    public string? ErrorType { get; set; }
    public string? Category { get; set; }
    public string? Severity { get; set; }
    public string? Quote { get; set; }
    public string? Location { get; set; }
    public string? Explanation { get; set; }
    public int? ClaimedStart { get; set; }
    public int? ClaimedEnd { get; set; }
    public string? Review { get; set; }
    public Guid? ReviewedById { get; set; }
}

internal sealed class RecordHumanGrade
{
    public Guid? Id { get; set; }
    public Guid? GraderId { get; set; }
    public string? GraderName { get; set; }
    /// <summary>Not in the export (schema 1); a file that adds it has the grader matched by e-mail.</summary>
    public string? GraderEmail { get; set; }
    public Guid? RubricId { get; set; }
    public decimal? Points { get; set; }
    public List<RecordHumanItem>? Items { get; set; }
    public string? Comment { get; set; }
    public bool? GivenBlind { get; set; }
}

internal sealed class RecordHumanItem
{
    public Guid? RubricItemId { get; set; }
    public decimal? Points { get; set; }
    public string? Comment { get; set; }
}

internal sealed class RecordAdjudication
{
    public decimal? Points { get; set; }
    public string? Rationale { get; set; }
    public Guid? AdjudicatorId { get; set; }
    public string? AdjudicatorName { get; set; }
    /// <summary>Not in the export (schema 1); see <see cref="RecordHumanGrade.GraderEmail"/>.</summary>
    public string? AdjudicatorEmail { get; set; }
    public List<RecordGradeReference>? BasedOn { get; set; }
}

internal sealed class RecordGradeReference
{
    public string? Kind { get; set; }
    public Guid? GradeId { get; set; }
}

internal sealed class RecordAnnotation
{
    public int? Start { get; set; }
    public int? End { get; set; }
    public string? Quote { get; set; }
    public string? ErrorType { get; set; }
    public string? Severity { get; set; }
    public string? Comment { get; set; }
    public string? Origin { get; set; }
    public string? Review { get; set; }
    public Guid? ModelGradeId { get; set; }
    public Guid? AuthorId { get; set; }
    public string? AuthorName { get; set; }
    /// <summary>Not in the export (schema 1); see <see cref="RecordHumanGrade.GraderEmail"/>.</summary>
    public string? AuthorEmail { get; set; }
    public Guid? ReviewedById { get; set; }
}

/// <summary>A whole export record, imported all or nothing (see ImportWriter's record part).</summary>
internal sealed record ExportRecordImport(string Location, ExportRecordLine Record) : ImportItem(Location);
