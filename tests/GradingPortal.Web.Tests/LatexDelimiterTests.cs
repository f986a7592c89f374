using System.Text;
using System.Text.RegularExpressions;
using GradingPortal.Web.Rendering;
using Markdig;
using Markdig.Extensions.Mathematics;
using Markdig.Helpers;
using Markdig.Parsers;
using Markdig.Parsers.Inlines;
using Markdig.Renderers;
using Markdig.Syntax;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The <c>\(...\)</c> and <c>\[...\]</c> parser: linear work on hostile input (the preview accepts 200,000 characters
/// from anyone), and exactly the formulas the straightforward closer search finds.
/// </summary>
public sealed partial class LatexDelimiterTests
{
    private static readonly MarkdownRenderer s_renderer = new();

    [Theory]
    [InlineData(@"\(")]
    [InlineData(@"\[")]
    [InlineData(@"\( $ \[ $$ a\\b ")]
    public void LatexDelimiters_ManyUnclosedOpeners_ExamineEachCharacterAFewTimesOnly(string unit)
    {
        var source = Repeat(unit, 20_000);
        var before = LatexDelimiterParser.ScannedCharacters;

        s_renderer.RenderHtml(source);

        // Searching for the closer from every opener afresh examines about length^2 / 4 characters (10^8 here).
        (LatexDelimiterParser.ScannedCharacters - before).ShouldBeLessThanOrEqualTo(4L * source.Length);
    }

    [Fact]
    public void LatexDelimiters_UnclosedOpenersRepeated_RenderAsPlainParentheses()
    {
        var html = s_renderer.RenderHtml(Repeat(@"\(", 20_000));

        MathContents(html).ShouldBeEmpty();
        html.ShouldBe($"<p>{new string('(', 10_000)}</p>\n");
    }

    [Fact]
    public void LatexDelimiters_OpenersRepeatedThenOneCloser_AreOneFormula()
    {
        var source = Repeat(@"\[", 20_000) + @" x \]";

        var html = s_renderer.RenderHtml(source);

        // The walk pairs each backslash with its bracket, so every "\[" inside belongs to the formula's TeX.
        MathContents(html).ShouldBe([Repeat(@"\[", 19_998) + " x "]);
    }

    [Fact]
    public void LatexDelimiters_RandomInput_RenderExactlyAsTheStraightforwardSearch()
    {
        var linear = new MarkdownPipelineBuilder().UseMathematics().Use<LatexDelimiterExtension>().Build();
        var reference = new MarkdownPipelineBuilder().UseMathematics().Use<ReferenceLatexDelimiterExtension>().Build();
        var random = new Random(12);
        const string Alphabet = "\\\\\\(()[]]$ x\n*_`|";
        for (var n = 0; n < 3_000; n++)
        {
            var chars = new char[random.Next(1, 40)];
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = Alphabet[random.Next(Alphabet.Length)];
            }
            var source = new string(chars);
            Markdown.ToHtml(source, linear).ShouldBe(Markdown.ToHtml(source, reference), $"source: {source}");
        }
    }

    private static string Repeat(string unit, int chars)
    {
        var builder = new StringBuilder(chars + unit.Length);
        while (builder.Length < chars)
        {
            builder.Append(unit);
        }
        return builder.ToString(0, chars);
    }

    private static List<string> MathContents(string html) =>
        [.. MathPattern().Matches(html).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value))];

    [GeneratedRegex("<(?:span|div) class=\"gp-math[^\"]*\"[^>]*>([^<]*)</(?:span|div)>")]
    private static partial Regex MathPattern();

    private sealed class ReferenceLatexDelimiterExtension : IMarkdownExtension
    {
        public void Setup(MarkdownPipelineBuilder pipeline) =>
            pipeline.InlineParsers.InsertBefore<EscapeInlineParser>(new ReferenceLatexDelimiterParser());

        public void Setup(MarkdownPipeline pipeline, IMarkdownRenderer renderer)
        {
        }
    }

    /// <summary>The closer search as it was: walk TeX tokens from each opener to the closer or the paragraph's end.</summary>
    private sealed class ReferenceLatexDelimiterParser : InlineParser
    {
        public ReferenceLatexDelimiterParser()
        {
            OpeningCharacters = ['\\'];
        }

        public override bool Match(InlineProcessor processor, ref StringSlice slice)
        {
            var open = slice.PeekChar();
            if (open is not ('(' or '['))
            {
                return false;
            }
            var close = open == '(' ? ')' : ']';
            var text = slice.Text;
            var start = slice.Start;
            var contentStart = start + 2;
            for (var i = contentStart; i < slice.End;)
            {
                if (text[i] == '\\')
                {
                    if (text[i + 1] == close)
                    {
                        processor.Inline = new MathInline
                        {
                            Delimiter = '\\',
                            DelimiterCount = open == '[' ? 2 : 1,
                            Content = new StringSlice(text, contentStart, i - 1),
                            Span = new SourceSpan(processor.GetSourcePosition(start, out var line, out var column), processor.GetSourcePosition(i + 1)),
                            Line = line,
                            Column = column,
                        };
                        slice.Start = i + 2;
                        return true;
                    }
                    i += 2;
                    continue;
                }
                i++;
            }
            return false;
        }
    }
}
