using System.Globalization;

namespace GradingPortal.Web.Components.Pages.ImportExport;

/// <summary>
/// What the export page asks for, and the Web download link that carries it. The link goes to the Web, not the Api: a
/// browser download cannot carry the circuit's token, so the Web streams the Api's answer with the session's.
/// </summary>
public sealed class ExportChoices
{
    public static readonly string[] EvidenceLevels = ["none", "modelOnly", "oneHuman", "twoHumans", "adjudicated"];

    public static readonly (string Value, string Label)[] FormatChoices = [("jsonl", "JSON Lines"), ("csv", "CSV")];

    public static readonly (string Value, string Label)[] FlavorChoices = [("records", "Solution"), ("pairs", "Model grade (pairs)")];

    public IReadOnlyCollection<string> ProblemIds { get; set; } = [];

    public HashSet<string> Evidence { get; } = new(StringComparer.Ordinal);

    /// <summary>The browser's datetime-local value ("2026-05-01T12:30"), read as UTC; empty for everything.</summary>
    public string? UpdatedSince { get; set; }

    public string Format { get; set; } = "jsonl";

    public string Flavor { get; set; } = "records";

    /// <summary>Choices from a link's query (a refused download comes back to the page with them), unknown values dropped.</summary>
    public static ExportChoices From(string[]? problemIds, string[]? evidence, string? updatedSince, string? format, string? flavor)
    {
        var choices = new ExportChoices
        {
            ProblemIds = (problemIds ?? []).Where(id => Guid.TryParse(id, out _)).Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            UpdatedSince = string.IsNullOrWhiteSpace(updatedSince) ? null : updatedSince,
            Format = FormatChoices.Any(f => f.Value == format) ? format! : "jsonl",
            Flavor = FlavorChoices.Any(f => f.Value == flavor) ? flavor! : "records",
        };
        foreach (var level in evidence ?? [])
        {
            if (EvidenceLevels.Contains(level, StringComparer.Ordinal))
            {
                choices.Evidence.Add(level);
            }
        }
        return choices;
    }

    /// <summary>
    /// The moment for the Api: a datetime-local value (no offset) is UTC, as the field's label says; anything else is
    /// passed on for the Api to judge and explain.
    /// </summary>
    public string? UpdatedSinceUtc => string.IsNullOrWhiteSpace(UpdatedSince)
        ? null
        : DateTime.TryParseExact(UpdatedSince, ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            ? local.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) + "Z"
            : UpdatedSince;

    /// <summary>Evidence levels in the Api's order, so the same choices always make the same link.</summary>
    public IReadOnlyList<string> EvidenceInOrder => EvidenceLevels.Where(Evidence.Contains).ToList();

    /// <summary>The Web's streamed download with these choices.</summary>
    public string DownloadPath(Guid projectId)
    {
        var query = new List<string> { $"format={Format}", $"flavor={Flavor}" };
        query.AddRange(ProblemIds.Select(id => $"problemIds={Uri.EscapeDataString(id)}"));
        query.AddRange(EvidenceInOrder.Select(level => $"evidence={level}"));
        if (UpdatedSince is { } since)
        {
            query.Add($"updatedSince={Uri.EscapeDataString(since)}");
        }
        return $"/projects/{projectId}/export/download?{string.Join('&', query)}";
    }
}
