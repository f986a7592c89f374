using System.Buffers;
using System.Data;
using GradingPortal.Domain.Imports;
using Npgsql;

namespace GradingPortal.Worker.Imports;

/// <summary>
/// A read-only, seekable view of an uploaded file staged in <c>import_chunks</c>. Holds one chunk in memory at a time
/// (zip archives seek to their central directory at the end and back to each entry; text formats read straight through).
/// </summary>
internal sealed class StagedFileStream : Stream
{
    private readonly NpgsqlConnection _connection;
    private readonly Guid _importId;
    private readonly long _length;
    private readonly byte[] _chunk;
    private int _chunkSeq = -1;
    private int _chunkLength;
    private long _position;

    private StagedFileStream(NpgsqlConnection connection, Guid importId, long length)
    {
        _connection = connection;
        _importId = importId;
        _length = length;
        _chunk = ArrayPool<byte>.Shared.Rent(Import.ChunkSize);
    }

    /// <summary>Opens its own connection, so the import's DbContext stays free for writing.</summary>
    public static async Task<StagedFileStream> OpenAsync(string connectionString, Guid importId, long length, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        return new StagedFileStream(connection, importId, length);
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _length;

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
            SeekOrigin.End => _length + offset,
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
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        ArrayPool<byte>.Shared.Return(_chunk);
        GC.SuppressFinalize(this);
    }

    private int CopyOut(Span<byte> destination)
    {
        var within = (int)(_position - (long)_chunkSeq * Import.ChunkSize);
        var count = Math.Min(destination.Length, _chunkLength - within);
        _chunk.AsSpan(within, count).CopyTo(destination);
        _position += count;
        return count;
    }

    /// <summary>Loads the chunk holding the current position; false at the end of the file.</summary>
    private async ValueTask<bool> EnsureChunk(bool sync, CancellationToken ct)
    {
        if (_position >= _length)
        {
            return false;
        }
        var seq = (int)(_position / Import.ChunkSize);
        if (seq == _chunkSeq)
        {
            return true;
        }
        await using var command = new NpgsqlCommand("SELECT data FROM import_chunks WHERE import_id = $1 AND seq = $2", _connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = _importId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = seq });
        await using var reader = sync
            ? command.ExecuteReader(CommandBehavior.SequentialAccess)
            : await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        if (!(sync ? reader.Read() : await reader.ReadAsync(ct)))
        {
            throw new InvalidDataException($"Chunk {seq} of the staged file is missing; the upload was not staged completely.");
        }
        _chunkLength = (int)reader.GetBytes(0, 0, _chunk, 0, Import.ChunkSize);
        _chunkSeq = seq;
        return true;
    }
}
