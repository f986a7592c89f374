using Markdig;
using Markdig.Extensions.Mathematics;
using Markdig.Helpers;
using Markdig.Parsers;
using Markdig.Parsers.Inlines;
using Markdig.Renderers;
using Markdig.Syntax;

namespace GradingPortal.Web.Rendering;

/// <summary>
/// Adds LaTeX's own math delimiters, <c>\(...\)</c> (inline) and <c>\[...\]</c> (display), which real proofs use as
/// often as dollars. Without it CommonMark reads <c>\(</c> as an escaped parenthesis and mangles the formula
/// (underscores become emphasis). The parser runs before the escape parser and yields Markdig's own
/// <see cref="MathInline"/>, with <c>DelimiterCount</c> 2 meaning display math, like <c>$$</c>.
/// </summary>
public sealed class LatexDelimiterExtension : IMarkdownExtension
{
    public void Setup(MarkdownPipelineBuilder pipeline)
    {
        if (!pipeline.InlineParsers.Contains<LatexDelimiterParser>())
        {
            pipeline.InlineParsers.InsertBefore<EscapeInlineParser>(new LatexDelimiterParser());
        }
    }

    public void Setup(MarkdownPipeline pipeline, IMarkdownRenderer renderer)
    {
    }
}

/// <summary>Parses <c>\(...\)</c> and <c>\[...\]</c>; the body may span the lines of one paragraph.</summary>
public sealed class LatexDelimiterParser : InlineParser
{
    public LatexDelimiterParser()
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
        // Walk TeX tokens: a backslash always pairs with the next character, so "\\" (a TeX line break) never
        // closes the formula and "\)" inside "\\)" is not mistaken for the delimiter.
        var i = contentStart;
        while (i < slice.End)
        {
            if (text[i] == '\\')
            {
                if (text[i + 1] == close)
                {
                    return Emit(processor, ref slice, start, contentStart, i, display: open == '[');
                }
                i += 2;
                continue;
            }
            i++;
        }
        return false;
    }

    private static bool Emit(InlineProcessor processor, ref StringSlice slice, int start, int contentStart, int closeAt, bool display)
    {
        var last = closeAt + 1;
        var sourceStart = processor.GetSourcePosition(start, out var line, out var column);
        var sourceEnd = processor.GetSourcePosition(last);
        processor.Inline = new MathInline
        {
            Delimiter = '\\',
            DelimiterCount = display ? 2 : 1,
            Content = new StringSlice(slice.Text, contentStart, closeAt - 1),
            Span = new SourceSpan(sourceStart, sourceEnd),
            Line = line,
            Column = column,
        };
        slice.Start = last + 1;
        return true;
    }
}
