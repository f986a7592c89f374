using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Imports;

/// <summary>The file formats an import understands.</summary>
public enum ImportFormat
{
    /// <summary>GradingPortal's own JSON Lines: one problem, solution, human grade or annotation per line.</summary>
    Jsonl = 0,
    /// <summary>CSV with a header row: solutions or human grades (recognised by the header).</summary>
    Csv = 1,
    /// <summary>IMO-ProofBench's problem table (CSV).</summary>
    ImoProofBench = 2,
    /// <summary>A MathArena competition folder as a .zip.</summary>
    MathArena = 3,
    /// <summary>Open Proof Corpus problem files: a .zip of a folder of .json files, or one .json file.</summary>
    Opc = 4,
    /// <summary>IMO-GradingBench's table (CSV): problems, graded responses and the experts' grades.</summary>
    ImoGradingBench = 5,
}

/// <summary>Where an import stands. Uploads are staged in one transaction, so an import is never seen half-received.</summary>
public enum ImportStatus
{
    /// <summary>Received and staged; waiting for a Worker.</summary>
    Queued = 0,
    /// <summary>A Worker is reading it (or will resume it after a Worker stopped).</summary>
    Running = 1,
    /// <summary>Every record was read; some may have failed (see the failures).</summary>
    Succeeded = 2,
    /// <summary>The file as a whole could not be read (not a zip, unknown CSV header...); records saved before stay saved.</summary>
    Failed = 3,
}

/// <summary>What happened to one record.</summary>
public enum ImportOutcome
{
    Created = 0,
    Updated = 1,
    /// <summary>Already present and unchanged (re-imports).</summary>
    Skipped = 2,
    Failed = 3,
}

/// <summary>
/// One uploaded file and its processing: the staged bytes live in <see cref="ImportChunk"/>s until a Worker has read
/// them; the counts and the first failures are checkpointed together with the records they describe, so a Worker
/// that stops mid-file leaves a consistent state that another Worker resumes from <see cref="ProcessedRecords"/>.
/// </summary>
public sealed class Import
{
    /// <summary>Failures kept per import; the total is always counted.</summary>
    public const int MaxStoredFailures = 1000;

    /// <summary>Staged chunk size (the last chunk may be shorter); readers seek by it.</summary>
    public const int ChunkSize = 1 << 20;

    private Import()
    {
    }

    public Guid Id { get; private set; }
    public Guid ProjectId { get; private set; }
    public ImportFormat Format { get; private set; }
    public string FileName { get; private set; } = "";
    public ImportStatus Status { get; private set; }
    /// <summary>Size of the staged file in bytes.</summary>
    public long ReceivedBytes { get; private set; }
    /// <summary>Largest accepted record (JSONL line, CSV row, JSON file), fixed when the file was received.</summary>
    public int MaxRecordBytes { get; private set; }
    /// <summary>Records read so far, bad ones included: the resume point.</summary>
    public int ProcessedRecords { get; private set; }
    public int Created { get; private set; }
    public int Updated { get; private set; }
    public int Skipped { get; private set; }
    public int Failed { get; private set; }
    /// <summary>Why the whole import failed (status Failed); empty otherwise.</summary>
    public string Error { get; private set; } = "";
    /// <summary>How many times a Worker started on it (more than one after a recovery).</summary>
    public int Attempts { get; private set; }
    /// <summary>The person who uploaded it; records that need an author (MathArena sample grades) are theirs.</summary>
    public Guid CreatedById { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public DateTimeOffset? StartedAt { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }
    public uint RowVersion { get; private set; }

    public bool IsFinished => Status is ImportStatus.Succeeded or ImportStatus.Failed;

    public static Import Receive(Guid projectId, ImportFormat format, string? fileName, int maxRecordBytes, Guid createdById, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        errors.Require(Enum.IsDefined(format), "format", "Unknown import format.");
        errors.Require(maxRecordBytes > 0, "maxRecordBytes", "The record size limit must be positive.");
        errors.ThrowIfAny();
        var name = string.IsNullOrWhiteSpace(fileName) ? "upload" : Path.GetFileName(fileName.Trim());
        return new Import
        {
            Id = Ids.New(),
            ProjectId = projectId,
            Format = format,
            FileName = name.Length > 300 ? name[..300] : name,
            Status = ImportStatus.Queued,
            MaxRecordBytes = maxRecordBytes,
            CreatedById = createdById,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>Records the staged size once every byte is stored.</summary>
    public void Staged(long bytes, DateTimeOffset now)
    {
        ReceivedBytes = bytes;
        UpdatedAt = now;
    }

    /// <summary>A Worker takes the import (again, after a recovery: it resumes from the checkpoint).</summary>
    public void Start(DateTimeOffset now)
    {
        if (IsFinished)
        {
            throw new DomainConflictException($"Import {Id} is already {Status.ToString().ToLowerInvariant()}.");
        }
        Status = ImportStatus.Running;
        Attempts++;
        StartedAt ??= now;
        UpdatedAt = now;
    }

    /// <summary>
    /// Adds the outcomes of the records read since the last checkpoint and moves the resume point to
    /// <paramref name="processedRecords"/>; returns the failures to store (those within the kept maximum).
    /// </summary>
    public IReadOnlyList<ImportFailure> Checkpoint(int processedRecords, int created, int updated, int skipped,
        IReadOnlyList<ImportFailureInput> failures, DateTimeOffset now)
    {
        if (processedRecords < ProcessedRecords)
        {
            throw new InvalidOperationException($"Checkpoint {processedRecords} is behind {ProcessedRecords}.");
        }
        var kept = new List<ImportFailure>();
        foreach (var failure in failures)
        {
            if (Failed < MaxStoredFailures)
            {
                kept.Add(new ImportFailure(Id, Failed, failure));
            }
            Failed++;
        }
        ProcessedRecords = processedRecords;
        Created += created;
        Updated += updated;
        Skipped += skipped;
        UpdatedAt = now;
        return kept;
    }

    public void Succeed(DateTimeOffset now)
    {
        Status = ImportStatus.Succeeded;
        FinishedAt = now;
        UpdatedAt = now;
    }

    /// <summary>The file as a whole cannot be read further; what was saved before stays.</summary>
    public void Fail(string reason, DateTimeOffset now)
    {
        Status = ImportStatus.Failed;
        Error = reason.Length > 2000 ? reason[..2000] : reason;
        FinishedAt = now;
        UpdatedAt = now;
    }
}

/// <summary>A record that could not be imported: where it is in the file, which field, and why.</summary>
public sealed record ImportFailureInput(string Record, string? Field, string Reason);

/// <summary>One stored failure of an import (the first <see cref="Import.MaxStoredFailures"/> are kept).</summary>
public sealed class ImportFailure
{
    private ImportFailure()
    {
    }

    internal ImportFailure(Guid importId, int ordinal, ImportFailureInput input)
    {
        ImportId = importId;
        Ordinal = ordinal;
        Record = Clip(input.Record, 300);
        Field = input.Field is null ? null : Clip(input.Field, 300);
        Reason = Clip(input.Reason, 2000);
    }

    public Guid ImportId { get; private set; }
    /// <summary>0, 1, 2... in the order the failures were found.</summary>
    public int Ordinal { get; private set; }
    /// <summary>"line 12", or a file name inside an archive.</summary>
    public string Record { get; private set; } = "";
    public string? Field { get; private set; }
    public string Reason { get; private set; } = "";

    private static string Clip(string value, int max) => value.Length > max ? value[..(max - 1)] + "…" : value;
}

/// <summary>
/// Where the upload of an import's file stands while its bytes are staged: how many chunks (and bytes) are stored, whether
/// the last one is in, or why the upload stopped. The Api writes it with each chunk; a Worker follows it to read the file
/// while it is still arriving. The row goes when the import finishes. Like the chunks it is not crash-safe (an unlogged
/// table): after a database crash it is gone, and the Worker fails the import with "upload again".
/// </summary>
public sealed class ImportUpload
{
    private ImportUpload()
    {
    }

    public Guid ImportId { get; private set; }
    /// <summary>Chunks stored so far (seq 0 to Chunks - 1).</summary>
    public int Chunks { get; private set; }
    public long ReceivedBytes { get; private set; }
    /// <summary>Every byte is stored: <see cref="ReceivedBytes"/> is the size of the file.</summary>
    public bool Complete { get; private set; }
    /// <summary>Why the upload stopped before the end (the client went away, the file is over the limit...); null otherwise.</summary>
    public string? Error { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
}

/// <summary>A piece of an uploaded file (<see cref="Import.ChunkSize"/> bytes; the last may be shorter).</summary>
public sealed class ImportChunk
{
    private ImportChunk()
    {
    }

    public Guid ImportId { get; private set; }
    public int Seq { get; private set; }
    /// <summary>The chunk's bytes, Brotli-compressed when <see cref="Compressed"/>.</summary>
    public byte[] Data { get; private set; } = [];
    /// <summary>
    /// <see cref="Data"/> is the chunk compressed with Brotli (one stream per chunk, so any chunk can be read alone). Text
    /// uploads are staged compressed: PostgreSQL then writes, reads back and deletes a third of the bytes.
    /// </summary>
    public bool Compressed { get; private set; }
}

/// <summary>Format names on the wire (query strings, responses, docs).</summary>
public static class ImportFormats
{
    private static readonly Dictionary<string, ImportFormat> s_byName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["jsonl"] = ImportFormat.Jsonl,
        ["csv"] = ImportFormat.Csv,
        ["imo-proofbench"] = ImportFormat.ImoProofBench,
        ["matharena"] = ImportFormat.MathArena,
        ["opc"] = ImportFormat.Opc,
        ["imo-gradingbench"] = ImportFormat.ImoGradingBench,
    };

    public static IReadOnlyCollection<string> Names => s_byName.Keys;

    public static bool TryParse(string? name, out ImportFormat format) => s_byName.TryGetValue(name?.Trim() ?? "", out format);

    public static string ToWire(this ImportFormat format) => s_byName.First(kv => kv.Value == format).Key;
}
