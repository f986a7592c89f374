using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace GradingPortal.Api.Export;

/// <summary>Writes export lines straight into the response's pipe; the caller flushes when <see cref="Unflushed"/> grows.</summary>
internal abstract class ExportWriter(PipeWriter output)
{
    protected PipeWriter Output { get; } = output;

    /// <summary>Bytes written since the last <see cref="MarkFlushed"/>.</summary>
    public long Unflushed { get; protected set; }

    public void MarkFlushed() => Unflushed = 0;

    public abstract void WriteHeader(ExportFlavor flavor);

    public abstract void WriteRecord(ExportRecord record);

    public abstract void WritePair(ExportPair pair);

    public static ExportWriter For(ExportFormat format, PipeWriter output) =>
        format == ExportFormat.Csv ? new CsvExportWriter(output) : new JsonlExportWriter(output);

    protected void WriteByte(byte value)
    {
        Output.GetSpan(1)[0] = value;
        Output.Advance(1);
        Unflushed++;
    }
}

/// <summary>JSON Lines: one compact JSON object per line, UTF-8, <c>\n</c> line ends.</summary>
internal sealed class JsonlExportWriter(PipeWriter output) : ExportWriter(output)
{
    private readonly Utf8JsonWriter _json = new(output, ExportJsonContext.WriterOptions);

    public override void WriteHeader(ExportFlavor flavor)
    {
    }

    public override void WriteRecord(ExportRecord record) => Write(record, ExportJsonContext.Default.ExportRecord);

    public override void WritePair(ExportPair pair) => Write(pair, ExportJsonContext.Default.ExportPair);

    private void Write<T>(T value, JsonTypeInfo<T> type)
    {
        JsonSerializer.Serialize(_json, value, type);
        _json.Flush();
        Unflushed += _json.BytesCommitted;
        _json.Reset();
        WriteByte((byte)'\n');
    }
}

/// <summary>
/// RFC 4180 CSV, UTF-8 without BOM, <c>\r\n</c> row ends, a header row. Scalars are plain columns; nested parts of the
/// record travel as JSON in <c>*_json</c> columns, so a row holds the whole record; the cursor is the last column.
/// Text that people or models wrote (solution text, titles, ids from imports, authors, model names) is defused for
/// spreadsheets (<see cref="TextField(string?)"/>); numbers, ids, times and words the exporter writes itself are not.
/// </summary>
internal sealed class CsvExportWriter : ExportWriter
{
    public static readonly string[] RecordColumns =
    [
        "schema_version", "project_id", "solution_id", "solution_external_id", "author", "problem_id", "problem_external_id", "problem_title",
        "max_points", "evidence_level", "human_points", "human_basis", "human_grade_count", "adjudicated_points", "model_grade_count",
        "solution_import_id", "solution_created_at", "solution_updated_at", "text", "problem_json", "rubrics_json", "model_grades_json",
        "human_grades_json", "adjudication_json", "annotations_json", "cursor",
    ];

    public static readonly string[] PairColumns =
    [
        "schema_version", "project_id", "solution_id", "solution_external_id", "author", "problem_id", "problem_external_id", "max_points",
        "model_grade_id", "source", "model", "run_id", "rubric_id", "model_points", "human_points", "human_basis", "adjudicated_points",
        "human_grades_json", "evidence_level", "model_graded_at", "solution_updated_at", "cursor",
    ];

    private static readonly SearchValues<byte> s_needsQuotes = SearchValues.Create(",\"\r\n"u8);

    // A spreadsheet opening the file runs a cell that starts with = + - @ (and, after a tab or CR it strips, the rest) as
    // a formula: =HYPERLINK(...) in a proof would become a live link or a data leak. Such cells get a leading
    // apostrophe, as OWASP advises. A cell that already starts with one gets another, so that dropping the first
    // apostrophe of every text cell that has one restores the text exactly.
    private static readonly SearchValues<byte> s_formulaStarts = SearchValues.Create("=+-@\t\r'"u8);

    /// <summary>Whether a spreadsheet would take text starting like <paramref name="value"/> for a formula (see above).</summary>
    internal static bool StartsLikeFormula(string value) => value.Length > 0 && value[0] < 0x80 && s_formulaStarts.Contains((byte)value[0]);

    // Fields are encoded here first (strings to UTF-8, nested parts to JSON), then copied out with CSV quoting.
    private readonly ArrayBufferWriter<byte> _scratch = new(64 * 1024);
    private readonly Utf8JsonWriter _json;
    private bool _firstField = true;

    public CsvExportWriter(PipeWriter output) : base(output)
    {
        _json = new Utf8JsonWriter(_scratch, ExportJsonContext.WriterOptions);
    }

    public override void WriteHeader(ExportFlavor flavor)
    {
        foreach (var column in flavor == ExportFlavor.Pairs ? PairColumns : RecordColumns)
        {
            Field(column);
        }
        EndRow();
    }

    public override void WriteRecord(ExportRecord r)
    {
        Field(r.SchemaVersion);
        Field(r.ProjectId);
        Field(r.Solution.Id);
        TextField(r.Solution.ExternalId);
        TextField(r.Solution.Author);
        Field(r.Problem.Id);
        TextField(r.Problem.ExternalId);
        TextField(r.Problem.Title);
        Field(r.Problem.MaxPoints);
        Field(r.EvidenceLevel);
        Field(r.HumanReference.Points);
        Field(r.HumanReference.Basis);
        Field(r.HumanReference.HumanGradeCount);
        Field(r.Adjudication?.Points);
        Field(r.ModelGrades.Count);
        Field(r.Solution.ImportId);
        Field(r.Solution.CreatedAt);
        Field(r.Solution.UpdatedAt);
        FieldUtf8(r.Solution.Text.Utf8.Span, isText: true);
        Json(r.Problem, ExportJsonContext.Default.ExportProblem);
        Json(r.Rubrics, ExportJsonContext.Default.IReadOnlyListExportRubric);
        Json(r.ModelGrades, ExportJsonContext.Default.IReadOnlyListExportModelGrade);
        Json(r.HumanGrades, ExportJsonContext.Default.IReadOnlyListExportHumanGrade);
        if (r.Adjudication is null)
        {
            Field((string?)null);
        }
        else
        {
            Json(r.Adjudication, ExportJsonContext.Default.ExportAdjudication);
        }
        Json(r.Annotations, ExportJsonContext.Default.IReadOnlyListExportAnnotation);
        Field(r.Cursor);
        EndRow();
    }

    public override void WritePair(ExportPair p)
    {
        Field(p.SchemaVersion);
        Field(p.ProjectId);
        Field(p.SolutionId);
        TextField(p.SolutionExternalId);
        TextField(p.Author);
        Field(p.ProblemId);
        TextField(p.ProblemExternalId);
        Field(p.MaxPoints);
        Field(p.ModelGradeId);
        TextField(p.Source);
        TextField(p.Model);
        Field(p.RunId);
        Field(p.RubricId);
        Field(p.ModelPoints);
        Field(p.HumanPoints);
        Field(p.HumanBasis);
        Field(p.AdjudicatedPoints);
        Json(p.HumanGrades, ExportJsonContext.Default.IReadOnlyListExportPairHumanGrade);
        Field(p.EvidenceLevel);
        Field(p.ModelGradedAt);
        Field(p.SolutionUpdatedAt);
        Field(p.Cursor);
        EndRow();
    }

    private void Field(int value) => Field(value.ToString(CultureInfo.InvariantCulture));

    private void Field(decimal? value) => Field(value?.ToString(CultureInfo.InvariantCulture));

    private void Field(Guid? value) => Field(value?.ToString());

    // The same text System.Text.Json writes for a DateTimeOffset (ISO 8601, fraction without trailing zeros).
    private void Field(DateTimeOffset value) => Field(value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture));

    /// <summary>A value the exporter formats itself (numbers, ids, times, its own words): written as is.</summary>
    private void Field(string? value) => Field(value, isText: false);

    /// <summary>Text from people, imports or models: defused when a spreadsheet would take it for a formula.</summary>
    private void TextField(string? value) => Field(value, isText: true);

    private void Field(string? value, bool isText)
    {
        if (value is null)
        {
            FieldUtf8([]);
            return;
        }
        _scratch.ResetWrittenCount();
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var written = Encoding.UTF8.GetBytes(value, _scratch.GetSpan(max));
        _scratch.Advance(written);
        FieldUtf8(_scratch.WrittenSpan, isText);
    }

    private void Json<T>(T value, JsonTypeInfo<T> type)
    {
        _scratch.ResetWrittenCount();
        _json.Reset(_scratch);
        JsonSerializer.Serialize(_json, value, type);
        _json.Flush();
        FieldUtf8(_scratch.WrittenSpan);
    }

    /// <summary>
    /// One field: quoted (with doubled quotes) only when it holds a comma, quote or line break; text that starts like a
    /// formula gets a leading apostrophe (inside the quotes).
    /// </summary>
    private void FieldUtf8(ReadOnlySpan<byte> value, bool isText = false)
    {
        if (!_firstField)
        {
            WriteByte((byte)',');
        }
        _firstField = false;
        var defuse = isText && !value.IsEmpty && s_formulaStarts.Contains(value[0]);
        if (value.IndexOfAny(s_needsQuotes) < 0)
        {
            if (defuse)
            {
                WriteByte((byte)'\'');
            }
            Copy(value);
            return;
        }
        WriteByte((byte)'"');
        if (defuse)
        {
            WriteByte((byte)'\'');
        }
        while (true)
        {
            var quote = value.IndexOf((byte)'"');
            if (quote < 0)
            {
                Copy(value);
                break;
            }
            Copy(value[..(quote + 1)]);
            WriteByte((byte)'"');
            value = value[(quote + 1)..];
        }
        WriteByte((byte)'"');
    }

    private void EndRow()
    {
        Copy("\r\n"u8);
        _firstField = true;
    }

    private void Copy(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }
        Output.Write(bytes);
        Unflushed += bytes.Length;
    }
}
