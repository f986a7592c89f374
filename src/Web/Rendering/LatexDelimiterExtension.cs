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

/// <summary>
/// Parses <c>\(...\)</c> and <c>\[...\]</c>; the body may span the lines of one paragraph.
/// </summary>
/// <remarks>
/// Looking for the closing delimiter from each opener in turn costs the rest of the paragraph per opener, so a
/// paragraph of unclosed openers (<c>\(</c> repeated) took time quadratic in its length. Instead the first opener of a
/// paragraph answers, in one backward pass, where the walk from every later position would find its closer; every
/// opener of that paragraph then costs one lookup. The answers are exactly those of walking from the opener.
/// </remarks>
public sealed class LatexDelimiterParser : InlineParser
{
    // Characters examined while looking for closers on this thread: tests check that the work stays linear in the
    // input without timing anything.
    [ThreadStatic]
    private static long t_scannedCharacters;

    internal static long ScannedCharacters => t_scannedCharacters;

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
        var start = slice.Start;
        var contentStart = start + 2;
        // The parser instance is shared by every thread rendering with the pipeline; the processor belongs to one parse.
        if (processor.ParserStates[Index] is not ClosersOfParagraph closers || !closers.Covers(slice.Text, contentStart, slice.End))
        {
            closers = new ClosersOfParagraph(slice.Text, contentStart, slice.End);
            processor.ParserStates[Index] = closers;
        }
        var closeAt = closers.FirstCloserFrom(contentStart, open == '(' ? ')' : ']');
        return closeAt >= 0 && Emit(processor, ref slice, start, contentStart, closeAt, display: open == '[');
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

    /// <summary>
    /// For one paragraph's text from <c>From</c> to its end: where a walk over TeX tokens starting at a position meets
    /// <c>\)</c> (or <c>\]</c>) first. The walk pairs a backslash with the next character, so "\\" (a TeX line break)
    /// never closes the formula and the "\)" inside "\\)" is not mistaken for the delimiter. A walk from position
    /// <c>i</c> either closes at <c>i</c> or continues exactly like the walk from <c>i + 1</c> (or <c>i + 2</c> after a
    /// backslash), which is what lets one backward pass answer for every start.
    /// </summary>
    private sealed class ClosersOfParagraph(string text, int from, int end)
    {
        private int[]? _round;
        private int[]? _square;

        /// <summary>Whether this answers for <paramref name="position"/> of the paragraph ending at <paramref name="paragraphEnd"/>.</summary>
        public bool Covers(string paragraphText, int position, int paragraphEnd) =>
            ReferenceEquals(text, paragraphText) && end == paragraphEnd && position >= from;

        /// <summary>The index of the backslash of the first closer the walk from <paramref name="position"/> meets, or -1.</summary>
        public int FirstCloserFrom(int position, char close)
        {
            if (position >= end)
            {
                return -1;
            }
            var table = close == ')' ? _round ??= Build(')') : _square ??= Build(']');
            return table[position - from];
        }

        private int[] Build(char close)
        {
            // table[k] answers for position from + k; positions at or past `end` have no closer (the slice's End is inclusive,
            // so a closer's backslash sits before it).
            var length = Math.Max(end - from, 0);
            t_scannedCharacters += length;
            var table = new int[length];
            for (var i = end - 1; i >= from; i--)
            {
                if (text[i] == '\\')
                {
                    table[i - from] = text[i + 1] == close ? i : At(table, i + 2);
                }
                else
                {
                    table[i - from] = At(table, i + 1);
                }
            }
            return table;
        }

        private int At(int[] table, int position) => position >= end ? -1 : table[position - from];
    }
}
