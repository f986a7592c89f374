using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GradingPortal.Api.Export;

/// <summary>
/// Source-generated serialization of export records (no reflection on the hot path). Records are written with relaxed
/// escaping: a download is not embedded in HTML, and escaping every non-ASCII letter or <c>&lt;</c> of a LaTeX proof
/// would bloat the files and slow the stream for nothing.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ExportRecord))]
[JsonSerializable(typeof(ExportPair))]
[JsonSerializable(typeof(ExportProblem))]
[JsonSerializable(typeof(IReadOnlyList<ExportRubric>))]
[JsonSerializable(typeof(IReadOnlyList<ExportModelGrade>))]
[JsonSerializable(typeof(IReadOnlyList<ExportHumanGrade>))]
[JsonSerializable(typeof(IReadOnlyList<ExportAnnotation>))]
[JsonSerializable(typeof(IReadOnlyList<ExportPairHumanGrade>))]
internal sealed partial class ExportJsonContext : JsonSerializerContext
{
    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        // Records are written one after another into the same writer (one per line); each is validated by its own type.
        SkipValidation = true,
    };
}
