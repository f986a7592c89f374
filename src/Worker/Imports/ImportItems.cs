using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Imports;

namespace GradingPortal.Worker.Imports;

/// <summary>
/// One record of an uploaded file (a JSON Lines line, a CSV row, a JSON file, a competition problem with its files):
/// the items it carries, applied in order, or the reason it could not be read at all.
/// </summary>
/// <param name="Seq">1, 2, 3... in file order; the import's checkpoint counts these.</param>
/// <param name="Location">Where the record is ("line 12", "BMOSL/2016_10.json").</param>
/// <param name="Items">What to import; empty when <paramref name="Error"/> is set.</param>
/// <param name="Error">Why the record as a whole was unreadable.</param>
/// <param name="Bytes">Its size, to bound a batch's memory.</param>
internal sealed record ImportRecord(int Seq, string Location, IReadOnlyList<ImportItem> Items, ImportFailureInput? Error, long Bytes)
{
    public static ImportRecord Unreadable(int seq, string location, string? field, string reason) =>
        new(seq, location, [], new ImportFailureInput(location, field, reason), 0);
}

/// <summary>Something to create or update; <see cref="Location"/> names it in failure reports.</summary>
internal abstract record ImportItem(string Location);

/// <summary>A problem with its references, optional official rubric and marking scheme (matched by external id).</summary>
internal sealed record ProblemImport(string Location, string? ExternalId, string? Title, string? Statement, int? MaxPoints, string? Source,
    IReadOnlyList<ReferenceInput> References, RubricImport? Rubric, string? MarkingScheme) : ImportItem(Location);

internal sealed record ReferenceInput(string? Text, string? Source);

/// <summary>An official rubric as imported: items in order (each points and an optional description).</summary>
internal sealed record RubricImport(IReadOnlyList<RubricItemImport> Items, string? ZeroCredit);

internal sealed record RubricItemImport(string? Title, decimal Points, string? Description);

/// <summary>A solution of a problem (matched by problem and solution external ids).</summary>
internal sealed record SolutionImport(string Location, string? ProblemExternalId, string? ExternalId, string? Text, string? Author)
    : ImportItem(Location);

/// <summary>Who a person-authored item belongs to: an e-mail to look up, or the importing person.</summary>
internal sealed record PersonRef(string? Email, bool Importer)
{
    public static readonly PersonRef TheImporter = new(null, true);
}

/// <summary>A person's grade: total, optional per-item awards against the problem's current approved rubric.</summary>
internal sealed record HumanGradeImport(string Location, string? ProblemExternalId, string? SolutionExternalId, PersonRef Grader,
    decimal? Points, IReadOnlyList<AwardImport>? Items, string? Comment, bool Blind) : ImportItem(Location);

/// <summary>An award for one rubric item, named by title or by its 0-based ordinal.</summary>
internal sealed record AwardImport(string? Title, int? Ordinal, decimal Points, string? Comment);

/// <summary>A person's annotation of a span (the quote must be the text at [start, end)).</summary>
internal sealed record AnnotationImport(string Location, string? ProblemExternalId, string? SolutionExternalId, PersonRef Author,
    int? Start, int? End, string? Quote, string? ErrorType, string? Severity, string? Comment) : ImportItem(Location);

/// <summary>A verdict from elsewhere (e.g. a corpus's own judge); without <see cref="Points"/> it is stored unscored.</summary>
internal sealed record ModelGradeImport(string Location, string ProblemExternalId, string SolutionExternalId, string Source, string Model,
    string ExternalId, decimal? Points, string? Summary, IReadOnlyList<ModelFindingInput> Findings, string RawOutput, string Provenance)
    : ImportItem(Location);

/// <summary>A record-level problem found while reading: the item is not applied, the failure is reported.</summary>
internal sealed class ImportItemException(string? field, string message) : Exception(message)
{
    public string? Field { get; } = field;

    public static ImportItemException From(DomainValidationException ex, string? prefix = null)
    {
        var first = ex.Errors.First();
        var field = prefix is null ? first.Key : $"{prefix}.{first.Key}";
        var message = string.Join(" ", ex.Errors.SelectMany(e => e.Value.Select(m => ex.Errors.Count > 1 ? $"{e.Key}: {m}" : m)));
        return new ImportItemException(field, message);
    }
}

/// <summary>A part of a record found unusable while reading; reported as a failed item, the rest of the record goes on.</summary>
internal sealed record InvalidImport(string Location, string? Field, string Reason) : ImportItem(Location);
