using System.Globalization;
using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Fragments;

public sealed partial class ImportStatus
{
    /// <summary>Failures per page: what Api returns inline with the import.</summary>
    public const int PageSize = 100;

    [Parameter, EditorRequired]
    public ImportResponse Import { get; set; } = default!;

    [Parameter]
    public IReadOnlyList<ImportFailureResponse> Failures { get; set; } = [];

    /// <summary>Index of the first failure shown.</summary>
    [Parameter]
    public int Offset { get; set; }

    /// <summary>How many failures Api keeps for this import.</summary>
    [Parameter]
    public int Stored { get; set; }

    [Parameter]
    public bool HasNext { get; set; }

    /// <summary>The component's parameters for one import and failure page, or null when Api does not show the import.</summary>
    public static async Task<Dictionary<string, object?>?> LoadAsync(ImportApi api, Guid importId, int offset, CancellationToken ct)
    {
        var result = await api.GetImportAsync(importId, ct);
        if (!result.Ok)
        {
            return null;
        }
        var import = result.Data;
        var stored = Math.Min(import.Failed, 1000);
        IReadOnlyList<ImportFailureResponse> failures = import.Failures ?? [];
        var hasNext = import.FailuresNext is not null;
        offset = Math.Max(0, offset);
        if (offset > 0)
        {
            var page = await api.GetFailuresAsync(importId, offset, PageSize, ct);
            failures = page.Ok ? page.Data.Items : [];
            stored = page.Ok ? page.Data.Stored : stored;
            hasNext = page.Ok && page.Data.Next is not null;
        }
        return new Dictionary<string, object?>
        {
            [nameof(Import)] = import,
            [nameof(Failures)] = failures,
            [nameof(Offset)] = offset,
            [nameof(Stored)] = stored,
            [nameof(HasNext)] = hasNext,
        };
    }

    private Dictionary<string, object> PollAttributes => Import.IsFinished
        ? []
        : new Dictionary<string, object>
        {
            ["hx-get"] = $"/ui/imports/{Import.Id}/status?offset={Offset}",
            ["hx-trigger"] = "every 1s",
            ["hx-swap"] = "outerHTML",
        };

    private (string Label, int Count, string Tone)[] Counts =>
    [
        ("Created", Import.Created, "text-success"),
        ("Updated", Import.Updated, "text-primary"),
        ("Skipped", Import.Skipped, "text-body-secondary"),
        ("Failed", Import.Failed, Import.Failed > 0 ? "text-danger" : "text-body-secondary"),
    ];

    private string BarClass => Import.Status switch
    {
        "succeeded" => Import.Failed > 0 ? "bg-warning text-dark" : "bg-success",
        "failed" => "bg-danger",
        "running" => "progress-bar-striped progress-bar-animated",
        _ => "progress-bar-striped progress-bar-animated bg-secondary",
    };

    private string BarText => Import.Status switch
    {
        "uploading" => $"Receiving the file… {Format.Count(Import.ProcessedRecords, "record")} read so far",
        "queued" => "Waiting for a worker…",
        "running" => $"Reading… {Format.Count(Import.ProcessedRecords, "record")}",
        "succeeded" => Import.Failed > 0 ? $"Done, {Format.Count(Import.Failed, "record")} not imported" : "Done",
        _ => "The file could not be read",
    };

    public static string StatusLabel(string status) => status switch
    {
        "uploading" => "Uploading",
        "queued" => "Queued",
        "running" => "Running",
        "succeeded" => "Succeeded",
        "failed" => "Failed",
        _ => Format.Words(status),
    };

    public static string StatusBadge(string status) => status switch
    {
        "succeeded" => "text-bg-success",
        "failed" => "text-bg-danger",
        "running" => "text-bg-primary",
        _ => "text-bg-secondary",
    };

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KB",
        < 1024L * 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MB",
        _ => (bytes / (1024.0 * 1024 * 1024)).ToString("0.##", CultureInfo.InvariantCulture) + " GB",
    };
}
