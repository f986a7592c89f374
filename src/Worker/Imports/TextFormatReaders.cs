using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CsvHelper;

namespace GradingPortal.Worker.Imports;

/// <summary>
/// GradingPortal's JSON Lines (docs/import-format.md): one object per line whose <c>kind</c> is problem, solution,
/// humanGrade or annotation, or a record of the project export (no kind, a <c>schemaVersion</c>). Blank lines are ignored; every other line is a record, reported by its line number.
/// </summary>
internal static class JsonlReader
{
    public static async IAsyncEnumerable<ImportRecord> ReadAsync(Stream stream, int maxRecordBytes, int skipThrough,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var seq = 0;
        await foreach (var raw in RecordSplitter.SplitAsync(stream, maxRecordBytes, quoteAware: false, ct))
        {
            if (!raw.IsTooLong && IsBlank(raw.Bytes.Span))
            {
                continue;
            }
            seq++;
            var location = $"line {raw.Line}";
            if (seq <= skipThrough)
            {
                yield return new ImportRecord(seq, location, [], null, 0);
                continue;
            }
            if (raw.IsTooLong)
            {
                yield return ImportRecord.Unreadable(seq, location, null, TooLong(raw.TooLongBytes, maxRecordBytes));
                continue;
            }
            yield return Parse(seq, location, raw.Bytes.Span);
        }
    }

    internal static string TooLong(long bytes, int limit) =>
        $"The record is {Size(bytes)}, over the limit of {Size(limit)} per record; it was not read.";

    internal static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.##} MiB" : $"{bytes / 1024.0:0.#} KiB";

    private static bool IsBlank(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
            {
                return false;
            }
        }
        return true;
    }

    private static ImportRecord Parse(int seq, string location, ReadOnlySpan<byte> json)
    {
        JsonlLine? line;
        try
        {
            line = JsonSerializer.Deserialize(json, JsonlContext.Default.JsonlLine);
        }
        catch (JsonException ex)
        {
            return ImportRecord.Unreadable(seq, location, FieldOf(ex.Path), JsonProblem(ex));
        }
        if (line is null)
        {
            return ImportRecord.Unreadable(seq, location, null, "The line is `null`; expected a JSON object with a `kind`.");
        }
        if (string.IsNullOrWhiteSpace(line.Kind) && line.SchemaVersion is not null)
        {
            // A line of the project export (docs/export-format.md): one solution with everything hanging off it.
            return line.SchemaVersion is >= ExportRecordLine.OldestSchemaVersion and <= ExportRecordLine.SupportedSchemaVersion
                ? new ImportRecord(seq, location, [new ExportRecordImport(location, line)], null, json.Length)
                : ImportRecord.Unreadable(seq, location, "schemaVersion",
                    $"Export schema version {line.SchemaVersion} is not supported; this import reads versions {ExportRecordLine.OldestSchemaVersion} to {ExportRecordLine.SupportedSchemaVersion}.");
        }
        ImportItem? item = line.Kind?.Trim().ToLowerInvariant() switch
        {
            "problem" => new ProblemImport(location, line.ExternalId, line.Title, line.Statement, line.MaxPoints, line.Source,
                (line.ReferenceSolutions ?? []).Select(r => new ReferenceInput(r.Text, r.Source)).ToList(),
                line.Rubric is null ? null : new RubricImport(
                    (line.Rubric.Items ?? []).Select(i => new RubricItemImport(i.Title, i.Points ?? 0, i.Description)).ToList(),
                    line.Rubric.ZeroCredit),
                line.MarkingScheme),
            "solution" => new SolutionImport(location, line.ProblemExternalId, line.ExternalId, line.Text, line.Author),
            "humangrade" => new HumanGradeImport(location, line.ProblemExternalId, line.SolutionExternalId, new PersonRef(line.GraderEmail, false),
                line.Points, line.Items?.Select(i => new AwardImport(i.Title, i.Ordinal, i.Points ?? 0, i.Comment)).ToList(), line.Comment,
                line.Blind ?? false),
            "annotation" => new AnnotationImport(location, line.ProblemExternalId, line.SolutionExternalId, new PersonRef(line.AuthorEmail, false),
                line.Start, line.End, line.Quote, line.ErrorType, line.Severity, line.Comment),
            _ => null,
        };
        return item is null
            ? ImportRecord.Unreadable(seq, location, "kind", string.IsNullOrWhiteSpace(line.Kind)
                ? "`kind` is required: problem, solution, humanGrade or annotation (or a whole export record with its `schemaVersion`)."
                : $"Unknown kind '{line.Kind}': expected problem, solution, humanGrade or annotation.")
            : new ImportRecord(seq, location, [item], null, json.Length);
    }

    private static string? FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    private static string JsonProblem(JsonException ex)
    {
        if (ex.Path is { Length: > 1 } && ex.InnerException is InvalidOperationException or FormatException || ex.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return $"`{FieldOf(ex.Path)}` has the wrong type ({ShortType(ex.Message)}).";
        }
        var at = ex.BytePositionInLine is { } position ? $" at byte {position + 1}" : "";
        return $"Not valid JSON{at}: {FirstSentence(ex.Message)}";
    }

    private static string ShortType(string message)
    {
        // "The JSON value could not be converted to System.Nullable`1[System.Decimal]. Path: ..." → "expected a number".
        if (message.Contains("Decimal", StringComparison.Ordinal) || message.Contains("Int32", StringComparison.Ordinal))
        {
            return "expected a number";
        }
        if (message.Contains("Boolean", StringComparison.Ordinal))
        {
            return "expected true or false";
        }
        if (message.Contains("List", StringComparison.Ordinal))
        {
            return "expected an array";
        }
        if (message.Contains("String", StringComparison.Ordinal))
        {
            return "expected a string";
        }
        return "expected an object";
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim();
    }
}

/// <summary>
/// Every field any JSON Lines kind may carry; which ones matter depends on <see cref="Kind"/>. A line without a kind but
/// with a schema version is a project export record (the fields of <see cref="ExportRecordLine"/>).
/// </summary>
internal sealed class JsonlLine : ExportRecordLine
{
    public string? Kind { get; set; }
    public string? ExternalId { get; set; }
    public string? Title { get; set; }
    public string? Statement { get; set; }
    public int? MaxPoints { get; set; }
    public string? Source { get; set; }
    public List<JsonlReference>? ReferenceSolutions { get; set; }
    public JsonlRubric? Rubric { get; set; }
    public string? MarkingScheme { get; set; }
    public string? ProblemExternalId { get; set; }
    public string? Text { get; set; }
    public string? Author { get; set; }
    public string? SolutionExternalId { get; set; }
    public string? GraderEmail { get; set; }
    public decimal? Points { get; set; }
    public List<JsonlAward>? Items { get; set; }
    public string? Comment { get; set; }
    public bool? Blind { get; set; }
    public string? AuthorEmail { get; set; }
    public int? Start { get; set; }
    public int? End { get; set; }
    public string? Quote { get; set; }
    public string? ErrorType { get; set; }
    public string? Severity { get; set; }
}

internal sealed class JsonlReference
{
    public string? Text { get; set; }
    public string? Source { get; set; }
}

internal sealed class JsonlRubric
{
    public List<JsonlRubricItem>? Items { get; set; }
    public string? ZeroCredit { get; set; }
}

internal sealed class JsonlRubricItem
{
    public string? Title { get; set; }
    public decimal? Points { get; set; }
    public string? Description { get; set; }
}

internal sealed class JsonlAward
{
    public string? Title { get; set; }
    public int? Ordinal { get; set; }
    public decimal? Points { get; set; }
    public string? Comment { get; set; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, AllowTrailingCommas = false, ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(JsonlLine))]
internal sealed partial class JsonlContext : JsonSerializerContext;

/// <summary>
/// CSV rows (RFC 4180, UTF-8, header row): fields parsed by CsvHelper, rows cut by <see cref="RecordSplitter"/> so a
/// row over the limit is skipped without being held. Each row is reported by the line it starts on.
/// </summary>
internal static class CsvRows
{
    private static readonly CsvReaderOptions s_options = CsvReaderOptions.Default with
    {
        HasHeader = false,
        Separator = ',',
        SkipEmptyLines = false,
    };

    /// <summary>Yields (header, row) pairs; the header is the first non-empty row.</summary>
    public static async IAsyncEnumerable<(int Line, string[]? Fields, long TooLongBytes)> ReadAsync(Stream stream, int maxRecordBytes,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var raw in RecordSplitter.SplitAsync(stream, maxRecordBytes, quoteAware: true, ct))
        {
            if (raw.IsTooLong)
            {
                yield return (raw.Line, null, raw.TooLongBytes);
                continue;
            }
            if (raw.Bytes.Length == 0)
            {
                continue;
            }
            yield return (raw.Line, Fields(raw.Bytes), 0);
        }
    }

    private static string[] Fields(ReadOnlyMemory<byte> row)
    {
        // The row is complete and within the limit: CsvHelper parses it in place (quotes, escaped quotes, line breaks in quotes).
        using var reader = global::CsvHelper.CsvReader.Create(row, s_options);
        return reader.Read() ? reader.Current.ToArray() : [];
    }
}

/// <summary>
/// CSV of solutions (<c>problemExternalId,externalId,author,text</c>) or of human grades
/// (<c>problemExternalId,solutionExternalId,graderEmail,points,comment</c>, optional <c>blind</c>), told apart by the
/// header; column order and letter case do not matter.
/// </summary>
internal static class CsvReader
{
    public static async IAsyncEnumerable<ImportRecord> ReadAsync(Stream stream, int maxRecordBytes, int skipThrough,
        [EnumeratorCancellation] CancellationToken ct)
    {
        Dictionary<string, int>? columns = null;
        var grades = false;
        var seq = 0;
        await foreach (var (line, fields, tooLong) in CsvRows.ReadAsync(stream, maxRecordBytes, ct))
        {
            if (columns is null)
            {
                if (fields is null)
                {
                    throw new ImportFileException($"The header row (line {line}) is over the record size limit.");
                }
                columns = Header(fields);
                grades = columns.ContainsKey("graderemail");
                var required = grades
                    ? new[] { "problemexternalid", "solutionexternalid", "graderemail", "points" }
                    : ["problemexternalid", "externalid", "text"];
                var missing = required.Where(c => !columns.ContainsKey(c)).ToList();
                if (missing.Count > 0 || (!grades && !columns.ContainsKey("externalid")))
                {
                    throw new ImportFileException(
                        "Unrecognised CSV header. Solutions need the columns problemExternalId, externalId, author, text; " +
                        "human grades need problemExternalId, solutionExternalId, graderEmail, points, comment" +
                        $" (missing: {string.Join(", ", missing)}).");
                }
                continue;
            }
            seq++;
            var location = $"line {line}";
            if (seq <= skipThrough)
            {
                yield return new ImportRecord(seq, location, [], null, 0);
                continue;
            }
            if (fields is null)
            {
                yield return ImportRecord.Unreadable(seq, location, null, JsonlReader.TooLong(tooLong, maxRecordBytes));
                continue;
            }
            string? Get(string name) => columns.TryGetValue(name, out var i) && i < fields.Length ? fields[i] : null;
            ImportItem item;
            if (grades)
            {
                var pointsText = Get("points");
                if (!decimal.TryParse(pointsText, NumberStyles.Number, CultureInfo.InvariantCulture, out var points))
                {
                    yield return ImportRecord.Unreadable(seq, location, "points", $"Points '{pointsText}' is not a number (use a dot for decimals).");
                    continue;
                }
                var blindText = Get("blind");
                bool blind = false;
                if (!string.IsNullOrWhiteSpace(blindText) && !bool.TryParse(blindText, out blind))
                {
                    yield return ImportRecord.Unreadable(seq, location, "blind", $"Blind '{blindText}' is not true or false.");
                    continue;
                }
                item = new HumanGradeImport(location, Get("problemexternalid"), Get("solutionexternalid"), new PersonRef(Get("graderemail"), false),
                    points, null, Get("comment"), blind);
            }
            else
            {
                item = new SolutionImport(location, Get("problemexternalid"), Get("externalid"), Get("text"), Get("author"));
            }
            yield return new ImportRecord(seq, location, [item], null, fields.Sum(f => (long)f.Length));
        }
        if (columns is null)
        {
            throw new ImportFileException("The CSV file has no header row.");
        }
    }

    internal static Dictionary<string, int> Header(string[] fields)
    {
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Length; i++)
        {
            columns.TryAdd(new string(fields[i].Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant(), i);
        }
        return columns;
    }
}

/// <summary>
/// IMO-ProofBench's table (<c>Problem ID, Problem, Solution, Grading guidelines, Category, Level, Short Answer, Source</c>):
/// each row a problem worth 7 with its reference solution; the guidelines (Partial/Almost criteria) and the short answer
/// become the marking scheme text; source, category and level become the problem's source line.
/// </summary>
internal static class ProofBenchReader
{
    public const int MaxPoints = 7;

    public static async IAsyncEnumerable<ImportRecord> ReadAsync(Stream stream, int maxRecordBytes, int skipThrough,
        [EnumeratorCancellation] CancellationToken ct)
    {
        Dictionary<string, int>? columns = null;
        var seq = 0;
        await foreach (var (line, fields, tooLong) in CsvRows.ReadAsync(stream, maxRecordBytes, ct))
        {
            if (columns is null)
            {
                columns = fields is null ? [] : CsvReader.Header(fields);
                var missing = new[] { "problemid", "problem", "solution", "gradingguidelines" }.Where(c => !columns.ContainsKey(c)).ToList();
                if (missing.Count > 0)
                {
                    throw new ImportFileException("Not an IMO-ProofBench table: the header needs Problem ID, Problem, Solution, Grading guidelines " +
                        "(and usually Category, Level, Short Answer, Source).");
                }
                continue;
            }
            seq++;
            var location = $"line {line}";
            if (seq <= skipThrough)
            {
                yield return new ImportRecord(seq, location, [], null, 0);
                continue;
            }
            if (fields is null)
            {
                yield return ImportRecord.Unreadable(seq, location, null, JsonlReader.TooLong(tooLong, maxRecordBytes));
                continue;
            }
            string Get(string name) => columns.TryGetValue(name, out var i) && i < fields.Length ? fields[i].Trim() : "";
            var id = Get("problemid");
            var source = string.Join(" · ", new[] { Get("source"), Get("category"), Get("level") }.Where(s => s.Length > 0));
            var scheme = new StringBuilder(Get("gradingguidelines"));
            if (Get("shortanswer") is { Length: > 0 } answer)
            {
                scheme.Append("\n\nShort answer: ").Append(answer);
            }
            scheme.Append("\n\nIMO-ProofBench grades: Correct 7, Almost 6, Partial 1, Incorrect 0.");
            var solution = Get("solution");
            var item = new ProblemImport(location, id, id, Get("problem"), MaxPoints, source,
                solution.Length > 0 ? [new ReferenceInput(solution, "IMO-ProofBench")] : [], null, scheme.ToString());
            yield return new ImportRecord(seq, location, [item], null, fields.Sum(f => (long)f.Length));
        }
        if (columns is null)
        {
            throw new ImportFileException("The file is empty: no IMO-ProofBench header row.");
        }
    }
}

/// <summary>The file as a whole cannot be read (wrong shape); the import fails with this message.</summary>
internal sealed class ImportFileException(string message) : Exception(message);
