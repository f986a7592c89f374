using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;

namespace GradingPortal.Worker.Imports;

/// <summary>Files inside an uploaded .zip, by their path relative to the folder that was zipped.</summary>
internal sealed class ArchiveFolder : IAsyncDisposable
{
    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _entries;
    private readonly ArchiveLimits _limits;

    private ArchiveFolder(ZipArchive zip, Dictionary<string, ZipArchiveEntry> entries, string name, ArchiveLimits limits)
    {
        _zip = zip;
        _entries = entries;
        Name = name;
        _limits = limits;
    }

    /// <summary>The zipped folder's name (its single top-level folder, else the upload's file name).</summary>
    public string Name { get; }

    public IEnumerable<string> Paths => _entries.Keys;

    /// <summary>
    /// Opens the archive within <paramref name="limits"/>: an archive whose directory breaks one is refused before any
    /// file is decompressed, and reading stops as soon as the decompressed bytes break one (<see cref="ImportFileException"/>).
    /// </summary>
    public static async Task<ArchiveFolder> OpenAsync(Stream stream, string fileName, ArchiveLimits limits, CancellationToken ct)
    {
        ZipArchive zip;
        try
        {
            limits.CheckEntryCount(stream);
            zip = await ZipArchive.CreateAsync(stream, ZipArchiveMode.Read, leaveOpen: true, entryNameEncoding: null, ct);
        }
        catch (InvalidDataException ex)
        {
            throw new ImportFileException($"The file is not a readable .zip archive ({ex.Message}).");
        }
        try
        {
            limits.CheckClaims(zip.Entries);
        }
        catch
        {
            await zip.DisposeAsync();
            throw;
        }
        var files = zip.Entries
            .Where(e => !e.FullName.EndsWith('/') && !e.FullName.StartsWith("__MACOSX/", StringComparison.Ordinal))
            .Select(e => (Path: e.FullName.Replace('\\', '/').TrimStart('/'), Entry: e))
            .Where(e => !Path.GetFileName(e.Path).StartsWith('.'))
            .ToList();
        var tops = files.Select(f => f.Path.Contains('/') ? f.Path[..f.Path.IndexOf('/')] : "").Distinct().ToList();
        var top = tops.Count == 1 && tops[0].Length > 0 ? tops[0] : null;
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var (path, entry) in files)
        {
            entries[top is null ? path : path[(top.Length + 1)..]] = entry;
        }
        var name = top ?? Path.GetFileNameWithoutExtension(fileName);
        return new ArchiveFolder(zip, entries, string.IsNullOrWhiteSpace(name) ? "upload" : name, limits);
    }

    public bool Has(string path) => _entries.ContainsKey(path);

    /// <summary>The file's bytes, or an error when it is missing or over the record limit (never read past the limit).</summary>
    public async Task<(byte[]? Bytes, string? Error)> ReadAsync(string path, int maxBytes, CancellationToken ct)
    {
        if (!_entries.TryGetValue(path, out var entry))
        {
            return (null, $"{path} is missing.");
        }
        if (entry.Length > maxBytes)
        {
            return (null, JsonlReader.TooLong(entry.Length, maxBytes));
        }
        try
        {
            await using var content = await entry.OpenAsync(ct);
            using var copy = new MemoryStream((int)Math.Min(entry.Length, maxBytes));
            var buffer = new byte[81920];
            int read;
            while ((read = await content.ReadAsync(buffer, ct)) > 0)
            {
                // Counted from what was decompressed, not from the sizes the directory states.
                _limits.Decompressed(entry, read, copy.Length + read);
                if (copy.Length + read > maxBytes)
                {
                    // The directory under-reported the size: stop at the limit all the same.
                    return (null, JsonlReader.TooLong(copy.Length + read, maxBytes));
                }
                copy.Write(buffer, 0, read);
            }
            return (copy.ToArray(), null);
        }
        catch (InvalidDataException ex)
        {
            return (null, $"{path} could not be decompressed ({ex.Message}).");
        }
    }

    public async Task<(string? Text, string? Error)> ReadTextAsync(string path, int maxBytes, CancellationToken ct)
    {
        var (bytes, error) = await ReadAsync(path, maxBytes, ct);
        return bytes is null ? (null, error) : (Utf8(bytes), null);
    }

    internal static string Utf8(byte[] bytes)
    {
        var text = new UTF8Encoding(false, throwOnInvalidBytes: false).GetString(bytes);
        return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
    }

    public async ValueTask DisposeAsync() => await _zip.DisposeAsync();
}

/// <summary>
/// A MathArena competition folder (.zip): <c>problems/N.tex</c> statements, <c>solutions/N.tex</c> sample solutions
/// (kept as reference solutions), <c>grading_scheme.json</c> (approved official rubrics with items) and
/// <c>sample_grading/N.txt</c>: MathArena's example of a finished grading, of the sample solution, imported as that
/// solution plus a human grade with per-item awards by the importing person (not blind). One record per problem.
/// </summary>
internal static class MathArenaReader
{
    public const string SampleSolutionId = "sample-solution";

    public static async IAsyncEnumerable<ImportRecord> ReadAsync(Stream stream, string fileName, int maxRecordBytes, int skipThrough,
        ArchiveLimits limits, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var folder = await ArchiveFolder.OpenAsync(stream, fileName, limits, ct);
        var schemes = await ReadSchemesAsync(folder, maxRecordBytes, ct);
        var numbers = folder.Paths
            .Where(p => p.StartsWith("problems/", StringComparison.Ordinal) && p.EndsWith(".tex", StringComparison.Ordinal) && p.Count(c => c == '/') == 1)
            .Select(p => p["problems/".Length..^".tex".Length])
            .OrderBy(n => int.TryParse(n, out var i) ? i : int.MaxValue).ThenBy(n => n, StringComparer.Ordinal)
            .ToList();
        if (numbers.Count == 0)
        {
            throw new ImportFileException("No problems/N.tex files in the archive: is this a MathArena competition folder?");
        }
        var seq = 0;
        foreach (var number in numbers)
        {
            seq++;
            var location = $"problems/{number}.tex";
            if (seq <= skipThrough)
            {
                yield return new ImportRecord(seq, location, [], null, 0);
                continue;
            }
            yield return await ProblemRecordAsync(folder, seq, number, schemes.GetValueOrDefault(number), maxRecordBytes, ct);
        }
    }

    private static async Task<ImportRecord> ProblemRecordAsync(ArchiveFolder folder, int seq, string number, Scheme? scheme, int maxRecordBytes,
        CancellationToken ct)
    {
        var location = $"problems/{number}.tex";
        var (statement, statementError) = await folder.ReadTextAsync(location, maxRecordBytes, ct);
        if (statement is null)
        {
            return ImportRecord.Unreadable(seq, location, null, statementError!);
        }
        var solutionPath = $"solutions/{number}.tex";
        var (reference, _) = folder.Has(solutionPath) ? await folder.ReadTextAsync(solutionPath, maxRecordBytes, ct) : (null, null);
        var problemId = $"{folder.Name}/{number}";
        var items = new List<ImportItem>
        {
            new ProblemImport(location, problemId, $"{folder.Name} problem {number}", statement.Trim(), scheme?.Points, $"MathArena {folder.Name}",
                reference is null ? [] : [new ReferenceInput(reference.Trim(), $"MathArena sample solution ({solutionPath})")],
                scheme is null ? null : new RubricImport(scheme.Items, null), null),
        };
        var gradingPath = $"sample_grading/{number}.txt";
        if (folder.Has(gradingPath))
        {
            var (grading, gradingError) = await folder.ReadAsync(gradingPath, maxRecordBytes, ct);
            if (grading is null)
            {
                items.Add(new InvalidImport(gradingPath, null, gradingError!));
            }
            else if (reference is null)
            {
                items.Add(new InvalidImport(gradingPath, null,
                    $"A sample grading grades the sample solution, and {solutionPath} is missing: there is no text to attach the grade to."));
            }
            else
            {
                items.Add(new SolutionImport(solutionPath, problemId, SampleSolutionId, reference.Trim(), "MathArena sample solution"));
                items.Add(SampleGrade(gradingPath, problemId, grading));
            }
        }
        return new ImportRecord(seq, location, items, null, statement.Length + (reference?.Length ?? 0));
    }

    private static ImportItem SampleGrade(string path, string problemId, byte[] json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            // The corpus names the list `details`, once `scheme`.
            var list = root.TryGetProperty("details", out var details) ? details
                : root.TryGetProperty("scheme", out var scheme) ? scheme : default;
            if (list.ValueKind != JsonValueKind.Array)
            {
                return new InvalidImport(path, "details", "Expected a `details` list of {title, points, desc}.");
            }
            var awards = list.EnumerateArray().Select((e, i) => new AwardImport(
                RepairLatexEscapes(e.GetProperty("title").GetString()), i, e.GetProperty("points").GetDecimal(),
                RepairLatexEscapes(e.TryGetProperty("desc", out var d) ? d.GetString() : null))).ToList();
            decimal? points = root.TryGetProperty("points", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetDecimal() : null;
            return new HumanGradeImport(path, problemId, SampleSolutionId, PersonRef.TheImporter, points ?? awards.Sum(a => a.Points), awards,
                $"Imported from MathArena {path}: the competition's example grading of its sample solution.", Blind: false);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return new InvalidImport(path, null, $"Not a MathArena grading ({ex.Message}).");
        }
    }

    private sealed record Scheme(int Points, IReadOnlyList<RubricItemImport> Items);

    private static async Task<Dictionary<string, Scheme>> ReadSchemesAsync(ArchiveFolder folder, int maxRecordBytes, CancellationToken ct)
    {
        if (!folder.Has("grading_scheme.json"))
        {
            return [];
        }
        var (bytes, error) = await folder.ReadAsync("grading_scheme.json", maxRecordBytes, ct);
        if (bytes is null)
        {
            throw new ImportFileException($"grading_scheme.json: {error}");
        }
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var schemes = new Dictionary<string, Scheme>(StringComparer.Ordinal);
            foreach (var problem in doc.RootElement.EnumerateArray())
            {
                var id = problem.GetProperty("id") is { ValueKind: JsonValueKind.Number } n ? n.GetRawText() : problem.GetProperty("id").GetString()!;
                var items = problem.GetProperty("scheme").EnumerateArray().Select(s => new RubricItemImport(
                    RepairLatexEscapes(s.GetProperty("title").GetString()), s.GetProperty("points").GetDecimal(),
                    RepairLatexEscapes(s.TryGetProperty("desc", out var d) ? d.GetString() : null))).ToList();
                schemes[id] = new Scheme(problem.GetProperty("points").GetInt32(), items);
            }
            return schemes;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ImportFileException($"grading_scheme.json is not a MathArena grading scheme ({ex.Message}).");
        }
    }

    /// <summary>
    /// The corpus writes LaTeX inside JSON strings with single backslashes, so <c>"\triangle"</c> reads as a tab
    /// followed by "riangle" (likewise <c>\f</c>rac, <c>\b</c>inom). A tab, form feed or backspace directly followed by
    /// a letter has no business in a one-line description: put the backslash back.
    /// </summary>
    internal static string? RepairLatexEscapes(string? value)
    {
        if (value is null || value.IndexOfAny(['\t', '\f', '\b']) < 0)
        {
            return value;
        }
        var sb = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var letterNext = i + 1 < value.Length && char.IsAsciiLetter(value[i + 1]);
            sb.Append(letterNext ? c switch { '\t' => "\\t", '\f' => "\\f", '\b' => "\\b", _ => c.ToString() } : c.ToString());
        }
        return sb.ToString();
    }
}

/// <summary>
/// Open Proof Corpus problem files (a .zip of a folder of .json files, or one .json): the problem with its human
/// reference solutions and its grading scheme as marking-scheme text (its HTML kept verbatim as text), every attempt as
/// a solution by its model, and each attempt's <c>llm_judgment</c> as an imported, unscored model grade whose findings
/// keep their category and quoted spans (placed by <see cref="QuoteLocator"/>). One record per file.
/// </summary>
internal static class OpcReader
{
    public const string Source = "opc-judge";

    /// <summary>OPC issue categories that clearly are one of our error types; the raw category is always kept too.</summary>
    internal static readonly IReadOnlyDictionary<string, string> CategoryToErrorType = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        // "Generalizes over a pattern without rigorously describing the pattern": a general claim from instances.
        ["Overgeneralization"] = ErrorTypes.ProofByExample,
        // Steps declared trivial, or computations left out: a step asserted without justification.
        ["Oversimplification"] = ErrorTypes.ProposalWithoutVerification,
        ["Skipping Computation Steps"] = ErrorTypes.ProposalWithoutVerification,
    };

    public static async IAsyncEnumerable<ImportRecord> ReadAsync(Stream stream, string fileName, bool isZip, int maxRecordBytes, int skipThrough,
        ArchiveLimits limits, [EnumeratorCancellation] CancellationToken ct)
    {
        if (!isZip)
        {
            if (skipThrough >= 1)
            {
                yield break;
            }
            if (stream.Length > maxRecordBytes)
            {
                yield return ImportRecord.Unreadable(1, fileName, null, JsonlReader.TooLong(stream.Length, maxRecordBytes));
                yield break;
            }
            var bytes = new byte[stream.Length];
            await stream.ReadExactlyAsync(bytes, ct);
            yield return Parse(1, fileName, bytes);
            yield break;
        }
        await using var folder = await ArchiveFolder.OpenAsync(stream, fileName, limits, ct);
        var files = folder.Paths.Where(p => p.EndsWith(".json", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new ImportFileException("No .json files in the archive: is this an Open Proof Corpus folder?");
        }
        var seq = 0;
        foreach (var path in files)
        {
            seq++;
            var location = $"{folder.Name}/{path}";
            if (seq <= skipThrough)
            {
                yield return new ImportRecord(seq, location, [], null, 0);
                continue;
            }
            var (content, error) = await folder.ReadAsync(path, maxRecordBytes, ct);
            yield return content is null ? ImportRecord.Unreadable(seq, location, null, error!) : Parse(seq, location, content);
        }
    }

    internal static ImportRecord Parse(int seq, string location, byte[] json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            return ImportRecord.Unreadable(seq, location, null, $"Not valid JSON: {ex.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Str(root, "problem_id") is not { Length: > 0 } problemId)
            {
                return ImportRecord.Unreadable(seq, location, "problem_id", "Not an Open Proof Corpus problem: `problem_id` is missing.");
            }
            var items = new List<ImportItem>
            {
                new ProblemImport(location, problemId, problemId, Str(root, "problem"),
                    root.TryGetProperty("points", out var points) && points.TryGetInt32(out var max) ? max : null,
                    SourceLine(root), References(root), null, MarkingScheme(root)),
            };
            if (root.TryGetProperty("attempts", out var attempts) && attempts.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var attempt in attempts.EnumerateArray())
                {
                    AddAttempt(items, location, problemId, index++, attempt);
                }
            }
            return new ImportRecord(seq, location, items, null, json.Length);
        }
    }

    private static void AddAttempt(List<ImportItem> items, string location, string problemId, int index, JsonElement attempt)
    {
        var solutionId = $"{problemId}/{index}";
        var at = $"{location} attempts[{index}]";
        items.Add(new SolutionImport(at, problemId, solutionId, Str(attempt, "solution"), Str(attempt, "model_id")));
        if (attempt.TryGetProperty("grading", out var grading) && grading.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            items.Add(new InvalidImport($"{at}.grading", "grading",
                "Human gradings in OPC files carry no grader identity and are not imported; grade through the portal or import them as humanGrade lines."));
        }
        if (!attempt.TryGetProperty("llm_judgment", out var judgment) || judgment.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        if (!judgment.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object)
        {
            items.Add(new InvalidImport($"{at}.llm_judgment", "result", "The judgment has no `result` object."));
            return;
        }
        var findings = new List<ModelFindingInput>();
        if (result.TryGetProperty("issues", out var issues) && issues.ValueKind == JsonValueKind.Array)
        {
            foreach (var issue in issues.EnumerateArray())
            {
                var category = Str(issue, "category")?.Trim();
                findings.Add(new ModelFindingInput(
                    category is not null && CategoryToErrorType.TryGetValue(category, out var type) ? type : null,
                    category ?? "",
                    // OPC gives no severity. A wrong or missing final answer fails the solution; the rest are gaps that cost points.
                    string.Equals(category, "Wrong Final Answer", StringComparison.OrdinalIgnoreCase) ? Severity.Critical : Severity.Major,
                    Str(issue, "text"), Str(issue, "location"), Str(issue, "description"), Int(issue, "start_index"), Int(issue, "end_index")));
            }
        }
        var provenance = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["corpus"] = "Open Proof Corpus",
            ["file"] = location,
            ["attempt"] = index,
            ["judgedAt"] = Str(judgment, "timestamp"),
            ["prover"] = Str(attempt, "model_id"),
            ["judgeModel"] = "not named in the corpus",
        });
        items.Add(new ModelGradeImport($"{at}.llm_judgment", problemId, solutionId, Source, Source, solutionId, null, Str(result, "summary"),
            findings, judgment.GetRawText(), provenance));
    }

    private static List<ReferenceInput> References(JsonElement root)
    {
        var list = new List<ReferenceInput>();
        if (root.TryGetProperty("solutions", out var solutions) && solutions.ValueKind == JsonValueKind.Array)
        {
            foreach (var s in solutions.EnumerateArray())
            {
                var author = Str(s, "author");
                list.Add(new ReferenceInput(Str(s, "solution"), author is null ? "Open Proof Corpus" : $"Open Proof Corpus (author: {author})"));
            }
        }
        return list;
    }

    /// <summary>"Balkan MO Shortlist 2016 · bmo · difficulty 6.89 · high_school": the metadata a grader wants in one line.</summary>
    private static string SourceLine(JsonElement root)
    {
        if (!root.TryGetProperty("metadata", out var m) || m.ValueKind != JsonValueKind.Object)
        {
            return "Open Proof Corpus";
        }
        var parts = new List<string>();
        var source = Str(m, "source");
        var year = m.TryGetProperty("year", out var y) ? y.ToString() : null;
        parts.Add(string.Join(' ', new[] { source, year }.Where(s => !string.IsNullOrWhiteSpace(s))));
        if (Str(m, "competition") is { Length: > 0 } competition)
        {
            parts.Add(competition);
        }
        if (m.TryGetProperty("difficulty", out var d) && d.ValueKind == JsonValueKind.Number)
        {
            parts.Add($"difficulty {d.GetRawText()}");
        }
        if (Str(m, "level") is { Length: > 0 } level)
        {
            parts.Add(level);
        }
        if (m.TryGetProperty("category", out var c) && c.ValueKind == JsonValueKind.Array && c.GetArrayLength() > 0)
        {
            parts.Add(string.Join(", ", c.EnumerateArray().Select(e => e.ToString())));
        }
        return string.Join(" · ", parts.Where(p => p.Length > 0));
    }

    /// <summary>Each scheme part as "Title (N points):" and its description, verbatim (HTML stays text).</summary>
    private static string? MarkingScheme(JsonElement root)
    {
        if (!root.TryGetProperty("grading_scheme", out var scheme) || scheme.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        var sb = new StringBuilder();
        foreach (var part in scheme.EnumerateArray())
        {
            if (sb.Length > 0)
            {
                sb.Append("\n\n");
            }
            var title = Str(part, "title") ?? "Part";
            var pts = part.TryGetProperty("points", out var p) ? p.GetRawText() : null;
            sb.Append(title);
            if (pts is not null)
            {
                sb.Append(" (").Append(pts).Append(pts == "1" ? " point" : " points").Append(')');
            }
            sb.Append(":\n").Append(Str(part, "description") ?? "");
        }
        return sb.Length == 0 ? null : sb.ToString();
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
}
