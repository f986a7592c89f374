using GradingPortal.Domain.Grading;

namespace GradingPortal.Domain.Tests;

public sealed class QuoteLocatorTests
{
    private const string Text = "Let $n$ be odd.\nThen  n^2 is odd, so\tthe claim holds for all n. The claim holds.";

    [Fact]
    public void Locate_OffsetsThatMatchTheQuote_AreTrusted()
    {
        var start = Text.IndexOf("the claim", StringComparison.Ordinal);
        var span = QuoteLocator.Locate(Text, "the claim", start, start + 9);
        span.ShouldBe(new LocatedSpan(start, start + 9, SpanMatch.VerifiedOffsets, 1));
    }

    [Fact]
    public void Locate_OffsetsThatDisagreeWithTheQuote_AreRepairedByExactSearch()
    {
        var span = QuoteLocator.Locate(Text, "n^2 is odd", 0, 10);
        span.Match.ShouldBe(SpanMatch.Exact);
        Text[span.Start..span.End].ShouldBe("n^2 is odd");
    }

    [Fact]
    public void Locate_RepeatedQuote_PicksTheOccurrenceNearestTheHint()
    {
        var second = Text.LastIndexOf("claim holds", StringComparison.Ordinal);
        var span = QuoteLocator.Locate(Text, "claim holds", second - 3, second + 2);
        span.Start.ShouldBe(second);
    }

    [Fact]
    public void Locate_DifferentWhitespace_MatchesWhitespaceInsensitively()
    {
        var span = QuoteLocator.Locate(Text, "Then n^2 is odd, so the claim");
        span.Match.ShouldBe(SpanMatch.Whitespace);
        Text[span.Start..span.End].ShouldBe("Then  n^2 is odd, so\tthe claim");
    }

    [Fact]
    public void Locate_QuoteWithATypo_FindsAFuzzyMatchWithConfidenceBelowOne()
    {
        var span = QuoteLocator.Locate(Text, "so the claim holds for every n.");
        span.Match.ShouldBe(SpanMatch.Fuzzy);
        span.Confidence.ShouldBeInRange(0.6, 0.99);
        Text[span.Start..span.End].ShouldStartWith("so");
    }

    [Fact]
    public void Locate_UnrelatedQuote_IsNotPlaced()
    {
        QuoteLocator.Locate(Text, "completely different words about triangles and circles").ShouldBe(LocatedSpan.NotFound);
        QuoteLocator.Locate(Text, "   ").ShouldBe(LocatedSpan.NotFound);
    }
}
