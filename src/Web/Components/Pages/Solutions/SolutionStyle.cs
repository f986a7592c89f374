using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using GradingPortal.Web.Rendering;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Solutions;

/// <summary>How annotations and findings look on the proof: one key each (shared by the mark and its list entry), classes per origin and severity.</summary>
public static class SolutionStyle
{
    public static string Key(AnnotationResponse annotation) => "a" + annotation.Id.ToString("N");

    public static string FindingKey(ModelFindingResponse finding) => "f" + finding.Id.ToString("N");

    /// <summary>People's marks (rejected model annotations left off), then model findings in the dashed model style.</summary>
    public static IReadOnlyList<Highlight> Highlights(IEnumerable<AnnotationResponse> annotations, IEnumerable<ModelFindingResponse> findings) =>
    [
        .. annotations.Where(a => a.Review != "rejected")
            .Select(a => new Highlight(a.Start, a.End, Key(a), $"gp-origin-{a.Origin} gp-sev-{a.Severity}",
                string.IsNullOrWhiteSpace(a.Comment) ? $"{Format.Words(a.Severity)} · {Format.Words(a.ErrorType)}"
                    : $"{Format.Words(a.Severity)} · {Format.Words(a.ErrorType)}: {Format.Excerpt(a.Comment, 160)}")),
        .. findings.Where(f => f is { Start: not null, End: not null } && f.End > f.Start && f.Review != "rejected")
            .Select(f => new Highlight(f.Start!.Value, f.End!.Value, FindingKey(f), $"gp-origin-model gp-finding gp-sev-{f.Severity}",
                $"Model finding · {Format.Words(f.Severity)} · {Format.Words(f.ErrorType ?? f.Category)}: {Format.Excerpt(f.Explanation, 160)}")),
    ];

    public static string TypeLabel(string errorType, IReadOnlyList<ErrorTypeResponse> types) =>
        types.FirstOrDefault(t => t.Id == errorType)?.Label ?? Format.Words(errorType);

    public static Color SeverityColor(string severity) => severity switch
    {
        "critical" => Color.Error,
        "major" => Color.Warning,
        _ => Color.Default,
    };

    public static string ReviewLabel(string review) => review switch
    {
        "accepted" => "✓ agreed",
        "rejected" => "✗ disagreed",
        _ => "proposed",
    };

    public static string StatusLabel(string status) => status == "needsAttention" ? "needs attention" : status;

    public static Color StatusColor(string status) => status switch
    {
        "valid" => Color.Success,
        "needsAttention" => Color.Warning,
        _ => Color.Default,
    };

    /// <summary>Succeeded green; in flight and cancelled (stopped on purpose, not an error) grey; invalid amber; failed red.</summary>
    public static Color CallColor(string status) => status switch
    {
        "succeeded" => Color.Success,
        "inFlight" or "cancelled" => Color.Default,
        "invalid" => Color.Warning,
        _ => Color.Error,
    };
}
