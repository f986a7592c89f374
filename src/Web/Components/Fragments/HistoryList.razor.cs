using System.Text.Json;
using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Fragments;

public sealed partial class HistoryList
{
    [Parameter]
    public IReadOnlyList<AuditEventResponse> Events { get; set; } = [];

    [Parameter]
    public ApiProblem? Error { get; set; }

    private static string Icon(string entityType) => entityType switch
    {
        "annotation" => "bi-highlighter",
        "humanGrade" => "bi-clipboard-check",
        "adjudication" => "bi-bank",
        "solution" => "bi-file-earmark-text",
        "rubric" => "bi-list-check",
        _ => "bi-clock-history",
    };

    private static string Noun(string entityType) => entityType switch
    {
        "annotation" => "an annotation",
        "humanGrade" => "a grade",
        "adjudication" => "the final grade",
        "solution" => "the solution",
        _ => Format.Words(entityType).ToLowerInvariant(),
    };

    private static string Describe(AuditEventResponse e) => e.Action switch
    {
        "created" => e.EntityType == "adjudication" ? "set the final grade" : e.EntityType == "humanGrade" ? "submitted a grade" : $"added {Noun(e.EntityType)}",
        "updated" => e.EntityType == "humanGrade" ? "revised their grade" : $"changed {Noun(e.EntityType)}",
        "deleted" => $"deleted {Noun(e.EntityType)}",
        _ => $"{Format.Words(e.Action).ToLowerInvariant()} {Noun(e.EntityType)}",
    };

    /// <summary>A one-line summary of the snapshot: points, severity and quote, rationale.</summary>
    private static string Detail(AuditEventResponse e)
    {
        if (e.Data.ValueKind != JsonValueKind.Object)
        {
            return "";
        }
        var parts = new List<string>();
        if (e.Data.TryGetProperty("points", out var points) && points.ValueKind == JsonValueKind.Number)
        {
            parts.Add($"{Format.Points(points.GetDecimal())} points");
        }
        if (e.Data.TryGetProperty("severity", out var severity) && severity.ValueKind == JsonValueKind.String)
        {
            parts.Add(severity.GetString()!);
        }
        if (e.Data.TryGetProperty("errorType", out var type) && type.ValueKind == JsonValueKind.String)
        {
            parts.Add(Format.Words(type.GetString()));
        }
        if (e.Data.TryGetProperty("quote", out var quote) && quote.ValueKind == JsonValueKind.String)
        {
            parts.Add($"“{Format.Excerpt(quote.GetString(), 80)}”");
        }
        if (e.Data.TryGetProperty("rationale", out var rationale) && rationale.ValueKind == JsonValueKind.String)
        {
            parts.Add(Format.Excerpt(rationale.GetString(), 100));
        }
        return string.Join(" · ", parts);
    }
}
