namespace GradingPortal.Web.Api;

// Copies of Api's import contracts (src/Api/Imports/ImportContracts.cs); Web reads only the fields it shows.

/// <summary>An import: status (uploading, queued, running, succeeded, failed), counts and the first failures.</summary>
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
    IReadOnlyList<ImportFailureResponse>? Failures,
    string? FailuresNext,
    int Attempts,
    Guid CreatedById,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt)
{
    public bool IsFinished => Status is "succeeded" or "failed";
}

/// <summary>A record that was not imported: where it is, the field to blame (if one is), and why.</summary>
public sealed record ImportFailureResponse(string Record, string? Field, string Reason);

public sealed record ImportFailurePageResponse(IReadOnlyList<ImportFailureResponse> Items, int Total, int Stored, string? Next);

public sealed record ImportPageResponse(IReadOnlyList<ImportResponse> Items, string? Next);
