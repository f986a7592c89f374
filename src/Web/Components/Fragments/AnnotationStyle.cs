using GradingPortal.Web.Api;
using GradingPortal.Web.Rendering;

namespace GradingPortal.Web.Components.Fragments;

/// <summary>How annotations look: one key per annotation (shared by the marks and the list) and classes per origin and severity.</summary>
public static class AnnotationStyle
{
    public static string Key(AnnotationResponse annotation) => "a" + annotation.Id.ToString("N");

    /// <summary>Origin (human / model) and severity classes; model findings get their own look.</summary>
    public static string Classes(AnnotationResponse annotation) => $"gp-origin-{annotation.Origin} gp-sev-{annotation.Severity}";

    public static IReadOnlyList<Highlight> Highlights(IEnumerable<AnnotationResponse> annotations) =>
        annotations.Where(a => a.Review != "rejected")
            .Select(a => new Highlight(a.Start, a.End, Key(a), Classes(a), Tooltip(a)))
            .ToList();

    public static string FindingKey(ModelFindingResponse finding) => "f" + finding.Id.ToString("N");

    /// <summary>
    /// Model findings placed on the text: dashed model style whatever their review, so they never pass for a person's mark.
    /// Rejected findings and quotes that could not be placed are left off the proof.
    /// </summary>
    public static IReadOnlyList<Highlight> FindingHighlights(IEnumerable<ModelFindingResponse> findings) =>
        findings.Where(f => f is { Start: not null, End: not null } && f.End > f.Start && f.Review != "rejected")
            .Select(f => new Highlight(f.Start!.Value, f.End!.Value, FindingKey(f), $"gp-origin-model gp-finding gp-sev-{f.Severity}",
                $"Model finding · {Shared.Format.Words(f.Severity)} · {Shared.Format.Words(f.ErrorType ?? f.Category)}: {Shared.Format.Excerpt(f.Explanation, 160)}"))
            .ToList();

    private static string Tooltip(AnnotationResponse a)
    {
        var head = $"{Shared.Format.Words(a.Severity)} · {Shared.Format.Words(a.ErrorType)}";
        return string.IsNullOrWhiteSpace(a.Comment) ? head : $"{head}: {Shared.Format.Excerpt(a.Comment, 160)}";
    }

    public static string TypeLabel(string errorType, ProjectResponse? project) =>
        project?.ErrorTypes.FirstOrDefault(t => t.Id == errorType)?.Label ?? Shared.Format.Words(errorType);
}
