using System.Globalization;
using Microsoft.Extensions.Caching.Memory;
using System.Security.Cryptography;
using System.Text;
using Markdig;
using Markdig.Extensions.Mathematics;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Renderers.Html.Inlines;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace GradingPortal.Web.Rendering;

/// <summary>
/// Renders user-supplied Markdown with LaTeX (statements, references, proofs) to HTML that is safe to embed:
/// raw HTML is escaped (<c>DisableHtml</c>), link and image URLs are limited to http(s), mailto and relative ones, and
/// math is protected from Markdown and left as escaped TeX for KaTeX to render in the browser. Thread-safe.
/// </summary>
public sealed class MarkdownRenderer
{
    private static readonly string[] s_safeSchemes = ["http", "https", "mailto"];

    private readonly MarkdownPipeline _pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UsePreciseSourceLocation()
        .UseMathematics()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseListExtras()
        .UseAutoLinks()
        .Use<LatexDelimiterExtension>()
        .Build();

    // Rendered HTML by a hash of (source, options). A solution page renders the same 20 KB proof with the same marks on
    // every visit and every live refresh; parsing and source-mapping it is most of the page's CPU. Bounded by total size.
    private readonly MemoryCache _cache = new(new MemoryCacheOptions
    {
        SizeLimit = 64L * 1024 * 1024,
        CompactionPercentage = 0.25,
    });

    /// <summary>Renders <paramref name="source"/>; see <see cref="MarkdownRenderOptions"/>. Results are cached (bounded).</summary>
    public string RenderHtml(string? source, MarkdownRenderOptions? options = null)
    {
        source ??= "";
        options ??= new MarkdownRenderOptions();
        if (source.Length < 256)
        {
            return Render(source, options);
        }
        var key = CacheKey(source, options);
        if (_cache.TryGetValue(key, out string? cached) && cached is not null)
        {
            return cached;
        }
        var html = Render(source, options);
        _cache.Set(key, html, new MemoryCacheEntryOptions
        {
            Size = (source.Length + html.Length) * sizeof(char),
            SlidingExpiration = TimeSpan.FromMinutes(30),
        });
        return html;
    }

    private static string CacheKey(string source, MarkdownRenderOptions options)
    {
        var shape = new StringBuilder(64).Append(options.SourceMapped ? 'M' : 'P');
        if (options.SourceMapped)
        {
            foreach (var h in options.Highlights)
            {
                shape.Append(CultureInfo.InvariantCulture, $"|{h.Start},{h.End},{h.Key},{h.CssClass},{h.Title}");
            }
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(MemoryMarshalBytes(source));
        hash.AppendData(Encoding.UTF8.GetBytes(shape.ToString()));
        return Convert.ToBase64String(hash.GetHashAndReset());
    }

    private static ReadOnlySpan<byte> MemoryMarshalBytes(string text) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(text.AsSpan());

    private string Render(string source, MarkdownRenderOptions options)
    {
        var document = Markdown.Parse(source, _pipeline);
        NeutraliseUnsafeUrls(document);

        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var renderer = new HtmlRenderer(writer);
        _pipeline.Setup(renderer);
        var highlights = options.SourceMapped ? options.Highlights : [];
        var map = new SourceMap(source, options.SourceMapped, highlights);
        Replace<LiteralInlineRenderer, LiteralInline>(renderer, new MappedLiteralRenderer(map));
        Replace<HtmlMathInlineRenderer, MathInline>(renderer, new MappedMathInlineRenderer(map));
        Replace<HtmlMathBlockRenderer, MathBlock>(renderer, new MappedMathBlockRenderer(map));
        if (renderer.ObjectRenderers.FindExact<LinkInlineRenderer>() is { } links)
        {
            links.Rel = "nofollow noopener noreferrer";
        }

        if (!options.SourceMapped)
        {
            renderer.Render(document);
        }
        else
        {
            foreach (var block in document)
            {
                if (block is LinkReferenceDefinitionGroup)
                {
                    continue;
                }
                WriteBlock(renderer, block, map);
            }
        }
        writer.Flush();
        return writer.ToString();
    }

    /// <summary>
    /// The raw source as a <c>pre</c>: runs of text with their offsets, highlights marked. Selecting in it maps exactly.
    /// </summary>
    public static string RenderSourceHtml(string? source, IReadOnlyList<Highlight> highlights)
    {
        source ??= "";
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var renderer = new HtmlRenderer(writer);
        var map = new SourceMap(source, true, highlights);
        // The HTML parser drops one newline right after <pre>; write one so a leading newline of the text survives.
        renderer.Write("<pre class=\"gp-source\">\n");
        if (source.Length > 0)
        {
            map.WriteRuns(renderer, 0, source.Length);
        }
        renderer.Write("</pre>");
        writer.Flush();
        return writer.ToString();
    }

    private static void WriteBlock(HtmlRenderer renderer, Block block, SourceMap map)
    {
        var start = block.Span.Start;
        var end = block.Span.End + 1;
        var touching = map.Covering(start, end);
        renderer.Write("<div class=\"gp-block");
        if (touching.Count > 0)
        {
            renderer.Write(" gp-block-annotated");
        }
        renderer.Write('"');
        renderer.Write(string.Create(CultureInfo.InvariantCulture, $" data-start=\"{start}\" data-end=\"{end}\""));
        if (touching.Count > 0)
        {
            renderer.Write(string.Create(CultureInfo.InvariantCulture, $" data-count=\"{touching.Count}\""));
            renderer.Write(" data-ann=\"").WriteEscape(string.Join(' ', touching.Select(h => h.Key))).Write('"');
        }
        renderer.Write(">\n");
        renderer.Render(block);
        renderer.EnsureLine();
        renderer.Write("</div>\n");
    }

    private static void Replace<TOld, TObject>(HtmlRenderer renderer, HtmlObjectRenderer<TObject> replacement)
        where TOld : class, IMarkdownObjectRenderer
        where TObject : MarkdownObject
    {
        var index = -1;
        for (var i = 0; i < renderer.ObjectRenderers.Count; i++)
        {
            if (renderer.ObjectRenderers[i] is TOld)
            {
                index = i;
                break;
            }
        }
        if (index >= 0)
        {
            renderer.ObjectRenderers[index] = replacement;
        }
        else
        {
            renderer.ObjectRenderers.Insert(0, replacement);
        }
    }

    private static void NeutraliseUnsafeUrls(MarkdownDocument document)
    {
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            if (link.IsImage)
            {
                ImageAsLink(link);
            }
            if (!IsSafeUrl(link.Url))
            {
                link.Url = "#";
            }
        }
        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            if (!IsSafeUrl(autolink.Url))
            {
                autolink.ReplaceBy(new LiteralInline(autolink.Url) { Span = autolink.Span });
            }
        }
    }

    /// <summary>
    /// An image in user text is never loaded: fetching it would tell its host who reads the proof and when (a grader's
    /// address, a blind grading session), and an image can be made to look like part of the page. It becomes a link to
    /// the same URL showing the alt text, or the URL itself when there is none. A data: or other unsafe URL then loses
    /// its target like any unsafe link, so its bytes never reach the page.
    /// </summary>
    private static void ImageAsLink(LinkInline image)
    {
        image.IsImage = false;
        image.GetAttributes().AddClass("gp-image-link");
        if (image.FirstChild is null)
        {
            var shown = IsSafeUrl(image.Url) ? image.Url ?? "" : "image";
            // The link's span contains the URL, so the source-mapped view can still place it.
            image.AppendChild(new LiteralInline(shown) { Span = image.Span });
        }
    }

    /// <summary>http(s), mailto and scheme-less (relative) URLs only; browsers ignore control characters in schemes.</summary>
    internal static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return true;
        }
        var compact = new string(url.Where(c => c > ' ').ToArray());
        var colon = compact.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return true;
        }
        var delimiter = compact.IndexOfAny(['/', '?', '#']);
        if (delimiter >= 0 && delimiter < colon)
        {
            return true;
        }
        var scheme = compact[..colon];
        return s_safeSchemes.Contains(scheme, StringComparer.OrdinalIgnoreCase);
    }
}
