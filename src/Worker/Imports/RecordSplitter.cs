using System.Runtime.CompilerServices;

namespace GradingPortal.Worker.Imports;

/// <summary>A raw record cut from a text file: its bytes (valid until the next one is read) or, when too long, its size.</summary>
internal readonly record struct RawRecord(int Line, ReadOnlyMemory<byte> Bytes, long TooLongBytes)
{
    public bool IsTooLong => TooLongBytes > 0;
}

/// <summary>
/// Cuts a UTF-8 byte stream into records without holding more than one record (at most the limit) in memory: lines for
/// JSON Lines; for CSV, rows that end at a line break outside double quotes (RFC 4180 fields may span lines). A record
/// over the limit is skipped to its end and reported by size. Line numbers are 1-based physical lines.
/// </summary>
internal static class RecordSplitter
{
    private const int InitialBuffer = 1 << 18;

    public static async IAsyncEnumerable<RawRecord> SplitAsync(Stream stream, int maxRecordBytes, bool quoteAware,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var buffer = new byte[Math.Min(InitialBuffer, maxRecordBytes + 2)];
        int start = 0, end = 0, scan = 0;
        var inQuotes = false;
        var line = 1;
        var recordLine = 1;
        var eof = false;
        var first = true;
        long skipping = 0;
        while (true)
        {
            // Find the end of the current record in [scan, end) with vectorised searches rather than byte by byte.
            var found = -1;
            if (quoteAware)
            {
                var i = scan;
                while (i < end)
                {
                    var next = buffer.AsSpan(i, end - i).IndexOfAny((byte)'"', (byte)'\n');
                    if (next < 0)
                    {
                        break;
                    }
                    i += next;
                    if (buffer[i] == (byte)'"')
                    {
                        inQuotes = !inQuotes;
                    }
                    else
                    {
                        line++;
                        if (!inQuotes)
                        {
                            found = i;
                            break;
                        }
                    }
                    i++;
                }
            }
            else
            {
                var next = buffer.AsSpan(scan, end - scan).IndexOf((byte)'\n');
                if (next >= 0)
                {
                    found = scan + next;
                    line++;
                }
            }
            if (found >= 0)
            {
                var length = found - start;
                if (skipping > 0)
                {
                    yield return new RawRecord(recordLine, default, skipping + length + 1);
                    skipping = 0;
                }
                else
                {
                    var content = length > 0 && buffer[found - 1] == (byte)'\r' ? length - 1 : length;
                    if (length > maxRecordBytes)
                    {
                        yield return new RawRecord(recordLine, default, length + 1);
                    }
                    else
                    {
                        yield return new RawRecord(recordLine, buffer.AsMemory(start, content), 0);
                    }
                }
                start = scan = found + 1;
                recordLine = line;
                continue;
            }
            scan = end;
            if (eof)
            {
                if (skipping > 0)
                {
                    yield return new RawRecord(recordLine, default, skipping + (end - start));
                }
                else if (end > start)
                {
                    var content = buffer[end - 1] == (byte)'\r' ? end - start - 1 : end - start;
                    yield return end - start > maxRecordBytes
                        ? new RawRecord(recordLine, default, end - start)
                        : new RawRecord(recordLine, buffer.AsMemory(start, content), 0);
                }
                yield break;
            }
            if (end - start > maxRecordBytes)
            {
                // Too long to keep: drop what we have and keep scanning for its end.
                skipping += end - start;
                start = scan = end = 0;
            }
            // Make room: move the partial record to the front, grow up to the limit.
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                scan -= start;
                start = 0;
            }
            if (end == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxRecordBytes + 2L));
            }
            var read = await stream.ReadAsync(buffer.AsMemory(end), ct);
            if (read == 0)
            {
                eof = true;
                continue;
            }
            if (first)
            {
                first = false;
                if (read >= 3 && buffer[end] == 0xEF && buffer[end + 1] == 0xBB && buffer[end + 2] == 0xBF)
                {
                    // UTF-8 byte order mark.
                    start = scan = end + 3;
                }
            }
            end += read;
        }
    }
}
