using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using GradingPortal.Worker.Imports;

namespace GradingPortal.Import.Tests;

/// <summary>
/// Zip imports within limits: too many entries, too many decompressed bytes and zip bombs fail the import with a clear
/// message, whatever the archive's directory claims, and the Worker goes on working.
/// </summary>
[Collection(ImportCollection.Name)]
public sealed class ArchiveLimitTests(ImportFixture fixture)
{
    private static ArchiveLimits Limits(int maxEntries = 10_000, long maxBytes = 1L << 30, int maxRatio = 100) =>
        new(new ArchiveImportOptions { MaxEntries = maxEntries, MaxUncompressedBytes = maxBytes, MaxCompressionRatio = maxRatio });

    /// <summary>A zip of the given files (path, content), deflated.</summary>
    private static byte[] Zip(IEnumerable<(string Path, byte[] Content)> files)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                using var entry = zip.CreateEntry(path, CompressionLevel.SmallestSize).Open();
                entry.Write(content);
            }
        }
        return output.ToArray();
    }

    private static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    private static IEnumerable<(string, byte[])> Problems(int count) =>
        Enumerable.Range(1, count).Select(i => ($"contest/problems/{i}.tex", Text($"Problem {i}: show that $n^{i} \\ge 0$.")));

    private static async Task<Exception?> OpenAndReadAllAsync(byte[] zip, ArchiveLimits limits)
    {
        try
        {
            await using var folder = await ArchiveFolder.OpenAsync(new MemoryStream(zip), "upload.zip", limits, TestContext.Current.CancellationToken);
            foreach (var path in folder.Paths.ToList())
            {
                await folder.ReadAsync(path, 2 << 20, TestContext.Current.CancellationToken);
            }
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    /// <summary>Offsets of every record with <paramref name="signature"/> (little-endian) in the zip.</summary>
    private static List<int> Find(byte[] zip, uint signature)
    {
        var found = new List<int>();
        for (var i = 0; i + 4 <= zip.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i)) == signature)
            {
                found.Add(i);
            }
        }
        return found;
    }

    [Fact]
    public async Task ArchiveFolder_MoreEntriesThanTheLimit_IsRefusedBeforeAnyIsRead()
    {
        var zip = Zip(Problems(11));

        var error = await OpenAndReadAllAsync(zip, Limits(maxEntries: 10));

        error.ShouldBeOfType<ImportFileException>().Message.ShouldBe("The archive holds more than 10 entries, the most an import accepts.");
        (await OpenAndReadAllAsync(zip, Limits(maxEntries: 11))).ShouldBeNull();
    }

    [Fact]
    public async Task ArchiveFolder_EndRecordUnderstatesTheEntryCount_EveryDirectoryRecordIsCounted()
    {
        var zip = Zip(Problems(11));
        var end = Find(zip, 0x06054b50).Single();
        // Entries on this disk and in all: the archive now claims to hold one file.
        BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(end + 8), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(end + 10), 1);

        var error = await OpenAndReadAllAsync(zip, Limits(maxEntries: 10));

        error.ShouldBeOfType<ImportFileException>().Message.ShouldContain("more than 10 entries");
    }

    [Fact]
    public async Task ArchiveFolder_ZipBomb_IsRefusedForItsCompressionRatio()
    {
        var zip = Zip([("contest/problems/1.tex", new byte[16 << 20])]);
        zip.Length.ShouldBeLessThan(100_000, "16 MiB of zeros deflate to a few KB");

        var error = await OpenAndReadAllAsync(zip, Limits());

        error.ShouldBeOfType<ImportFileException>().Message.ShouldStartWith("contest/problems/1.tex expands");
        error.Message.ShouldContain("at most 100 times");
        error.Message.ShouldContain("zip bomb");
    }

    [Fact]
    public async Task ArchiveFolder_ZipBombClaimingSmallSizes_NeverYieldsMoreThanItClaims()
    {
        var zip = Zip([("contest/problems/1.tex", new byte[16 << 20])]);
        // Both the directory record and the local header now say the file holds 1,000 bytes (a ratio below 1).
        foreach (var record in Find(zip, 0x02014b50))
        {
            BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(record + 24), 1_000);
        }
        foreach (var header in Find(zip, 0x04034b50))
        {
            BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(header + 22), 1_000);
        }

        await using var folder = await ArchiveFolder.OpenAsync(new MemoryStream(zip), "upload.zip", Limits(), TestContext.Current.CancellationToken);
        var (bytes, error) = await folder.ReadAsync("problems/1.tex", 2 << 20, TestContext.Current.CancellationToken);

        // Decompression stops at the stated size (or the file is reported as broken); the 16 MiB never arrive.
        if (bytes is not null)
        {
            bytes.Length.ShouldBeLessThanOrEqualTo(1_000);
        }
        else
        {
            error.ShouldNotBeNull();
        }
    }

    [Fact]
    public async Task ArchiveFolder_MoreDecompressedBytesThanTheLimit_IsRefused()
    {
        // Three files of 40 KB of varied text: 120 KB in all, each well within the ratio.
        var random = new Random(5);
        var files = Enumerable.Range(1, 3).Select(i => ($"contest/problems/{i}.tex",
            Text(string.Concat(Enumerable.Range(0, 8_000).Select(_ => $"{random.Next(10_000):D4} "))))).ToList();
        var zip = Zip(files);

        var error = await OpenAndReadAllAsync(zip, Limits(maxBytes: 100_000));

        error.ShouldBeOfType<ImportFileException>().Message.ShouldStartWith("The archive holds more than 100,000 bytes once decompressed");
        (await OpenAndReadAllAsync(zip, Limits(maxBytes: 120_000))).ShouldBeNull();
    }

    [Fact]
    public void ArchiveLimits_DecompressedBytesBeyondTheDirectorysClaims_AreCountedToo()
    {
        // The check on what is actually decompressed does not lean on the directory: a total or a ratio broken while
        // reading fails the import all the same.
        var zip = Zip([("contest/problems/1.tex", new byte[100_000]), ("contest/problems/2.tex", Text("small"))]);
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        var bomb = archive.Entries.Single(e => e.Name == "1.tex");
        var limits = Limits(maxBytes: 150_000);

        limits.Decompressed(bomb, 60_000, 60_000);
        Should.Throw<ImportFileException>(() => limits.Decompressed(bomb, 40_000, 100_000)).Message.ShouldContain("zip bomb");
        var total = Limits(maxBytes: 50_000, maxRatio: 100_000);
        total.Decompressed(bomb, 40_000, 40_000);
        Should.Throw<ImportFileException>(() => total.Decompressed(bomb, 20_000, 60_000)).Message.ShouldContain("more than 50,000 bytes");
    }

    [Fact]
    public async Task ZipImport_BombOrTooManyEntries_FailsWithAClearMessageAndTheWorkerGoesOn()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "Zip limits");
        var bomb = Zip([("contest/problems/1.tex", new byte[64 << 20])]);
        var crowded = Zip(Problems(10_001));

        var bombed = await Imports.RunAsync(admin, projectId, "matharena", bomb, "bomb.zip", fixture);
        var crowdedOut = await Imports.RunAsync(admin, projectId, "opc", crowded, "crowded.zip", fixture);

        bombed.Status.ShouldBe("failed", bombed.ToString());
        bombed.Error!.ShouldStartWith("contest/problems/1.tex expands");
        bombed.Error.ShouldContain("zip bomb");
        (bombed.Created, bombed.ProcessedRecords).ShouldBe((0, 0));
        crowdedOut.Status.ShouldBe("failed", crowdedOut.ToString());
        crowdedOut.Error.ShouldBe("The archive holds more than 10,000 entries, the most an import accepts.");
        fixture.WorkerRunning.ShouldBeTrue(fixture.WorkerLog);
        var fine = await Imports.RunAsync(admin, projectId, "matharena", Zip(Problems(3)), "fine.zip", fixture);
        (fine.Status, fine.Created).ShouldBe(("succeeded", 3), fine.ToString());
    }
}
