using System.Buffers;
using GradingPortal.Domain.Imports;
using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace GradingPortal.Api.Imports;

/// <summary>Why a staged upload was refused (the transaction is rolled back: nothing of it stays).</summary>
internal sealed record StagingRefusal(int Status, string Field, string Message);

/// <summary>
/// Streams an upload into <c>import_chunks</c> (1 MiB bytea rows) inside one transaction with the import row: a Worker
/// on any machine reads it back from PostgreSQL, the Api never holds more than one chunk, and an upload that breaks off
/// (client gone, limit exceeded) leaves nothing behind. See docs/decisions/ (import staging).
/// </summary>
internal static class ImportStaging
{
    private static readonly byte[] s_zipMagic = [0x50, 0x4B, 0x03, 0x04];

    /// <summary>Stages <paramref name="body"/> for <paramref name="import"/>; returns a refusal, or null when committed.</summary>
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
            ImportFormat.Jsonl or ImportFormat.Csv or ImportFormat.ImoProofBench when isZip => new StagingRefusal(StatusCodes.Status400BadRequest,
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
