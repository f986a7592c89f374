using System.Text.Json;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;

namespace GradingPortal.Web.Components.Pages.Solutions;

/// <summary>The solution's audit events in words: who did what, and a one-line summary of the stored snapshot.</summary>
public static class HistoryText
{
    private static string Noun(string entityType) => entityType switch
    {
        "annotation" => "an annotation",
        "humanGrade" => "a grade",
        "adjudication" => "the final grade",
        "solution" => "the solution",
        _ => Format.Words(entityType).ToLowerInvariant(),
    };

    public static string Describe(AuditEventResponse e) => e.Action switch
    {
        "created" => e.EntityType switch
        {
            "adjudication" => "set the final grade",
            "humanGrade" => "submitted a grade",
            _ => $"added {Noun(e.EntityType)}",
        },
        "updated" => e.EntityType == "humanGrade" ? "revised their grade" : $"changed {Noun(e.EntityType)}",
        "deleted" => $"deleted {Noun(e.EntityType)}",
        _ => $"{Format.Words(e.Action).ToLowerInvariant()} {Noun(e.EntityType)}",
    };

    public static string Detail(AuditEventResponse e)
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
        foreach (var name in (string[])["severity", "errorType"])
        {
            if (e.Data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            {
                parts.Add(Format.Words(value.GetString()));
            }
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
