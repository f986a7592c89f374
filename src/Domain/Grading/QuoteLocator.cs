using System.Text;

namespace GradingPortal.Domain.Grading;

/// <summary>How a quoted finding was placed on the solution text.</summary>
public enum SpanMatch
{
    /// <summary>Could not be placed; the finding keeps its quote only.</summary>
    None = 0,
    /// <summary>Offsets supplied with the finding were checked against the text and agree with the quote.</summary>
    VerifiedOffsets = 1,
    /// <summary>The quote occurs verbatim.</summary>
    Exact = 2,
    /// <summary>The quote occurs when runs of whitespace are treated as equal.</summary>
    Whitespace = 3,
    /// <summary>The closest stretch of text, with a similarity below 1 (see confidence).</summary>
    Fuzzy = 4,
    /// <summary>
    /// The quote occurs once formatting is set aside: Markdown emphasis and code marks, math delimiters, typographic
    /// quotes and dashes, and quotation marks around the quote; an ellipsis in the quote stands for omitted text.
    /// </summary>
    Normalized = 5,
}

/// <summary>Where a quote sits in a text: [Start, End) in UTF-16 units, how it was found, and how sure we are (0..1).</summary>
public readonly record struct LocatedSpan(int Start, int End, SpanMatch Match, double Confidence)
{
    public static readonly LocatedSpan NotFound = new(0, 0, SpanMatch.None, 0);
}

/// <summary>
/// Maps a model's (or an import's) quoted location to a character span of the solution: trust given offsets only when
/// the text there equals the quote, then exact search (nearest to the hint), then whitespace-insensitive search, then
/// search with formatting set aside (models quote Markdown without its <c>**</c>, swap quote styles, elide with "…"),
/// then the best fuzzy window. Offsets are never trusted blindly.
/// </summary>
public static class QuoteLocator
{
    /// <summary>Fuzzy matches below this similarity are not placed.</summary>
    public const double MinimumFuzzyConfidence = 0.6;

    /// <summary>Confidence of a match whose quote elided text with an ellipsis (the omitted part is unchecked).</summary>
    public const double ElidedConfidence = 0.9;

    /// <summary>An elided quote's parts must lie this close together (characters of text between them).</summary>
    private const int MaxElisionGap = 4000;

    public static LocatedSpan Locate(string text, string? quote, int? hintStart = null, int? hintEnd = null)
    {
        if (string.IsNullOrEmpty(text) || string.IsNullOrWhiteSpace(quote))
        {
            return LocatedSpan.NotFound;
        }
        if (hintStart is { } hs && hintEnd is { } he && hs >= 0 && he > hs && he <= text.Length
            && string.Equals(text[hs..he], quote, StringComparison.Ordinal))
        {
            return new LocatedSpan(hs, he, SpanMatch.VerifiedOffsets, 1);
        }
        var exact = NearestOccurrence(text, quote, hintStart);
        if (exact >= 0)
        {
            return new LocatedSpan(exact, exact + quote.Length, SpanMatch.Exact, 1);
        }
        if (WhitespaceInsensitive(text, quote) is { } ws)
        {
            return new LocatedSpan(ws.Start, ws.End, SpanMatch.Whitespace, 1);
        }
        if (FormattingInsensitive(text, quote, hintStart) is { } normalized)
        {
            return normalized;
        }
        return Fuzzy(text, quote, hintStart);
    }

    private static int NearestOccurrence(string text, string quote, int? hint)
    {
        var best = -1;
        for (var at = text.IndexOf(quote, StringComparison.Ordinal); at >= 0; at = text.IndexOf(quote, at + 1, StringComparison.Ordinal))
        {
            if (best < 0 || (hint is { } h && Math.Abs(at - h) < Math.Abs(best - h)))
            {
                best = at;
            }
            if (hint is null)
            {
                break;
            }
        }
        return best;
    }

    /// <summary>Compares with all whitespace removed, mapping positions back to the original text.</summary>
    private static (int Start, int End)? WhitespaceInsensitive(string text, string quote)
    {
        var squeezedQuote = string.Concat(quote.Where(c => !char.IsWhiteSpace(c)));
        if (squeezedQuote.Length == 0)
        {
            return null;
        }
        var map = new List<int>(text.Length);
        var squeezed = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsWhiteSpace(text[i]))
            {
                map.Add(i);
                squeezed.Append(text[i]);
            }
        }
        var at = squeezed.ToString().IndexOf(squeezedQuote, StringComparison.Ordinal);
        return at < 0 ? null : (map[at], map[at + squeezedQuote.Length - 1] + 1);
    }

    /// <summary>
    /// Both sides reduced to their content characters (see <see cref="SpanMatch.Normalized"/>), positions mapped back.
    /// A quote with an ellipsis is split at it and its parts are found in order, close together.
    /// </summary>
    private static LocatedSpan? FormattingInsensitive(string text, string quote, int? hint)
    {
        var (normalText, map) = Normalize(text);
        if (normalText.Length == 0)
        {
            return null;
        }
        var trimmed = quote.Trim().Trim('"', '\'', '“', '”', '‘', '’', '«', '»').Trim();
        var whole = Normalize(trimmed).Text;
        if (whole.Length >= 4)
        {
            var at = NearestOccurrence(normalText, whole, hint is { } h ? NormalPosition(map, h) : null);
            if (at >= 0)
            {
                return new LocatedSpan(map[at], map[at + whole.Length - 1] + 1, SpanMatch.Normalized, 1);
            }
        }
        var parts = trimmed.Split(["…", "..."], StringSplitOptions.RemoveEmptyEntries)
            .Select(p => Normalize(p).Text)
            .Where(p => p.Length >= 4)
            .ToList();
        if (parts.Count == 0 || (parts.Count == 1 && parts[0] == whole) || parts.Max(p => p.Length) < 8)
        {
            return null;
        }
        var first = NearestOccurrence(normalText, parts[0], hint is { } hint0 ? NormalPosition(map, hint0) : null);
        if (first < 0)
        {
            return null;
        }
        var end = first + parts[0].Length;
        for (var i = 1; i < parts.Count; i++)
        {
            var next = normalText.IndexOf(parts[i], end, StringComparison.Ordinal);
            if (next < 0 || map[next] - map[end - 1] > MaxElisionGap)
            {
                return null;
            }
            end = next + parts[i].Length;
        }
        return new LocatedSpan(map[first], map[end - 1] + 1, SpanMatch.Normalized, ElidedConfidence);
    }

    private static int NormalPosition(int[] map, int textPosition)
    {
        var at = Array.BinarySearch(map, textPosition);
        return at >= 0 ? at : Math.Min(~at, map.Length - 1);
    }

    /// <summary>Content characters of <paramref name="s"/> with, for each, its index in <paramref name="s"/>.</summary>
    private static (string Text, int[] Map) Normalize(string s)
    {
        var sb = new StringBuilder(s.Length);
        var map = new List<int>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c) || c is '*' or '`' or '$')
            {
                continue;
            }
            if (c == '\\' && i + 1 < s.Length && s[i + 1] is '(' or ')' or '[' or ']')
            {
                // \( \) \[ \] delimit math just as $ does.
                i++;
                continue;
            }
            if (c == '…')
            {
                sb.Append("...");
                map.Add(i);
                map.Add(i);
                map.Add(i);
                continue;
            }
            sb.Append(c switch
            {
                '‘' or '’' or '′' => '\'',
                '“' or '”' or '″' => '"',
                '–' or '—' or '−' => '-',
                _ => c,
            });
            map.Add(i);
        }
        return (sb.ToString(), map.ToArray());
    }

    /// <summary>
    /// Best window by similarity of word sequences (normalised Levenshtein over words, formatting set aside), scanning
    /// windows of the quote's word count and one word fewer or more. Windows whose shared-word count cannot beat the
    /// best so far are skipped, which keeps long texts cheap. Ties go to the window nearest the hint.
    /// </summary>
    private static LocatedSpan Fuzzy(string text, string quote, int? hint)
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var quoteWords = Words(quote, vocabulary);
        var textWords = Words(text, vocabulary);
        if (quoteWords.Count == 0 || textWords.Count == 0)
        {
            return LocatedSpan.NotFound;
        }
        var n = quoteWords.Count;
        var quoteIds = quoteWords.Select(w => w.Id).ToArray();
        var textIds = textWords.Select(w => w.Id).ToArray();
        var wanted = new int[vocabulary.Count];
        foreach (var id in quoteIds)
        {
            wanted[id]++;
        }
        var previous = new int[n + 2];
        var current = new int[n + 2];
        var window = new int[vocabulary.Count];
        var bestScore = 0.0;
        var bestIndex = -1;
        var bestLength = n;
        foreach (var length in new[] { n, Math.Max(1, n - 1), n + 1 }.Distinct())
        {
            if (length > textIds.Length)
            {
                continue;
            }
            Array.Clear(window);
            var shared = 0;
            for (var i = 0; i < textIds.Length; i++)
            {
                // Slide: add word i, drop word i - length.
                if (window[textIds[i]]++ < wanted[textIds[i]])
                {
                    shared++;
                }
                if (i >= length && --window[textIds[i - length]] < wanted[textIds[i - length]])
                {
                    shared--;
                }
                var start = i - length + 1;
                if (start < 0)
                {
                    continue;
                }
                var bound = (double)shared / Math.Max(n, length);
                if (bound < MinimumFuzzyConfidence || bound < bestScore)
                {
                    continue;
                }
                var score = Similarity(quoteIds, textIds, start, length, previous, current);
                var closer = hint is { } h && bestIndex >= 0
                    && Math.Abs(textWords[start].Start - h) < Math.Abs(textWords[bestIndex].Start - h);
                if (score > bestScore || (score == bestScore && closer))
                {
                    bestScore = score;
                    bestIndex = start;
                    bestLength = length;
                }
            }
        }
        if (bestIndex < 0 || bestScore < MinimumFuzzyConfidence)
        {
            return LocatedSpan.NotFound;
        }
        var first = textWords[bestIndex];
        var last = textWords[bestIndex + bestLength - 1];
        return new LocatedSpan(first.Start, last.End, SpanMatch.Fuzzy, Math.Round(bestScore, 3));
    }

    private static double Similarity(int[] a, int[] b, int offset, int length, int[] previous, int[] current)
    {
        // Levenshtein distance over words, then 1 - distance / max length.
        for (var j = 0; j <= length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= length; j++)
            {
                var cost = a[i - 1] == b[offset + j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return 1.0 - (double)previous[length] / Math.Max(a.Length, length);
    }

    /// <summary>Whitespace-separated words with formatting marks stripped, each as a vocabulary id with its span.</summary>
    private static List<(int Start, int End, int Id)> Words(string s, Dictionary<string, int> vocabulary)
    {
        var words = new List<(int, int, int)>();
        var i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i]))
            {
                i++;
            }
            var start = i;
            while (i < s.Length && !char.IsWhiteSpace(s[i]))
            {
                i++;
            }
            if (i > start)
            {
                var key = Normalize(s[start..i]).Text;
                if (key.Length == 0)
                {
                    continue;
                }
                if (!vocabulary.TryGetValue(key, out var id))
                {
                    id = vocabulary.Count;
                    vocabulary[key] = id;
                }
                words.Add((start, i, id));
            }
        }
        return words;
    }
}
