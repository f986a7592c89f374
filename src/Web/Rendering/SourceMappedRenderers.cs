using System.Globalization;
using Markdig.Extensions.Mathematics;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace GradingPortal.Web.Rendering;

/// <summary>The text being rendered and the spans to mark in it; shared by the renderers of one render call.</summary>
internal sealed class SourceMap(string source, bool mapped, IReadOnlyList<Highlight> highlights)
{
    public string Source { get; } = source;
    public bool Mapped { get; } = mapped;
    public IReadOnlyList<Highlight> Highlights { get; } = highlights;

    /// <summary>
    /// Where <paramref name="content"/> starts in the source, searched inside the node's span (an escape such as
    /// <c>\*</c> belongs to the span but not to the content); -1 when the content is not a verbatim slice.
    /// </summary>
    public int Locate(SourceSpan span, ReadOnlySpan<char> content)
    {
        if (span.Start < 0 || span.End >= Source.Length || span.End < span.Start || content.IsEmpty)
        {
            return -1;
        }
        var index = Source.AsSpan(span.Start, span.Length).IndexOf(content, StringComparison.Ordinal);
        return index < 0 ? -1 : span.Start + index;
    }

    public List<Highlight> Covering(int start, int end) => Highlights.Where(h => h.Start < end && h.End > start).ToList();

    /// <summary>Writes source text [start, start+length) as runs split at highlight boundaries, each with its offsets.</summary>
    public void WriteRuns(HtmlRenderer renderer, int start, int length)
    {
        var end = start + length;
        var cuts = new SortedSet<int> { start, end };
        foreach (var h in Highlights)
        {
            if (h.Start > start && h.Start < end)
            {
                cuts.Add(h.Start);
            }
            if (h.End > start && h.End < end)
            {
                cuts.Add(h.End);
            }
        }
        var previous = -1;
        foreach (var cut in cuts)
        {
            if (previous >= 0)
            {
                WriteRun(renderer, previous, cut);
            }
            previous = cut;
        }
    }

    private void WriteRun(HtmlRenderer renderer, int start, int end)
    {
        var covering = Covering(start, end);
        if (covering.Count > 0)
        {
            WriteMarkOpen(renderer, covering);
        }
        renderer.Write("<span").Write(Offsets(start, end)).Write('>');
        renderer.WriteEscape(Source, start, end - start);
        renderer.Write("</span>");
        if (covering.Count > 0)
        {
            renderer.Write("</mark>");
        }
    }

    public static void WriteMarkOpen(HtmlRenderer renderer, List<Highlight> covering)
    {
        renderer.Write("<mark class=\"").WriteEscape(MarkClasses(covering)).Write("\" data-ann=\"")
            .WriteEscape(string.Join(' ', covering.Select(h => h.Key))).Write('"');
        var titles = covering.Where(h => !string.IsNullOrEmpty(h.Title)).Select(h => h.Title!).ToList();
        if (titles.Count > 0)
        {
            renderer.Write(" title=\"").WriteEscape(string.Join("\n", titles)).Write('"');
        }
        renderer.Write('>');
    }

    public static string MarkClasses(List<Highlight> covering)
    {
        var classes = covering.SelectMany(h => h.CssClass.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Distinct().ToList();
        classes.Insert(0, "gp-ann");
        if (covering.Count > 1)
        {
            classes.Add("gp-ann-multi");
        }
        return string.Join(' ', classes.Distinct());
    }

    public static string Offsets(int start, int end) =>
        string.Create(CultureInfo.InvariantCulture, $" data-s=\"{start}\" data-e=\"{end}\"");
}

/// <summary>Text: escaped always; with source mapping, split into runs carrying their offsets and highlight marks.</summary>
internal sealed class MappedLiteralRenderer(SourceMap map) : HtmlObjectRenderer<LiteralInline>
{
    protected override void Write(HtmlRenderer renderer, LiteralInline obj)
    {
        var content = obj.Content;
        if (!map.Mapped || !renderer.EnableHtmlForInline || content.IsEmpty)
        {
            renderer.WriteEscape(ref content);
            return;
        }
        var start = map.Locate(obj.Span, content.AsSpan());
        if (start < 0)
        {
            renderer.WriteEscape(ref content);
            return;
        }
        map.WriteRuns(renderer, start, content.Length);
    }
}

/// <summary>
/// Math is written as its escaped TeX inside <c>.gp-math</c>; KaTeX renders it in the browser. Display math
/// (<c>$$</c>, <c>\[</c>) carries <c>data-display</c>. The whole formula is one unit for selection and highlighting.
/// </summary>
internal sealed class MappedMathInlineRenderer(SourceMap map) : HtmlObjectRenderer<MathInline>
{
    protected override void Write(HtmlRenderer renderer, MathInline obj)
    {
        var content = obj.Content;
        if (!renderer.EnableHtmlForInline)
        {
            renderer.WriteEscape(ref content);
            return;
        }
        var start = obj.Span.Start;
        var end = obj.Span.End + 1;
        var covering = map.Mapped ? map.Covering(start, end) : [];
        if (covering.Count > 0)
        {
            SourceMap.WriteMarkOpen(renderer, covering);
        }
        renderer.Write("<span class=\"gp-math\"");
        if (obj.DelimiterCount >= 2)
        {
            renderer.Write(" data-display=\"true\"");
        }
        if (map.Mapped && start >= 0)
        {
            renderer.Write(SourceMap.Offsets(start, end));
        }
        renderer.Write('>').WriteEscape(ref content).Write("</span>");
        if (covering.Count > 0)
        {
            renderer.Write("</mark>");
        }
    }
}

/// <summary>A <c>$$</c> fenced math block, rendered like display math.</summary>
internal sealed class MappedMathBlockRenderer(SourceMap map) : HtmlObjectRenderer<MathBlock>
{
    protected override void Write(HtmlRenderer renderer, MathBlock obj)
    {
        var start = obj.Span.Start;
        var end = obj.Span.End + 1;
        var covering = map.Mapped ? map.Covering(start, end) : [];
        renderer.EnsureLine();
        renderer.Write("<div class=\"gp-math gp-math-block");
        if (covering.Count > 0)
        {
            renderer.Write(' ').WriteEscape(SourceMap.MarkClasses(covering));
        }
        renderer.Write("\" data-display=\"true\"");
        if (covering.Count > 0)
        {
            renderer.Write(" data-ann=\"").WriteEscape(string.Join(' ', covering.Select(h => h.Key))).Write('"');
        }
        if (map.Mapped && start >= 0)
        {
            renderer.Write(SourceMap.Offsets(start, end));
        }
        renderer.Write('>');
        renderer.WriteLeafRawLines(obj, true, true);
        renderer.Write("</div>");
        renderer.EnsureLine();
    }
}
