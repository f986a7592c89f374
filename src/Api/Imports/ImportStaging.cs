using System.Buffers;
using System.IO.Compression;
using GradingPortal.Domain.Imports;
using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace GradingPortal.Api.Imports;

/// <summary>Why a staged upload was refused (the transaction is rolled back: nothing of it stays).</summary>
internal sealed record StagingRefusal(int Status, string Field, string Message);

/// <summary>The upload row no longer takes chunks: a Worker gave up waiting for them.</summary>
internal sealed class UploadStoppedException()
    : Exception("The import stopped waiting for this upload (no data arrived for too long); upload the file again.");

/// <summary>
/// Stages uploads in <c>import_chunks</c> (1 MiB bytea rows, unlogged): a Worker on any machine reads them back from
/// PostgreSQL and the Api never holds more than two chunks. Text formats are committed chunk by chunk as they arrive and
/// their job is enqueued with the first chunk, so a Worker imports the start of the file while the rest is uploading;
/// <c>import_uploads</c> says how far the upload got. Zip-based formats need the whole file (their directory is at the
/// end): they are staged in one transaction and enqueued when complete. See docs/decisions/ (import staging).
/// </summary>
internal static class ImportStaging
{
    private static readonly byte[] s_zipMagic = [0x50, 0x4B, 0x03, 0x04];

    /// <summary>Formats read front to back, which a Worker can import while the upload goes on.</summary>
    public static bool Streams(ImportFormat format) =>
        format is ImportFormat.Jsonl or ImportFormat.Csv or ImportFormat.ImoProofBench or ImportFormat.ImoGradingBench;

    /// <summary>
    /// Stages <paramref name="body"/> for <paramref name="import"/> (a text format) chunk by chunk, each chunk committed as
    /// it arrives. The import, its upload row and the first chunk are committed together, then <paramref name="enqueue"/>
    /// starts, so a Worker can start while the rest arrives; reading goes on meanwhile, and the job is queued before this
    /// returns. Returns a refusal, or null once the last chunk is stored.
    /// Before the first chunk is committed a refusal leaves nothing; after it, a failed upload (client gone, over the limit)
    /// is recorded on the upload row and its chunks deleted, and the Worker fails the import with that reason.
    /// </summary>
    public static async Task<StagingRefusal?> StageStreamingAsync(GradingDbContext db, Import import, Stream body, long maxFileBytes,
        Func<CancellationToken, Task> enqueue, ILogger logger, CancellationToken ct)
    {
        var buffers = new[] { ArrayPool<byte>.Shared.Rent(Import.ChunkSize), ArrayPool<byte>.Shared.Rent(Import.ChunkSize) };
        // The compressed form of the chunk being written (one write at a time).
        var packed = ArrayPool<byte>.Shared.Rent(Import.ChunkSize);
        long total = 0;
        var seq = 0;
        var started = false;
        Task? writing = null;
        Task? enqueueing = null;
        // Held open across the per-chunk statements (EF would close it after the first transaction).
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            while (true)
            {
                // The next chunk is read from the client while the previous one is written to the database.
                var buffer = buffers[seq % 2];
                var filled = await FillAsync(body, buffer, ct);
                var last = filled < Import.ChunkSize;
                if (writing is not null)
                {
                    await writing;
                    writing = null;
                }
                if (filled == 0 && seq == 0)
                {
                    return new StagingRefusal(StatusCodes.Status400BadRequest, "file", "The file is empty.");
                }
                total += filled;
                if (total > maxFileBytes)
                {
                    var refusal = new StagingRefusal(StatusCodes.Status413PayloadTooLarge, "file",
                        $"The file is larger than the limit of {Describe(maxFileBytes)}.");
                    if (started)
                    {
                        await AbandonAsync(db, import.Id, $"{refusal.Message} The upload was stopped there. {KeptRecords}", logger);
                    }
                    return refusal;
                }
                if (!started)
                {
                    if (Check(import, total, buffer.AsSpan(0, Math.Min(4, filled))) is { } refusal)
                    {
                        return refusal;
                    }
                    import.Staged(last ? total : 0, import.CreatedAt);
                    var stored = Compress(buffer.AsMemory(0, filled), packed);
                    await using (var transaction = await db.Database.BeginTransactionAsync(ct))
                    {
                        db.Imports.Add(import);
                        await db.SaveChangesAsync(ct);
                        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
                        await using var batch = new NpgsqlBatch(connection)
                        {
                            BatchCommands =
                            {
                                BatchCommand("INSERT INTO import_uploads (import_id, chunks, received_bytes, complete, updated_at) " +
                                    "VALUES ($1, 1, $2, $3, now())", import.Id, total, last),
                                BatchCommand("INSERT INTO import_chunks (import_id, seq, data, compressed) VALUES ($1, 0, $2, $3)", import.Id,
                                    stored.Data, stored.Compressed),
                            },
                        };
                        await batch.ExecuteNonQueryAsync(ct);
                        await transaction.CommitAsync(ct);
                    }
                    started = true;
                    // Hangfire's client writes the job in a dozen round trips: the upload is not held up for them.
                    enqueueing = enqueue(ct);
                }
                else if (filled > 0 || last)
                {
                    writing = WriteChunkAsync(db, import.Id, seq, new ReadOnlyMemory<byte>(buffer, 0, filled), packed, total, last, ct);
                }
                seq++;
                if (last)
                {
                    if (writing is not null)
                    {
                        await writing;
                    }
                    if (enqueueing is not null)
                    {
                        await enqueueing;
                    }
                    return null;
                }
            }
        }
        catch (UploadStoppedException ex)
        {
            return new StagingRefusal(StatusCodes.Status409Conflict, "file", ex.Message);
        }
        catch (Exception) when (started)
        {
            // The client went away (or the database did): the Worker learns it from the upload row and fails the import.
            if (writing is not null)
            {
                await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            await AbandonAsync(db, import.Id, $"The upload broke off after {Describe(total)}: the connection closed before the end of the file. " +
                KeptRecords, logger);
            throw;
        }
        finally
        {
            if (writing is not null)
            {
                await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            if (enqueueing is not null)
            {
                // A refused or broken upload ends here; the import row records why, whether or not its job was queued.
                await enqueueing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            ArrayPool<byte>.Shared.Return(buffers[0]);
            ArrayPool<byte>.Shared.Return(buffers[1]);
            ArrayPool<byte>.Shared.Return(packed);
            await db.Database.CloseConnectionAsync();
        }
    }

    private const string KeptRecords = "Records read before that stay imported (see the counts); upload the whole file again to import the rest " +
        "(records already imported are skipped).";

    /// <summary>
    /// Stores one chunk and moves the upload row on, in one statement (an implicit transaction on unlogged tables: no WAL, no
    /// flush at commit). Refuses when the upload was stopped meanwhile (a Worker gave up on it).
    /// </summary>
    private static async Task WriteChunkAsync(GradingDbContext db, Guid importId, int seq, ReadOnlyMemory<byte> data, byte[] packed, long total,
        bool last, CancellationToken ct)
    {
        var chunk = Compress(data, packed);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var command = Command("""
            WITH u AS (
                UPDATE import_uploads SET chunks = $2 + CASE WHEN $6 THEN 1 ELSE 0 END, received_bytes = $3, complete = $4, updated_at = now()
                WHERE import_id = $1 AND chunks = $2 AND error IS NULL AND NOT complete
                RETURNING import_id)
            INSERT INTO import_chunks (import_id, seq, data, compressed) SELECT import_id, $2, $5, $7 FROM u WHERE $6
            """, importId, seq, total, last, chunk.Data, data.Length > 0, chunk.Compressed);
        command.Connection = connection;
        var stored = await command.ExecuteNonQueryAsync(ct);
        if (stored == 0 && data.Length > 0)
        {
            throw new UploadStoppedException();
        }
    }

    /// <summary>
    /// Brotli at its fastest setting (quality 0, 256 KiB window): text shrinks about threefold at several hundred MB/s per core,
    /// which costs the Api less CPU than PostgreSQL spends writing, reading back and deleting the bytes it saves (the staging
    /// table's TOAST rows, page writes and index entries scale with the stored size). A chunk that does not shrink is stored
    /// as it is.
    /// </summary>
    internal static (ReadOnlyMemory<byte> Data, bool Compressed) Compress(ReadOnlyMemory<byte> chunk, byte[] packed)
    {
        if (chunk.Length > 0
            && BrotliEncoder.TryCompress(chunk.Span, packed.AsSpan(0, Math.Min(packed.Length, chunk.Length - 1)), out var written, quality: 0, window: 18))
        {
            return (packed.AsMemory(0, written), true);
        }
        return (chunk, false);
    }

    /// <summary>Records why the upload stopped and drops what was staged; best effort (a Worker times out a silent upload anyway).</summary>
    private static async Task AbandonAsync(GradingDbContext db, Guid importId, string reason, ILogger logger)
    {
        try
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await using var command = Command("""
                WITH u AS (
                    UPDATE import_uploads SET error = $2, updated_at = now() WHERE import_id = $1 AND error IS NULL AND NOT complete
                    RETURNING import_id)
                DELETE FROM import_chunks c USING u WHERE c.import_id = u.import_id
                """, importId, reason.Length > 2000 ? reason[..2000] : reason);
            command.Connection = connection;
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or ObjectDisposedException)
        {
            logger.LogWarning(ex, "Could not record that the upload of import {ImportId} stopped; a Worker will time it out", importId);
        }
    }

    private static NpgsqlBatchCommand BatchCommand(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(Parameter(value));
        }
        return command;
    }

    private static NpgsqlCommand Command(string sql, Guid id, params object[] values)
    {
        var command = new NpgsqlCommand(sql);
        command.Parameters.Add(Parameter(id));
        foreach (var value in values)
        {
            command.Parameters.Add(Parameter(value));
        }
        return command;
    }

    private static NpgsqlParameter Parameter(object value) => value switch
    {
        ReadOnlyMemory<byte> bytes => new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = bytes, NpgsqlDbType = NpgsqlDbType.Bytea },
        _ => new NpgsqlParameter { Value = value },
    };

    private static async Task<int> FillAsync(Stream body, byte[] buffer, CancellationToken ct)
    {
        var filled = 0;
        while (filled < Import.ChunkSize)
        {
            var read = await body.ReadAsync(buffer.AsMemory(filled, Import.ChunkSize - filled), ct);
            if (read == 0)
            {
                break;
            }
            filled += read;
        }
        return filled;
    }

    /// <summary>Stages <paramref name="body"/> for <paramref name="import"/> in one transaction; returns a refusal, or null when committed.</summary>
    public static async Task<StagingRefusal?> StageAsync(GradingDbContext db, Import import, Stream body, long maxFileBytes,
        TimeProvider clock, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Imports.Add(import);
        await db.SaveChangesAsync(ct);

        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var buffer = ArrayPool<byte>.Shared.Rent(Import.ChunkSize);
        var head = new byte[4];
        var headLength = 0;
        long total = 0;
        var seq = 0;
        try
        {
            // One COPY for the whole upload (inside the transaction): rows stream to the server while the next chunk of the body
            // is read, without a round trip per chunk. Leaving without CompleteAsync cancels the COPY; the rollback does the rest.
            await using var copy = await connection.BeginBinaryImportAsync(
                "COPY import_chunks (import_id, seq, data) FROM STDIN (FORMAT BINARY)", ct);
            while (true)
            {
                var filled = 0;
                while (filled < Import.ChunkSize)
                {
                    var read = await body.ReadAsync(buffer.AsMemory(filled, Import.ChunkSize - filled), ct);
                    if (read == 0)
                    {
                        break;
                    }
                    filled += read;
                }
                if (filled == 0)
                {
                    break;
                }
                if (total == 0)
                {
                    headLength = Math.Min(4, filled);
                    Array.Copy(buffer, head, headLength);
                }
                total += filled;
                if (total > maxFileBytes)
                {
                    return new StagingRefusal(StatusCodes.Status413PayloadTooLarge, "file",
                        $"The file is larger than the limit of {Describe(maxFileBytes)}.");
                }
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(import.Id, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(seq++, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(new ArraySegment<byte>(buffer, 0, filled), NpgsqlDbType.Bytea, ct);
                if (filled < Import.ChunkSize)
                {
                    break;
                }
            }
            if (Check(import, total, head.AsSpan(0, headLength)) is { } refusal)
            {
                return refusal;
            }
            await copy.CompleteAsync(ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        import.Staged(total, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        await using (var upload = new NpgsqlCommand(
            "INSERT INTO import_uploads (import_id, chunks, received_bytes, complete, updated_at) VALUES ($1, $2, $3, true, now())", connection))
        {
            upload.Parameters.Add(Parameter(import.Id));
            upload.Parameters.Add(Parameter(seq));
            upload.Parameters.Add(Parameter(total));
            await upload.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return null;
    }

    /// <summary>What can be told from the size and the first bytes, before a Worker spends time on the file.</summary>
    private static StagingRefusal? Check(Import import, long total, ReadOnlySpan<byte> head)
    {
        if (total == 0)
        {
            return new StagingRefusal(StatusCodes.Status400BadRequest, "file", "The file is empty.");
        }
        var isZip = head.SequenceEqual(s_zipMagic);
        return import.Format switch
        {
            ImportFormat.MathArena when !isZip => new StagingRefusal(StatusCodes.Status400BadRequest, "file",
                "A MathArena import is a .zip of the competition folder (problems/, solutions/, grading_scheme.json, sample_grading/)."),
            ImportFormat.Opc when !isZip && total > import.MaxRecordBytes => new StagingRefusal(StatusCodes.Status413PayloadTooLarge, "file",
                $"A single Open Proof Corpus .json file is one record, and it is {Describe(total)}; the limit is {Describe(import.MaxRecordBytes)}. " +
                "Upload a .zip of the folder, or ask for a higher Imports:MaxRecordBytes."),
            _ when isZip && Streams(import.Format) => new StagingRefusal(StatusCodes.Status400BadRequest,
                "format", $"This is a .zip archive; the {import.Format.ToWire()} format is a plain text file."),
            _ => null,
        };
    }

    public static string Describe(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 => $"{bytes / (double)(1 << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes} bytes",
    };
}
