namespace GradingPortal.Web.Rendering;

/// <summary>
/// A span of the source text to mark in rendered output: [Start, End) in UTF-16 code units, the annotation it belongs
/// to, the CSS classes that style it (origin and severity), and a tooltip.
/// </summary>
public sealed record Highlight(int Start, int End, string Key, string CssClass, string? Title = null);

/// <summary>How <see cref="MarkdownRenderer"/> renders one text.</summary>
public sealed record MarkdownRenderOptions
{
    /// <summary>
    /// Renders each top-level block in its own <c>div.gp-block</c> with its source range, and every piece of text and
    /// math with its source offsets (<c>data-s</c>/<c>data-e</c>), so a selection maps back to exact source offsets.
    /// </summary>
    public bool SourceMapped { get; init; }

    /// <summary>Spans to mark (only used when <see cref="SourceMapped"/> is on).</summary>
    public IReadOnlyList<Highlight> Highlights { get; init; } = [];
}
