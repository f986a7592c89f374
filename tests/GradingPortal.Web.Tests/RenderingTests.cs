using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using GradingPortal.Testing;
using GradingPortal.Web.Components.Shared;
using GradingPortal.Web.Rendering;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The Markdown component rendered with the framework's HtmlRenderer: user content stays inert, math survives
/// Markdown untouched, and the source-mapped view carries exact offsets into the stored text.
/// </summary>
public sealed partial class RenderingTests : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly HtmlRenderer _renderer;

    public RenderingTests()
    {
        _services = new ServiceCollection()
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton<MarkdownRenderer>()
            .BuildServiceProvider();
        _renderer = new HtmlRenderer(_services, NullLoggerFactory.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await _renderer.DisposeAsync();
        await _services.DisposeAsync();
    }

    private Task<string> RenderAsync(string source, bool sourceMapped = false, IReadOnlyList<Highlight>? highlights = null) =>
        _renderer.Dispatcher.InvokeAsync(async () =>
        {
            var parameters = ParameterView.FromDictionary(new Dictionary<string, object?>
            {
                [nameof(Markdown.Source)] = source,
                [nameof(Markdown.SourceMapped)] = sourceMapped,
                [nameof(Markdown.Highlights)] = highlights ?? [],
            });
            var output = await _renderer.RenderComponentAsync<Markdown>(parameters);
            return output.ToHtmlString();
        });

    [Fact]
    public async Task Markdown_ScriptTag_IsEscapedNotRendered()
    {
        var html = await RenderAsync("Consider <script>alert(1)</script> first.\n\n<script>\nalert(2)\n</script>");

        html.ShouldNotContain("<script", Case.Insensitive);
        html.ShouldContain("&lt;script&gt;alert(1)&lt;/script&gt;");
        html.ShouldContain("&lt;script&gt;");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Markdown_ImgWithOnerror_IsEscapedText(bool sourceMapped)
    {
        var html = await RenderAsync("Look: <img src=x onerror=alert(1)> and <svg onload=alert(2)>\n\n<img src=x onerror=alert(3)>", sourceMapped);

        html.ShouldNotContain("<img", Case.Insensitive);
        html.ShouldNotContain("<svg", Case.Insensitive);
        html.ShouldContain("&lt;img src=x onerror=alert(1)&gt;");
        TagAttributes(html).ShouldNotContain(a => a.StartsWith("on", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Markdown_UnsafeLinkSchemes_AreNeutralised()
    {
        var html = await RenderAsync(
            "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](java&#x09;script:alert(1)) <javascript:alert(1)> "
            + "[d](data:text/html,<script>alert(1)</script>) ![e](javascript:alert(1)) [ok](https://example.org/x) [rel](/problems)");

        html.ShouldNotContain("href=\"javascript", Case.Insensitive);
        html.ShouldNotContain("href=\"data:", Case.Insensitive);
        html.ShouldNotContain("src=\"javascript", Case.Insensitive);
        html.ShouldContain("href=\"https://example.org/x\"");
        html.ShouldContain("href=\"/problems\"");
        html.ShouldContain("rel=\"nofollow noopener noreferrer\"");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Markdown_RemoteImages_RenderAsLinksNeverAsImages(bool sourceMapped)
    {
        var source = "See ![the figure](https://example.org/fig.png \"Fig. 1\") and ![](http://tracker.example/p.gif?who=me).\n\n"
            + "![ref][pic] and ![inline data](data:image/png;base64,iVBORw0KGgo=) end.\n\n[pic]: //cdn.example/x.png";

        var html = await RenderAsync(source, sourceMapped);

        html.ShouldNotContain("<img", Case.Insensitive);
        html.ShouldNotContain("data:image", Case.Insensitive);
        var links = Regex.Matches(html, "<a href=\"(?<href>[^\"]*)\"[^>]*>(?<text>.*?)</a>")
            .Select(m => (m.Groups["href"].Value, WebUtility.HtmlDecode(Regex.Replace(m.Groups["text"].Value, "<[^>]+>", ""))))
            .ToList();
        links.ShouldBe(
        [
            ("https://example.org/fig.png", "the figure"),
            ("http://tracker.example/p.gif?who=me", "http://tracker.example/p.gif?who=me"),
            ("//cdn.example/x.png", "ref"),
            ("#", "inline data"),
        ]);
        Regex.Matches(html, "class=\"gp-image-link\"").Count.ShouldBe(4);
        html.ShouldContain("rel=\"nofollow noopener noreferrer\"");
        if (sourceMapped)
        {
            AssertRunsMatch(html, source, minimumRuns: 4);
        }
    }

    [Fact]
    public async Task Markdown_MathInAllFourDelimiters_SurvivesVerbatim()
    {
        var source = "Let $a_i * b_i$ and $$\\sum_{i=1}^n x_i$$ where \\(c_1 * c_2 < d\\) holds.\n\n\\[ \\frac{n^k}{(2n)^i} \\text{ mod } 2n \\]\n\n$$\nR(k,k) \\le k^2\n$$";

        var html = await RenderAsync(source);

        html.ShouldNotContain("<em>");
        MathContents(html).ShouldBe(
        [
            "a_i * b_i",
            "\\sum_{i=1}^n x_i",
            "c_1 * c_2 &lt; d",
            " \\frac{n^k}{(2n)^i} \\text{ mod } 2n ",
            "R(k,k) \\le k^2\n",
        ]);
        Regex.Matches(html, "data-display=\"true\"").Count.ShouldBe(3);
    }

    [Fact]
    public async Task Markdown_SourceMapped_EveryRunQuotesTheSourceExactly()
    {
        var source = await File.ReadAllTextAsync(Corpora.PathOf("matharena-usamo-2025/solutions/1.tex"), TestContext.Current.CancellationToken);

        var html = await RenderAsync(source, sourceMapped: true);

        AssertRunsMatch(html, source, minimumRuns: 10);
        html.ShouldContain("class=\"gp-block\"");
    }

    [Fact]
    public async Task Markdown_SourceMapped_HoldsForEveryOpenProofCorpusAttempt()
    {
        var renderer = _services.GetRequiredService<MarkdownRenderer>();
        var checkedAttempts = 0;
        foreach (var file in Directory.EnumerateFiles(Corpora.PathOf("opc/BMOSL"), "*.json"))
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
            foreach (var attempt in doc.RootElement.GetProperty("attempts").EnumerateArray())
            {
                var text = attempt.GetProperty("solution").GetString()!;
                AssertRunsMatch(renderer.RenderHtml(text, new MarkdownRenderOptions { SourceMapped = true }), text, minimumRuns: 1);
                checkedAttempts++;
            }
        }
        checkedAttempts.ShouldBeGreaterThan(300);
    }

    [Fact]
    public async Task Markdown_Highlights_MarkExactlyTheAnnotatedText()
    {
        var source = "First claim is fine.\n\nThen $x^2 \\ge 0$ so **every** term is positive.";
        var start = source.IndexOf("so **every**", StringComparison.Ordinal);
        var highlight = new Highlight(start, start + "so **every** term".Length, "a1", "gp-origin-human gp-sev-major", "Major");

        var html = await RenderAsync(source, sourceMapped: true, highlights: [highlight]);

        var marked = string.Concat(Regex.Matches(html, "<mark class=\"gp-ann[^\"]*\" data-ann=\"a1\"[^>]*><span[^>]*>([^<]*)</span></mark>")
            .Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)));
        marked.ShouldBe("so every term");
        html.ShouldContain("data-count=\"1\"");
        html.ShouldContain("gp-block gp-block-annotated");
    }

    [Fact]
    public void SourceView_DecodesToTheExactText()
    {
        const string source = "\nLine one <b>not bold</b> & $x$\r\nLine two\ttabbed";

        var html = MarkdownRenderer.RenderSourceHtml(source, [new Highlight(1, 9, "a1", "gp-sev-minor")]);

        var text = WebUtility.HtmlDecode(Regex.Replace(html, "<[^>]+>", ""));
        // The HTML parser drops the newline written right after <pre>; the text itself follows it.
        text.ShouldBe("\n" + source);
        html.ShouldContain("<mark class=\"gp-ann gp-sev-minor\" data-ann=\"a1\">");
    }

    /// <summary>Every element with data-s/data-e that holds plain text holds exactly source[s, e).</summary>
    private static void AssertRunsMatch(string html, string source, int minimumRuns)
    {
        var runs = RunPattern().Matches(html);
        runs.Count.ShouldBeGreaterThanOrEqualTo(minimumRuns);
        foreach (Match run in runs)
        {
            var start = int.Parse(run.Groups["s"].Value, System.Globalization.CultureInfo.InvariantCulture);
            var end = int.Parse(run.Groups["e"].Value, System.Globalization.CultureInfo.InvariantCulture);
            WebUtility.HtmlDecode(run.Groups["text"].Value).ShouldBe(source[start..end]);
        }
        foreach (Match math in MathPattern().Matches(html))
        {
            var start = int.Parse(math.Groups["s"].Value, System.Globalization.CultureInfo.InvariantCulture);
            var end = int.Parse(math.Groups["e"].Value, System.Globalization.CultureInfo.InvariantCulture);
            var tex = WebUtility.HtmlDecode(math.Groups["tex"].Value);
            // Lines of an indented paragraph lose their indentation in Markdown, so compare without whitespace.
            Squash(source[start..end]).ShouldContain(Squash(tex));
            source[start].ShouldBeOneOf('$', '\\');
        }
    }

    private static string Squash(string text) => Regex.Replace(text, "\\s+", "");

    private static List<string> MathContents(string html) =>
        Regex.Matches(html, "<(?:span|div) class=\"gp-math[^\"]*\"[^>]*>([^<]*)</(?:span|div)>").Select(m => m.Groups[1].Value).ToList();

    private static List<string> TagAttributes(string html) =>
        Regex.Matches(html, "<[a-z]+((?:\\s+[a-zA-Z-]+(?:=\"[^\"]*\")?)*)\\s*/?>").SelectMany(m =>
            Regex.Matches(m.Groups[1].Value, "([a-zA-Z-]+)(?:=)").Select(a => a.Groups[1].Value)).ToList();

    [GeneratedRegex("<span data-s=\"(?<s>\\d+)\" data-e=\"(?<e>\\d+)\">(?<text>[^<]*)</span>")]
    private static partial Regex RunPattern();

    [GeneratedRegex("<(?:span|div) class=\"gp-math[^\"]*\"[^>]*? data-s=\"(?<s>\\d+)\" data-e=\"(?<e>\\d+)\">(?<tex>[^<]*)</(?:span|div)>")]
    private static partial Regex MathPattern();
}
