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
}

/// <summary>Where a quote sits in a text: [Start, End) in UTF-16 units, how it was found, and how sure we are (0..1).</summary>
public readonly record struct LocatedSpan(int Start, int End, SpanMatch Match, double Confidence)
{
    public static readonly LocatedSpan NotFound = new(0, 0, SpanMatch.None, 0);
}

/// <summary>
/// Maps a model's (or an import's) quoted location to a character span of the solution: trust given offsets only when
/// the text there equals the quote, then exact search (nearest to the hint), then whitespace-insensitive search, then the
/// best fuzzy window. Offsets are never trusted blindly.
/// </summary>
public static class QuoteLocator
{
    /// <summary>Fuzzy matches below this similarity are not placed.</summary>
    public const double MinimumFuzzyConfidence = 0.6;

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
        return Fuzzy(text, quote);
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
        var squeezed = new System.Text.StringBuilder(text.Length);
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
    /// Best window by similarity of word sequences (normalised Levenshtein over words), scanning windows of the
    /// quote's word count. Good enough for paraphrased-with-typos quotes; bounded work for long texts.
    /// </summary>
    private static LocatedSpan Fuzzy(string text, string quote)
    {
        var quoteWords = Words(quote);
        var textWords = Words(text);
        if (quoteWords.Count == 0 || textWords.Count == 0)
        {
            return LocatedSpan.NotFound;
        }
        var n = quoteWords.Count;
        var bestScore = 0.0;
        var bestIndex = -1;
        var bestLength = n;
        foreach (var length in new[] { n, Math.Max(1, n - 1), n + 1 }.Distinct())
        {
            for (var i = 0; i + length <= textWords.Count; i++)
            {
                var score = Similarity(quoteWords, textWords, i, length);
                if (score > bestScore)
                {
                    bestScore = score;
                    bestIndex = i;
                    bestLength = length;
                }
            }
        }
        if (bestIndex < 0 || bestScore < MinimumFuzzyConfidence)
        {
            return LocatedSpan.NotFound;
        }
        var start = textWords[bestIndex].Start;
        var last = textWords[bestIndex + bestLength - 1];
        return new LocatedSpan(start, last.Start + last.Value.Length, SpanMatch.Fuzzy, Math.Round(bestScore, 3));
    }

    private static double Similarity(List<(int Start, string Value)> a, List<(int Start, string Value)> b, int offset, int length)
    {
        // Levenshtein distance over words, then 1 - distance / max length.
        var previous = new int[length + 1];
        var current = new int[length + 1];
        for (var j = 0; j <= length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Count; i++)
        {
            current[0] = i;
            for (var j = 1; j <= length; j++)
            {
                var cost = string.Equals(a[i - 1].Value, b[offset + j - 1].Value, StringComparison.OrdinalIgnoreCase) ? 0 : 1;
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return 1.0 - (double)previous[length] / Math.Max(a.Count, length);
    }

    private static List<(int Start, string Value)> Words(string s)
    {
        var words = new List<(int, string)>();
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
                words.Add((start, s[start..i]));
            }
        }
        return words;
    }
}
