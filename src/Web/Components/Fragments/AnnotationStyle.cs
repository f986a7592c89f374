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

    private static string Tooltip(AnnotationResponse a)
    {
        var head = $"{Shared.Format.Words(a.Severity)} · {Shared.Format.Words(a.ErrorType)}";
        return string.IsNullOrWhiteSpace(a.Comment) ? head : $"{head}: {Shared.Format.Excerpt(a.Comment, 160)}";
    }

    public static string TypeLabel(string errorType, ProjectResponse? project) =>
        project?.ErrorTypes.FirstOrDefault(t => t.Id == errorType)?.Label ?? Shared.Format.Words(errorType);
}
