using System.Text.Json;

namespace GradingPortal.Api.Endpoints;

/// <summary>Filter values of a list's query string: one value or several, comma-separated, checked into field errors.</summary>
internal static class ListFilter
{
    /// <summary>The non-empty, trimmed values of a comma-separated parameter.</summary>
    public static List<string> Values(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct()];

    /// <summary>
    /// Enum members named as the Api writes them (camelCase; matched ignoring case). An unknown name becomes a field error
    /// listing the accepted ones; an empty parameter gives an empty list, which means "no filter".
    /// </summary>
    public static List<T> Parse<T>(string? text, string field, Dictionary<string, string[]> errors) where T : struct, Enum
    {
        var names = Enum.GetValues<T>().ToDictionary(v => JsonNamingPolicy.CamelCase.ConvertName(v.ToString()), StringComparer.OrdinalIgnoreCase);
        var parsed = new List<T>();
        foreach (var value in Values(text))
        {
            if (!names.TryGetValue(value, out var member))
            {
                errors[field] = [$"'{value}' is not one of {string.Join(", ", names.Keys)}."];
                return [];
            }
            parsed.Add(member);
        }
        return parsed;
    }
}
