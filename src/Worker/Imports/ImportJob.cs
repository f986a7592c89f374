using System.Diagnostics;
using System.Threading.Channels;
using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Imports;
using GradingPortal.Domain.Jobs;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Solutions;
using GradingPortal.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Hangfire;

namespace GradingPortal.Worker.Imports;

/// <summary>
/// Reads one staged upload (<see cref="IImportJobs.Run"/>) and imports its records in batches. Each batch is saved in
/// one transaction together with the import's counts, failures and resume point, so the job can stop anywhere: run again
/// (fetched again after its Worker died, or put back in the queue by a stopping Worker), it re-reads the import, skips the records
/// already counted, and goes on. A finished import is left alone.
/// </summary>
internal sealed class ImportJob(GradingDbContext db, PostgresConnections connections, TimeProvider clock, IOptions<WorkerOptions> options,
    IOptions<ArchiveImportOptions> archiveOptions, IBackgroundJobClient jobs, ILogger<ImportJob> logger) : IImportJobs
{
    /// <summary>Records per save (and per checkpoint).</summary>
    internal const int BatchRecords = 2000;

    /// <summary>Turns the database's solution change notices off until the current transaction ends (see the migration SolutionChangeNotices).</summary>
    internal const string QuietSolutionNotices = "SET LOCAL gradingportal.solution_notices = 'off'";

    /// <summary>A run of this many plain solutions among other records is split off into a batch for the COPY path.</summary>
    internal const int MinBulkRun = 100;

    /// <summary>A batch also ends once its records hold this much text, so memory stays bounded whatever the record size.</summary>
    internal const long BatchBytes = 16L << 20;

    /// <summary>
    /// Batches read ahead of the one being saved. With the one being filled and the one being saved, at most
    /// (Pipelined + 2) × <see cref="BatchBytes"/> of records are in memory.
    /// </summary>
    internal const int Pipelined = 1;

    /// <summary>Unexpected errors are retried this many times (new attempts resume from the checkpoint), then the import fails.</summary>
    internal const int MaxAttempts = 3;

    private Import _import = null!;

    public async Task Run(Guid importId, CancellationToken cancellationToken)
    {
        var ct = cancellationToken;
        var import = await db.Imports.FirstOrDefaultAsync(i => i.Id == importId, ct);
        if (import is null || import.IsFinished)
        {
            return;
        }
        _import = import;
        try
        {
            await RunAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The Worker is stopping: Hangfire puts the job back in the queue for whichever Worker runs next, which resumes
            // from the checkpoint.
            logger.LogInformation("Import {ImportId} interrupted at record {Record}; back in the queue", importId, _import.ProcessedRecords);
            throw;
        }
        catch (DbUpdateConcurrencyException ex) when (IsImportRow(ex))
        {
            // Someone else moved this import on (another Worker after a recovery that turned out premature): leave it to them.
            logger.LogWarning("Import {ImportId} was changed by another Worker; this run stops", importId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Import {ImportId} failed on attempt {Attempt}", importId, _import.Attempts);
            db.ChangeTracker.Clear();
            var fresh = await db.Imports.FirstAsync(i => i.Id == importId, CancellationToken.None);
            if (fresh.Attempts < MaxAttempts)
            {
                jobs.Schedule<IImportJobs>(j => j.Run(importId, CancellationToken.None), TimeSpan.FromSeconds(10 * fresh.Attempts));
            }
            else
            {
                fresh.Fail($"The import stopped on an unexpected error after {fresh.Attempts} attempts: {ex.Message}", clock.GetUtcNow());
                await db.SaveChangesAsync(CancellationToken.None);
            }
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        _import.Start(clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        var importer = await db.Users.AsNoTracking().Where(u => u.Id == _import.CreatedById).Select(u => u.DisplayName).FirstOrDefaultAsync(ct);
        db.ActorOverride = new AuditActor(_import.CreatedById, $"{(string.IsNullOrWhiteSpace(importer) ? "someone" : importer)} (import {_import.FileName})");
        var project = await db.Projects.AsNoTracking().FirstAsync(p => p.Id == _import.ProjectId, ct);
        var writer = new ImportWriter(db, _import, project, clock);
        await writer.LoadAsync(ct);

        var started = Stopwatch.GetTimestamp();
        var waited = TimeSpan.Zero;
        StagedFileStream? staged = null;
        try
        {
            // Text formats are read while the upload goes on (the stream waits for chunks); zip archives once it is complete.
            staged = await StagedFileStream.OpenAsync(connections.Default, _import.Id, wholeFile: !StreamsWhileUploading(_import.Format),
                TimeSpan.FromSeconds(options.Value.UploadStallSeconds), ct);
            // Reading (fetching chunks, cutting and parsing records) runs on its own task and hands over whole batches, so the
            // next batch is parsed while PostgreSQL writes the current one. At most Pipelined batches wait between them.
            var batches = Channel.CreateBounded<List<ImportRecord>>(new BoundedChannelOptions(Pipelined)
            {
                SingleReader = true,
                SingleWriter = true,
            });
            using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var records = Read(staged, stopReading.Token);
            var skipThrough = _import.ProcessedRecords;
            var reading = Task.Run(() => ReadBatchesAsync(records, skipThrough, batches.Writer, stopReading.Token), CancellationToken.None);
            try
            {
                while (true)
                {
                    var before = Stopwatch.GetTimestamp();
                    var more = await batches.Reader.WaitToReadAsync(ct);
                    waited += Stopwatch.GetElapsedTime(before);
                    if (!more)
                    {
                        break;
                    }
                    while (batches.Reader.TryRead(out var batch))
                    {
                        await SaveBatchAsync(writer, batch, ct);
                    }
                }
                // The reader completed the channel: it reached the end, or stopped on an error it rethrows here.
                await reading;
            }
            finally
            {
                if (!reading.IsCompleted)
                {
                    await stopReading.CancelAsync();
                    // Saving stopped (cancelled, or an error on its way up): the reader's own outcome no longer matters.
                    await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
            _import.Staged(staged.ReceivedBytes, clock.GetUtcNow());
            _import.Succeed(clock.GetUtcNow());
        }
        catch (ImportFileException ex)
        {
            db.ChangeTracker.Clear();
            _import = await db.Imports.FirstAsync(i => i.Id == _import.Id, ct);
            if (staged is not null)
            {
                _import.Staged(staged.ReceivedBytes, clock.GetUtcNow());
            }
            _import.Fail(ex.Message, clock.GetUtcNow());
        }
        finally
        {
            if (staged is not null)
            {
                await staged.DisposeAsync();
            }
        }
        // The staged bytes have served their purpose; the import keeps its counts and failures. One transaction: whoever sees
        // the import finished also sees its staging gone.
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            await db.SaveChangesAsync(ct);
            await db.ImportChunks.Where(c => c.ImportId == _import.Id).ExecuteDeleteAsync(ct);
            await db.ImportUploads.Where(u => u.ImportId == _import.Id).ExecuteDeleteAsync(ct);
            await tx.CommitAsync(ct);
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        logger.LogInformation("Import {ImportId} {Status}: {Created} created, {Updated} updated, {Skipped} skipped, {Failed} failed " +
            "in {Seconds:0.0} s ({WaitedSeconds:0.0} s of it waiting for records to be read)",
            _import.Id, _import.Status, _import.Created, _import.Updated, _import.Skipped, _import.Failed, elapsed.TotalSeconds, waited.TotalSeconds);
    }

    /// <summary>
    /// Groups records into batches for <see cref="SaveBatchAsync"/>. Runs of plain solutions go in batches of their own (the
    /// COPY path), so a problem line at the top of a file does not send the solutions after it down the slow path; a short
    /// run among other records stays with them (EF). Records up to <paramref name="skipThrough"/> were saved by an earlier run.
    /// Always completes <paramref name="output"/>; a reading error is rethrown to whoever awaits this.
    /// </summary>
    internal static async Task ReadBatchesAsync(IAsyncEnumerable<ImportRecord> records, int skipThrough, ChannelWriter<List<ImportRecord>> output,
        CancellationToken ct)
    {
        try
        {
            var batch = new List<ImportRecord>();
            long bytes = 0;
            var mixed = false;
            var runStart = 0;
            await foreach (var record in records.WithCancellation(ct))
            {
                if (record.Seq <= skipThrough)
                {
                    continue;
                }
                if (!ImportWriter.CanBulkWrite(record))
                {
                    if (!mixed && batch.Count >= MinBulkRun)
                    {
                        await output.WriteAsync(batch, ct);
                        batch = [];
                        bytes = 0;
                    }
                    batch.Add(record);
                    mixed = true;
                    runStart = batch.Count;
                }
                else
                {
                    batch.Add(record);
                    if (mixed && batch.Count - runStart >= MinBulkRun)
                    {
                        var run = batch.GetRange(runStart, batch.Count - runStart);
                        batch.RemoveRange(runStart, batch.Count - runStart);
                        await output.WriteAsync(batch, ct);
                        batch = run;
                        bytes = run.Sum(r => r.Bytes) - record.Bytes;
                        mixed = false;
                    }
                }
                bytes += record.Bytes;
                if (batch.Count >= BatchRecords || bytes >= BatchBytes)
                {
                    await output.WriteAsync(batch, ct);
                    batch = [];
                    bytes = 0;
                    mixed = false;
                    runStart = 0;
                }
            }
            if (batch.Count > 0)
            {
                await output.WriteAsync(batch, ct);
            }
        }
        finally
        {
            output.TryComplete();
        }
    }

    private IAsyncEnumerable<ImportRecord> Read(StagedFileStream staged, CancellationToken ct)
    {
        var max = _import.MaxRecordBytes;
        var skip = _import.ProcessedRecords;
        return _import.Format switch
        {
            ImportFormat.Jsonl => JsonlReader.ReadAsync(staged, max, skip, ct),
            ImportFormat.Csv => CsvReader.ReadAsync(staged, max, skip, ct),
            ImportFormat.ImoProofBench => ProofBenchReader.ReadAsync(staged, max, skip, ct),
            ImportFormat.ImoGradingBench => GradingBenchReader.ReadAsync(staged, max, skip, ct),
            ImportFormat.MathArena => MathArenaReader.ReadAsync(staged, _import.FileName, max, skip, new ArchiveLimits(archiveOptions.Value), ct),
            ImportFormat.Opc => OpcReader.ReadAsync(staged, _import.FileName, IsZip(staged), max, skip, new ArchiveLimits(archiveOptions.Value), ct),
            _ => throw new ImportFileException($"Unsupported format {_import.Format}."),
        };
    }

    /// <summary>Formats read front to back: imported while the upload goes on (the Api enqueues them with the first chunk).</summary>
    internal static bool StreamsWhileUploading(ImportFormat format) =>
        format is ImportFormat.Jsonl or ImportFormat.Csv or ImportFormat.ImoProofBench or ImportFormat.ImoGradingBench;

    private static bool IsZip(StagedFileStream staged)
    {
        Span<byte> head = stackalloc byte[4];
        var read = staged.Read(head);
        staged.Position = 0;
        return read == 4 && head[0] == 0x50 && head[1] == 0x4B && head[2] == 0x03 && head[3] == 0x04;
    }

    /// <summary>
    /// Applies and saves a batch with its checkpoint. When the database refuses the batch (a concurrent edit took an
    /// external id...), nothing of it stays; its records are then saved one by one so only the offending one fails.
    /// </summary>
    private async Task SaveBatchAsync(ImportWriter writer, List<ImportRecord> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return;
        }
        if (ImportWriter.CanBulkWrite(batch) && await TrySaveBulkAsync(writer, batch, ct))
        {
            return;
        }
        try
        {
            await writer.PrefetchAsync(batch, ct);
            var total = new RecordResult();
            foreach (var record in batch)
            {
                total.Add(await writer.ApplyAsync(record, ct));
            }
            Checkpoint(batch[^1].Seq, total);
            await using (var transaction = await db.Database.BeginTransactionAsync(ct))
            {
                // Grades and annotations an import brings would each send a solution_changed notice (ADR 022): open pages
                // of those solutions pick them up at their slow poll instead of the Api fanning out one notice per row.
                await db.Database.ExecuteSqlRawAsync(QuietSolutionNotices, ct);
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
            }
            AfterSave(writer);
        }
        catch (DbUpdateException ex) when (ex is not DbUpdateConcurrencyException || !IsImportRow(ex))
        {
            await RollBackAsync(writer, ct);
            if (batch.Count > 1)
            {
                foreach (var single in batch)
                {
                    await SaveBatchAsync(writer, [single], ct);
                }
                return;
            }
            var record = batch[0];
            var failed = new RecordResult();
            failed.Failures.Add(new ImportFailureInput(record.Location, null,
                $"The database refused the record: {(ex.InnerException ?? ex).Message.Split('\n')[0]}"));
            Checkpoint(record.Seq, failed);
            await db.SaveChangesAsync(ct);
            AfterSave(writer);
        }
    }

    /// <summary>
    /// The fast path for a batch of solutions: one query for the external ids already there, Domain validation of each
    /// record as usual, then the new solutions and their audit events written with COPY and the checkpoint saved, all in
    /// one transaction. False (with nothing written and the state reloaded) when the database refused a row; the caller then
    /// saves the batch the careful way, which isolates the offending record.
    /// </summary>
    private async Task<bool> TrySaveBulkAsync(ImportWriter writer, List<ImportRecord> batch, CancellationToken ct)
    {
        await writer.PrefetchAsync(batch, ct);
        var total = new RecordResult();
        List<Solution> solutions;
        writer.BeginBulk();
        try
        {
            foreach (var record in batch)
            {
                total.Add(await writer.ApplyAsync(record, ct));
            }
        }
        finally
        {
            solutions = writer.EndBulk();
        }
        var events = BulkSolutionWriter.CreationEvents(solutions, db.CurrentActor, clock.GetUtcNow());
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await BulkSolutionWriter.WriteAsync(connection, solutions, events, ct);
            Checkpoint(batch[^1].Seq, total);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        catch (Exception ex) when (ex is PostgresException { SqlState: [ '2', '2' or '3', ..] }
            || (ex is DbUpdateException update && (update is not DbUpdateConcurrencyException || !IsImportRow(update))))
        {
            // Integrity (23...) or data (22...) refusal: the transaction is gone with everything it wrote.
            logger.LogInformation("Import {ImportId}: bulk write of records up to {Seq} refused ({Reason}); saving them through EF",
                _import.Id, batch[^1].Seq, ex.Message.Split('\n')[0]);
            await RollBackAsync(writer, ct);
            return false;
        }
        AfterSave(writer);
        return true;
    }

    private static bool IsImportRow(DbUpdateException ex) => ex.Entries.Any(e => e.Entity is Import);

    private void Checkpoint(int seq, RecordResult result)
    {
        var kept = _import.Checkpoint(seq, result.Created, result.Updated, result.Skipped, result.Failures, clock.GetUtcNow());
        db.ImportFailures.AddRange(kept);
    }

    private void AfterSave(ImportWriter writer)
    {
        // Keep the context small: only the import row stays tracked between batches.
        db.ChangeTracker.Clear();
        db.Attach(_import);
        writer.BatchSaved();
    }

    private async Task RollBackAsync(ImportWriter writer, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        _import = await db.Imports.FirstAsync(i => i.Id == _import.Id, ct);
        await writer.LoadAsync(ct);
    }
}
