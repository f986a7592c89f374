using System.Buffers;
using System.Data;
using System.Diagnostics;
using System.IO.Compression;
using GradingPortal.Domain.Imports;
using Npgsql;

namespace GradingPortal.Worker.Imports;

/// <summary>
/// A read-only view of an uploaded file staged in <c>import_chunks</c>, holding one chunk in memory at a time. It follows
/// the upload (<c>import_uploads</c>): a read past the chunks stored so far waits for the next one, so text formats are
/// imported while the file is still arriving. The end of the data is the end of the file only once the upload is
/// complete; an upload that broke off, went silent, or was lost with the database (the staging tables are unlogged) ends
/// the read with an <see cref="ImportFileException"/> that says so. Once the upload is complete the stream is seekable
/// (zip archives seek to their central directory at the end and back to each entry).
/// </summary>
internal sealed class StagedFileStream : Stream
{
    /// <summary>What the Worker says when the staged bytes are gone before it read them all.</summary>
    internal const string LostMessage = "The staged upload is gone: the database restarted (or failed over) before the import had read all of it. " +
        RestMessage;

    private const string RestMessage = "Records read before that stay imported (see the counts); upload the whole file again to import the rest " +
        "(records already imported are skipped).";

    private static readonly TimeSpan s_firstPoll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan s_maxPoll = TimeSpan.FromMilliseconds(100);

    private readonly NpgsqlConnection _connection;
    private readonly Guid _importId;
    private readonly TimeSpan _stallTimeout;
    private readonly byte[] _chunk;
    private byte[]? _packed;
    private int _chunkSeq = -1;
    private int _chunkLength;
    private long _position;
    private int _chunks;
    private long _received;
    private bool _complete;
    private long _lastProgress;

    private StagedFileStream(NpgsqlConnection connection, Guid importId, TimeSpan stallTimeout)
    {
        _connection = connection;
        _importId = importId;
        _stallTimeout = stallTimeout;
        _chunk = ArrayPool<byte>.Shared.Rent(Import.ChunkSize);
        _lastProgress = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Opens its own connection (so the import's DbContext stays free for writing) and reads where the upload stands.
    /// With <paramref name="wholeFile"/> it first waits for the upload to complete.
    /// </summary>
    public static async Task<StagedFileStream> OpenAsync(NpgsqlDataSource dataSource, Guid importId, bool wholeFile, TimeSpan stallTimeout,
        CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        var stream = new StagedFileStream(connection, importId, stallTimeout);
        try
        {
            await stream.FetchAsync(seq: -1, sync: false, ct);
            while (wholeFile && !stream._complete)
            {
                await stream.WaitAsync(sync: false, ct);
                await stream.FetchAsync(seq: -1, sync: false, ct);
            }
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>Bytes received so far; the size of the file once <see cref="IsComplete"/>.</summary>
    public long ReceivedBytes => _received;

    public bool IsComplete => _complete;

    public override bool CanRead => true;
    public override bool CanSeek => _complete;
    public override bool CanWrite => false;
    public override long Length => _complete ? _received : throw new NotSupportedException("The upload is still arriving.");

    public override long Position
    {
        get => _position;
        set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!EnsureChunk(sync: true, CancellationToken.None).GetAwaiter().GetResult())
        {
            return 0;
        }
        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!await EnsureChunk(sync: false, cancellationToken))
        {
            return 0;
        }
        return CopyOut(buffer.Span);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _connection.Dispose();
            ArrayPool<byte>.Shared.Return(_chunk);
            ReturnPacked();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        ArrayPool<byte>.Shared.Return(_chunk);
        ReturnPacked();
        GC.SuppressFinalize(this);
    }

    private void ReturnPacked()
    {
        if (_packed is not null)
        {
            ArrayPool<byte>.Shared.Return(_packed);
            _packed = null;
        }
    }

    private int CopyOut(Span<byte> destination)
    {
        var within = (int)(_position - (long)_chunkSeq * Import.ChunkSize);
        var count = Math.Min(destination.Length, _chunkLength - within);
        _chunk.AsSpan(within, count).CopyTo(destination);
        _position += count;
        return count;
    }

    /// <summary>Loads the chunk holding the current position, waiting for it while the upload goes on; false at the end of the file.</summary>
    private async ValueTask<bool> EnsureChunk(bool sync, CancellationToken ct)
    {
        var seq = (int)(_position / Import.ChunkSize);
        while (true)
        {
            if (_complete && _position >= _received)
            {
                return false;
            }
            if (seq == _chunkSeq && _position - (long)seq * Import.ChunkSize < _chunkLength)
            {
                return true;
            }
            if (await FetchAsync(seq, sync, ct))
            {
                if (_position - (long)seq * Import.ChunkSize < _chunkLength)
                {
                    return true;
                }
                if (_complete && _position >= _received)
                {
                    return false;
                }
                throw new ImportFileException($"Chunk {seq} of the staged file is shorter than the upload says. {RestMessage}");
            }
            if (seq < _chunks)
            {
                throw new ImportFileException(LostMessage);
            }
            if (!_complete)
            {
                await WaitAsync(sync, ct);
            }
        }
    }

    /// <summary>
    /// Reads the upload row and, when <paramref name="seq"/> is stored, that chunk, in one round trip. True when the chunk
    /// was loaded. Throws when the upload stopped or its staging is gone.
    /// </summary>
    private async ValueTask<bool> FetchAsync(int seq, bool sync, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT u.chunks, u.received_bytes, u.complete, u.error, c.compressed, c.data
            FROM import_uploads u LEFT JOIN import_chunks c ON c.import_id = u.import_id AND c.seq = $2
            WHERE u.import_id = $1
            """, _connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = _importId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = seq });
        await using var reader = sync
            ? command.ExecuteReader(CommandBehavior.SequentialAccess)
            : await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        if (!(sync ? reader.Read() : await reader.ReadAsync(ct)))
        {
            throw new ImportFileException(LostMessage);
        }
        var chunks = reader.GetInt32(0);
        var received = reader.GetInt64(1);
        var complete = reader.GetBoolean(2);
        if (!reader.IsDBNull(3))
        {
            throw new ImportFileException(reader.GetString(3));
        }
        if (chunks != _chunks || complete != _complete)
        {
            _lastProgress = Stopwatch.GetTimestamp();
        }
        (_chunks, _received, _complete) = (chunks, received, complete);
        if (reader.IsDBNull(4))
        {
            return false;
        }
        if (reader.GetBoolean(4))
        {
            _packed ??= ArrayPool<byte>.Shared.Rent(Import.ChunkSize);
            var packedLength = (int)reader.GetBytes(5, 0, _packed, 0, _packed.Length);
            if (!BrotliDecoder.TryDecompress(_packed.AsSpan(0, packedLength), _chunk.AsSpan(0, Import.ChunkSize), out _chunkLength))
            {
                throw new ImportFileException($"Chunk {seq} of the staged file cannot be decompressed. {RestMessage}");
            }
        }
        else
        {
            _chunkLength = (int)reader.GetBytes(5, 0, _chunk, 0, Import.ChunkSize);
        }
        _chunkSeq = seq;
        return true;
    }

    /// <summary>
    /// Waits a little for the next chunk (a few milliseconds, longer the longer nothing comes); gives the upload up once
    /// nothing has arrived for the stall timeout (the uploading client or Api went away without saying so).
    /// </summary>
    private async ValueTask WaitAsync(bool sync, CancellationToken ct)
    {
        var idle = Stopwatch.GetElapsedTime(_lastProgress);
        if (idle > _stallTimeout)
        {
            var reason = $"No data of the upload arrived for {_stallTimeout.TotalMinutes:0.#} minutes (the uploading client or server went away), " +
                $"after {_received / (double)(1 << 20):0.#} MiB. {RestMessage}";
            await using var command = new NpgsqlCommand(
                "UPDATE import_uploads SET error = $2, updated_at = now() WHERE import_id = $1 AND error IS NULL AND NOT complete", _connection);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = _importId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reason });
            var stopped = sync ? command.ExecuteNonQuery() : await command.ExecuteNonQueryAsync(ct);
            if (stopped == 1)
            {
                throw new ImportFileException(reason);
            }
            return;
        }
        var delay = TimeSpan.FromTicks(Math.Clamp(idle.Ticks / 4, s_firstPoll.Ticks, s_maxPoll.Ticks));
        if (sync)
        {
            Thread.Sleep(delay);
        }
        else
        {
            await Task.Delay(delay, ct);
        }
    }
}
