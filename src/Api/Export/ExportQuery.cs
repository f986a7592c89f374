using System.ComponentModel;
using System.Globalization;
using GradingPortal.Domain.Grading;
using Microsoft.AspNetCore.Mvc;

namespace GradingPortal.Api.Export;

/// <summary>Line-oriented format of the project export.</summary>
internal enum ExportFormat
{
    Jsonl,
    Csv,
}

/// <summary>What one line is: a whole solution record, or one (solution, model grade) pair.</summary>
internal enum ExportFlavor
{
    Records,
    Pairs,
}

/// <summary>Which solutions (and, for pairs, which model grades) an export covers.</summary>
internal sealed record ExportFilter(
    IReadOnlyList<Guid>? ProblemIds,
    IReadOnlyList<Guid>? RunIds,
    IReadOnlyList<string>? Sources,
    IReadOnlyList<EvidenceLevel>? Evidence,
    DateTimeOffset? UpdatedSince)
{
    public static ExportFilter None { get; } = new(null, null, null, null, null);

    /// <summary>Whether a model grade is selected by the run and source filters (pairs rows; the solution filter).</summary>
    public bool SelectsModelGrade(Guid? runId, string source) =>
        (RunIds is null || (runId is { } run && RunIds.Contains(run)))
        && (Sources is null || Sources.Contains(source, StringComparer.Ordinal));

    public bool FiltersModelGrades => RunIds is not null || Sources is not null;
}

/// <summary>A parsed, validated export request.</summary>
internal sealed record ExportRequest(ExportFormat Format, ExportFlavor Flavor, ExportFilter Filter, ExportCursor? Cursor, int? Limit);

/// <summary>The query string of <c>GET /api/projects/{projectId}/export</c>.</summary>
internal readonly record struct ExportQuery
{
    public const int MaxListLength = 1000;

    [Description("`jsonl` (default) or `csv`.")]
    [FromQuery(Name = "format")]
    public string? Format { get; init; }

    [Description("`records` (default): one line per solution. `pairs`: one line per (solution, valid model grade) with the human reference beside it.")]
    [FromQuery(Name = "flavor")]
    public string? Flavor { get; init; }

    [Description("Only these problems. Comma-separated ids, or the parameter repeated.")]
    [FromQuery(Name = "problemIds")]
    public string[]? ProblemIds { get; init; }

    [Description("Only solutions with a model grade from one of these grading runs (pairs: only those grades). Comma-separated or repeated.")]
    [FromQuery(Name = "runIds")]
    public string[]? RunIds { get; init; }

    [Description("Only solutions with a model grade from one of these sources, e.g. `opc-judge` (pairs: only those grades). Comma-separated or repeated.")]
    [FromQuery(Name = "sources")]
    public string[]? Sources { get; init; }

    [Description("Only these evidence levels: `none`, `modelOnly`, `oneHuman`, `twoHumans`, `adjudicated`. Comma-separated or repeated.")]
    [FromQuery(Name = "evidence")]
    public string[]? Evidence { get; init; }

    [Description("Only solutions whose record changed at or after this time (ISO 8601 with offset, e.g. `2026-11-22T10:00:00Z`).")]
    [FromQuery(Name = "updatedSince")]
    public string? UpdatedSince { get; init; }

    [Description("Resume after this position: the `cursor` of the last line you stored from an earlier, identical request.")]
    [FromQuery(Name = "cursor")]
    public string? Cursor { get; init; }

    [Description("At most this many lines in this response (1..1000000); continue with the last line's cursor.")]
    [FromQuery(Name = "limit")]
    public int? Limit { get; init; }

    /// <summary>Validates every parameter; returns the request, or the field errors for a 400.</summary>
    public (ExportRequest? Request, Dictionary<string, string[]> Errors) Parse()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var format = (Format ?? "jsonl").Trim().ToLowerInvariant() switch
        {
            "jsonl" or "ndjson" => ExportFormat.Jsonl,
            "csv" => ExportFormat.Csv,
            _ => Fail<ExportFormat>(errors, "format", "Format is jsonl or csv."),
        };
        var flavor = (Flavor ?? "records").Trim().ToLowerInvariant() switch
        {
            "records" => ExportFlavor.Records,
            "pairs" => ExportFlavor.Pairs,
            _ => Fail<ExportFlavor>(errors, "flavor", "Flavor is records or pairs."),
        };
        var problemIds = Ids(errors, "problemIds", ProblemIds);
        var runIds = Ids(errors, "runIds", RunIds);
        var sources = Split(errors, "sources", Sources);
        var evidence = Split(errors, "evidence", Evidence)?.Select(e => ParseEvidence(errors, e)).Distinct().ToList();
        DateTimeOffset? since = null;
        if (!string.IsNullOrWhiteSpace(UpdatedSince))
        {
            if (DateTimeOffset.TryParse(UpdatedSince.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                since = parsed.ToUniversalTime();
            }
            else
            {
                errors["updatedSince"] = ["updatedSince is an ISO 8601 time, e.g. 2026-11-22T10:00:00Z."];
            }
        }
        ExportCursor? cursor = null;
        if (!string.IsNullOrEmpty(Cursor))
        {
            if (ExportCursor.TryParse(Cursor.Trim(), out var parsedCursor))
            {
                cursor = parsedCursor;
            }
            else
            {
                errors["cursor"] = ["The cursor is not one this API issued; copy the cursor field of the last line you received."];
            }
        }
        if (Limit is < 1 or > 1_000_000)
        {
            errors["limit"] = ["Limit is between 1 and 1000000."];
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var filter = new ExportFilter(problemIds, runIds, sources, evidence, since);
        return (new ExportRequest(format, flavor, filter, cursor, Limit), errors);
    }

    /// <summary>Wire names of the evidence levels (as in every record's <c>evidenceLevel</c>).</summary>
    public static string EvidenceName(EvidenceLevel level) => level switch
    {
        EvidenceLevel.ModelOnly => "modelOnly",
        EvidenceLevel.OneHuman => "oneHuman",
        EvidenceLevel.TwoHumans => "twoHumans",
        EvidenceLevel.Adjudicated => "adjudicated",
        _ => "none",
    };

    private static EvidenceLevel ParseEvidence(Dictionary<string, string[]> errors, string value)
    {
        foreach (var level in Enum.GetValues<EvidenceLevel>())
        {
            if (string.Equals(EvidenceName(level), value, StringComparison.OrdinalIgnoreCase))
            {
                return level;
            }
        }
        return Fail<EvidenceLevel>(errors, "evidence", $"Unknown evidence level '{value}'; use none, modelOnly, oneHuman, twoHumans or adjudicated.");
    }

    private static List<string>? Split(Dictionary<string, string[]> errors, string field, string[]? values)
    {
        if (values is null)
        {
            return null;
        }
        var items = values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Distinct(StringComparer.Ordinal).ToList();
        if (items.Count > MaxListLength)
        {
            Fail<int>(errors, field, $"At most {MaxListLength} values.");
        }
        // An empty list (e.g. "?runIds=") means no filter, as if the parameter were absent.
        return items.Count == 0 ? null : items;
    }

    private static List<Guid>? Ids(Dictionary<string, string[]> errors, string field, string[]? values)
    {
        var items = Split(errors, field, values);
        if (items is null)
        {
            return null;
        }
        var ids = new List<Guid>(items.Count);
        foreach (var item in items)
        {
            if (Guid.TryParse(item, out var id))
            {
                ids.Add(id);
            }
            else
            {
                Fail<int>(errors, field, $"'{item}' is not an id.");
            }
        }
        return ids;
    }

    private static T Fail<T>(Dictionary<string, string[]> errors, string field, string message)
    {
        errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
        return default!;
    }
}
