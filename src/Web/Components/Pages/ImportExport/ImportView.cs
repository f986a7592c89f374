using System.Globalization;
using System.Text.Json;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.ImportExport;

/// <summary>How an import reads on the import pages: its state, the line under the bar, sizes and the upload's answer.</summary>
public static class ImportView
{
    /// <summary>The formats the Api reads (docs/import-format.md), each with what it expects.</summary>
    public static IReadOnlyList<(string Value, string Label, string Hint)> Formats { get; } =
    [
        ("jsonl", "GradingPortal JSON Lines", "one problem, solution or grade per line, as the export writes them; an export file brings a whole project back."),
        ("csv", "CSV", "one solution or human grade per row, with a header row."),
        ("imo-proofbench", "IMO-ProofBench", "the benchmark's CSV of problems, model proofs and expert grades."),
        ("imo-gradingbench", "IMO-GradingBench", "the benchmark's CSV of problems, references, guidelines, responses and expert points."),
        ("matharena", "MathArena (.zip)", "a competition folder with problems, model answers and judge grades, zipped."),
        ("opc", "Open Proof Corpus (.zip or .json)", "a folder of the corpus's .json files, zipped, or a single one."),
    ];

    /// <summary>The format a link asked for, when the Api knows it; JSON Lines otherwise.</summary>
    public static string FormatOrDefault(string? requested) => Formats.Any(f => f.Value == requested) ? requested! : "jsonl";

    public static bool IsFinished(string status) => status is "succeeded" or "failed";

    /// <summary>An import's states as the Api names them, in the order an import goes through them.</summary>
    public static readonly string[] Statuses = ["uploading", "queued", "running", "succeeded", "failed"];

    public static string StatusLabel(string status) => status switch
    {
        "uploading" => "Uploading",
        "queued" => "Queued",
        "running" => "Running",
        "succeeded" => "Succeeded",
        "failed" => "Failed",
        _ => Format.Words(status),
    };

    public static Color StatusColor(string status) => status switch
    {
        "succeeded" => Color.Success,
        "failed" => Color.Error,
        "running" => Color.Primary,
        _ => Color.Default,
    };

    /// <summary>
    /// The line under the progress bar. The Api does not know how many records a file holds until it has read it, so an
    /// unfinished import counts what it has read rather than pretending to a percentage.
    /// </summary>
    public static string ProgressText(ImportResponse import) => import.Status switch
    {
        "uploading" => $"Receiving the file… {Bytes(import.ReceivedBytes)} received, {Format.Count(import.ProcessedRecords, "record")} read so far",
        "queued" => "Waiting for a worker…",
        "running" => $"Reading… {Format.Count(import.ProcessedRecords, "record")} so far",
        "succeeded" => import.Failed > 0 ? $"Done, {Format.Count(import.Failed, "record")} not imported" : "Done",
        _ => "The file could not be read",
    };

    /// <summary>The bar's fill: full once finished, none before (the bar then runs indeterminate).</summary>
    public static double? Percent(ImportResponse import) => IsFinished(import.Status) ? 100 : null;

    /// <summary>The failures the Api keeps (the first 1,000): the failures table pages through these.</summary>
    public static int StoredFailures(ImportResponse import, int? stored = null) => stored ?? Math.Min(import.Failed, 1000);

    /// <summary>Bytes sent of a file being uploaded, as a share (0 to 100) for the upload bar.</summary>
    public static double UploadPercent(long sent, long total) => total <= 0 ? 0 : Math.Clamp(sent * 100.0 / total, 0, 100);

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KB",
        < 1024L * 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MB",
        _ => (bytes / (1024.0 * 1024 * 1024)).ToString("0.##", CultureInfo.InvariantCulture) + " GB",
    };

    /// <summary>
    /// Reads the upload endpoint's answer: 201 with the import's id, or a ProblemDetails whose field messages the page
    /// lists. Status 0 means the request never got an answer.
    /// </summary>
    public static UploadOutcome ReadUploadAnswer(string fileName, int status, string? body)
    {
        if (status == 0)
        {
            return new UploadOutcome(fileName, null, "The upload was interrupted before the server answered. Check the connection and upload again.", []);
        }
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(body) ? "{}" : body);
            var root = doc.RootElement;
            if (status is >= 200 and < 300 && root.TryGetProperty("id", out var id) && id.TryGetGuid(out var importId))
            {
                return new UploadOutcome(fileName, importId, null, []);
            }
            var fields = new List<string>();
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in errors.EnumerateObject())
                {
                    if (field.Value.ValueKind == JsonValueKind.Array)
                    {
                        fields.AddRange(field.Value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString()!));
                    }
                }
            }
            var detail = Text(root, "detail") ?? Text(root, "title");
            var message = fields.Count > 0 ? "The upload was refused." : detail ?? DefaultMessage(status);
            return new UploadOutcome(fileName, null, message, fields);
        }
        catch (JsonException)
        {
            return new UploadOutcome(fileName, null, DefaultMessage(status), []);
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string DefaultMessage(int status) => status switch
    {
        401 => "Your session has ended. Sign in again and upload the file again.",
        403 => "Your role does not allow importing into this project.",
        404 => "This project was not found; it may have been deleted.",
        413 => "The file is larger than the server accepts.",
        >= 500 => "The grading service failed. Please try again in a moment.",
        _ => $"The upload failed ({status}).",
    };
}

/// <summary>What became of one uploaded file: the import that follows it, or why it was refused.</summary>
public sealed record UploadOutcome(string FileName, Guid? ImportId, string? Message, IReadOnlyList<string> FieldMessages)
{
    public bool Succeeded => ImportId is not null;
}
