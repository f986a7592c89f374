using System.Globalization;

namespace GradingPortal.Web.Components.Shared;

/// <summary>How numbers, times and Api identifiers read on pages.</summary>
public static class Format
{
    public static string Points(decimal points) => points.ToString("0.#", CultureInfo.InvariantCulture);

    public static string Points(decimal? points) => points is { } p ? Points(p) : "–";

    /// <summary>A number for an input's value attribute (invariant, so the browser's number input accepts it).</summary>
    public static string Input(decimal? value) => value?.ToString("0.#", CultureInfo.InvariantCulture) ?? "";

    /// <summary>What was typed, trimmed; null when nothing but white space was (the Api's "not given").</summary>
    public static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    public static string When(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Api's camelCase enum values ("adjudicator", "twoHumans") as words.</summary>
    public static string Words(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        var words = new System.Text.StringBuilder();
        foreach (var c in value)
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }
            words.Append(words.Length == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
        }
        return words.ToString().Replace('-', ' ');
    }

    public static string EvidenceLabel(string level) => level switch
    {
        "none" => "Not graded",
        "modelOnly" => "Model only",
        "oneHuman" => "One human grade",
        "twoHumans" => "Double graded",
        "adjudicated" => "Adjudicated",
        _ => Words(level),
    };

    public static string EvidenceBadge(string level) => level switch
    {
        "adjudicated" => "text-bg-success",
        "twoHumans" => "text-bg-primary",
        "oneHuman" => "text-bg-info",
        "modelOnly" => "text-bg-warning",
        _ => "text-bg-secondary",
    };

    public static string SeverityBadge(string severity) => severity switch
    {
        "critical" => "text-bg-danger",
        "major" => "text-bg-warning",
        _ => "text-bg-secondary",
    };

    public static string RubricStatusBadge(string status) => status switch
    {
        "approved" => "text-bg-success",
        "draft" => "text-bg-warning",
        _ => "text-bg-secondary",
    };

    /// <summary>Roles in increasing power, as Api names them.</summary>
    public static readonly IReadOnlyList<string> Roles = ["viewer", "grader", "adjudicator", "admin"];

    public static int RoleRank(string? role) => role is null ? -1 : Roles.ToList().IndexOf(role);

    public static bool CanGrade(string? role) => RoleRank(role) >= 1;

    public static bool CanEditContent(string? role) => RoleRank(role) >= 2;

    public static bool CanManage(string? role) => RoleRank(role) >= 3;

    /// <summary>"1 problem", "3 problems".</summary>
    public static string Count(int count, string noun) =>
        count.ToString("N0", CultureInfo.InvariantCulture) + " " + (count == 1 ? noun : noun + "s");

    /// <summary>Shortens long text for lists.</summary>
    public static string Excerpt(string? text, int max = 160)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        var flat = string.Join(' ', text.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return flat.Length <= max ? flat : flat[..max].TrimEnd() + "…";
    }
}
