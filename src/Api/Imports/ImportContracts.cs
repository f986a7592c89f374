namespace GradingPortal.Api.Imports;

/// <summary>
/// An import: what was uploaded, where processing stands, the counts, and the first failures. <c>format</c>: jsonl, csv,
/// imo-proofbench, imo-gradingbench, matharena or opc. <c>status</c>: uploading (the file is still arriving; a Worker may already be
/// importing its first records), queued, running, succeeded (every record read; some may have failed) or failed (the
/// upload broke off, or the file as a whole could not be read; see <c>error</c>). <c>receivedBytes</c> grows while the
/// file arrives. <c>processedRecords</c> counts records
/// read so far, failed ones included; <c>failed</c> counts every failed record, of which the first 1,000 are kept;
/// <c>failures</c> holds up to 100 of them, and <c>failuresNext</c> links to the next page.
/// </summary>
public sealed record ImportResponse(
    Guid Id,
    Guid ProjectId,
    string Format,
    string FileName,
    string Status,
    long ReceivedBytes,
    int ProcessedRecords,
    int Created,
    int Updated,
    int Skipped,
    int Failed,
    string? Error,
    IReadOnlyList<ImportFailureResponse> Failures,
    string? FailuresNext,
    int Attempts,
    Guid CreatedById,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt);

/// <summary>
/// A record that was not imported: <c>record</c> says where it is ("line 12" for JSON Lines and CSV, the line a CSV row
/// starts on; or a file inside the upload, "BMOSL/2016_10.json"), <c>field</c> names the offending field when one is
/// to blame (e.g. "points", "items[1].title"), <c>reason</c> says what is wrong.
/// </summary>
public sealed record ImportFailureResponse(string Record, string? Field, string Reason);

/// <summary>
/// A page of an import's stored failures: <c>total</c> counts every failed record, <c>stored</c> those kept, <c>matching</c>
/// the kept ones that match the search (all of them without one).
/// </summary>
public sealed record ImportFailurePageResponse(IReadOnlyList<ImportFailureResponse> Items, int Total, int Stored, string? Next, int Matching);

/// <summary>A page of a project's imports (without failures); <c>total</c> counts every import that matches the status filter.</summary>
public sealed record ImportPageResponse(IReadOnlyList<ImportResponse> Items, string? Next, int Page, int PageSize, int Total);
