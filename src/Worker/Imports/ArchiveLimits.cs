using System.Buffers.Binary;
using System.ComponentModel.DataAnnotations;
using System.IO.Compression;

namespace GradingPortal.Worker.Imports;

/// <summary>
/// Limits on .zip imports (section <c>Imports:Archives</c>). A few kilobytes of zip can claim, or really hold, gigabytes
/// of text or millions of entries; these bound what one import makes a Worker read. The defaults leave the MathArena and
/// Open Proof Corpus folders (tens of entries, a few MB, compressed three to five times) far inside them.
/// </summary>
public sealed class ArchiveImportOptions
{
    public const string SectionName = "Imports:Archives";

    /// <summary>Most entries (files and folders) an archive may hold (default 10,000).</summary>
    [Range(1, 10_000_000)]
    public int MaxEntries { get; set; } = 10_000;

    /// <summary>Most bytes all the files of an archive may hold once decompressed (default 1 GiB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxUncompressedBytes { get; set; } = 1L << 30;

    /// <summary>
    /// Most times a file may expand when decompressed (default 100; prose and JSON expand three to ten times, a zip bomb a
    /// thousand). Files under 64 KiB decompressed are exempt: whatever their ratio, they cost nothing.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxCompressionRatio { get; set; } = 100;
}

/// <summary>
/// The limits of <see cref="ArchiveImportOptions"/> applied to one archive: first to what its directory claims (so a
/// refused archive costs no decompression), then to the bytes actually decompressed, since the claims are the sender's
/// to make up.
/// </summary>
internal sealed class ArchiveLimits(ArchiveImportOptions options)
{
    /// <summary>Files smaller than this once decompressed are not held to the compression ratio.</summary>
    internal const long RatioExemptBytes = 64 * 1024;

    private long _decompressed;

    public ArchiveImportOptions Options { get; } = options;

    /// <summary>
    /// Counts the central directory's records before the zip reader loads them all into memory (a directory of millions
    /// of records is a few tens of MB of upload). The count stated at the end of the archive is not trusted: the records
    /// are walked from the directory's start, and the walk stops one past the limit.
    /// </summary>
    public void CheckEntryCount(Stream zip)
    {
        if (CountDirectoryRecords(zip, Options.MaxEntries + 1) is var count && count > Options.MaxEntries)
        {
            throw new ImportFileException($"The archive holds more than {Options.MaxEntries:N0} entries, the most an import accepts.");
        }
    }

    /// <summary>Refuses an archive whose directory itself admits to breaking a limit.</summary>
    public void CheckClaims(IReadOnlyCollection<ZipArchiveEntry> entries)
    {
        if (entries.Count > Options.MaxEntries)
        {
            throw new ImportFileException($"The archive holds {entries.Count:N0} entries; an import accepts at most {Options.MaxEntries:N0}.");
        }
        var total = 0L;
        foreach (var entry in entries)
        {
            total += entry.Length;
            if (total > Options.MaxUncompressedBytes)
            {
                throw new ImportFileException(TooLarge(total));
            }
            CheckRatio(entry.FullName, entry.Length, entry.CompressedLength);
        }
    }

    /// <summary>Counts <paramref name="bytes"/> just decompressed from <paramref name="entry"/>, <paramref name="soFar"/> in all.</summary>
    public void Decompressed(ZipArchiveEntry entry, int bytes, long soFar)
    {
        _decompressed += bytes;
        if (_decompressed > Options.MaxUncompressedBytes)
        {
            throw new ImportFileException(TooLarge(_decompressed));
        }
        CheckRatio(entry.FullName, soFar, entry.CompressedLength);
    }

    private void CheckRatio(string path, long uncompressed, long compressed)
    {
        if (uncompressed > RatioExemptBytes && uncompressed > (double)Options.MaxCompressionRatio * compressed)
        {
            var ratio = compressed > 0 ? $"{uncompressed / (double)compressed:N0} times" : "from nothing";
            throw new ImportFileException($"{path} expands {ratio} its compressed size; an import accepts at most {Options.MaxCompressionRatio:N0} " +
                "times (the archive looks like a zip bomb).");
        }
    }

    private string TooLarge(long bytes) =>
        $"The archive holds more than {Options.MaxUncompressedBytes:N0} bytes once decompressed (at least {bytes:N0}), the most an import accepts.";

    /// <summary>
    /// Central directory records from the start the end record names, up to <paramref name="stopAt"/>; 0 when the
    /// stream has no end record (the zip reader then says what is wrong with it).
    /// </summary>
    internal static int CountDirectoryRecords(Stream zip, int stopAt)
    {
        const uint EndSignature = 0x06054b50, Zip64LocatorSignature = 0x07064b50, Zip64EndSignature = 0x06064b50, RecordSignature = 0x02014b50;
        const int EndLength = 22, MaxComment = ushort.MaxValue;
        var length = zip.Length;
        if (length < EndLength)
        {
            return 0;
        }
        var tail = new byte[(int)Math.Min(length, EndLength + MaxComment + 20)];
        ReadAt(zip, length - tail.Length, tail);
        var end = -1;
        for (var i = tail.Length - EndLength; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == EndSignature)
            {
                end = i;
                break;
            }
        }
        if (end < 0)
        {
            return 0;
        }
        long start = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(end + 16));
        if (start == uint.MaxValue && end >= 20 && BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(end - 20)) == Zip64LocatorSignature)
        {
            var zip64End = BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(end - 20 + 8));
            var record = new byte[56];
            if (zip64End < 0 || zip64End > length - record.Length)
            {
                return 0;
            }
            ReadAt(zip, zip64End, record);
            if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndSignature)
            {
                return 0;
            }
            start = BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(48));
        }
        var header = new byte[46];
        var count = 0;
        for (var at = start; count < stopAt && at >= 0 && at <= length - header.Length; count++)
        {
            ReadAt(zip, at, header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != RecordSignature)
            {
                break;
            }
            at += header.Length + BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(28)) + BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(30))
                + BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(32));
        }
        zip.Position = 0;
        return count;
    }

    private static void ReadAt(Stream stream, long position, Span<byte> buffer)
    {
        stream.Position = position;
        stream.ReadExactly(buffer);
    }
}
