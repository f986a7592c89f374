using GradingPortal.Domain.Common;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Solutions;

namespace GradingPortal.Domain.Tests;

public sealed class AnnotationTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private const string Text = "Let n be even. Then n^2 is even, hence every n works.";

    private static readonly Project s_project = Project.Create("P", null, null, false, false, false, ["sign-error"], s_now);
    private static readonly Solution s_solution = Solution.Create(s_project.Id, Guid.CreateVersion7(), Text, "model-x", null, s_now);
    private static readonly Guid s_author = Guid.CreateVersion7();

    private static Annotation Create(int start, int end, string? quote, string? errorType = ErrorTypes.ProofByExample,
        Severity severity = Severity.Major, string? comment = null, Solution? solution = null) =>
        Annotation.CreateByPerson(s_project.Id, solution ?? s_solution, start, end, quote, errorType, severity, comment, s_project.IsKnownErrorType,
            s_author, s_now);

    private static DomainValidationException Invalid(int start, int end, string? quote, string? errorType = ErrorTypes.ProofByExample,
        Severity severity = Severity.Major, string? comment = null) =>
        Should.Throw<DomainValidationException>(() => Create(start, end, quote, errorType, severity, comment));

    [Fact]
    public void CreateByPerson_QuoteMatchesSpan_CreatesAnAcceptedHumanAnnotation()
    {
        var start = Text.IndexOf("hence every n works", StringComparison.Ordinal);
        var annotation = Create(start, start + "hence every n works".Length, "hence every n works", " proof-by-example ", Severity.Critical, " one case ");

        annotation.Start.ShouldBe(start);
        annotation.End.ShouldBe(Text.Length - 1);
        annotation.Quote.ShouldBe("hence every n works");
        annotation.ErrorType.ShouldBe(ErrorTypes.ProofByExample);
        annotation.Severity.ShouldBe(Severity.Critical);
        annotation.Comment.ShouldBe("one case");
        annotation.Origin.ShouldBe(AnnotationOrigin.Human);
        annotation.Review.ShouldBe(AnnotationReview.Accepted);
        annotation.AuthorId.ShouldBe(s_author);
        annotation.SolutionId.ShouldBe(s_solution.Id);
        annotation.TakePendingAuditAction().ShouldBe("created");
    }

    [Fact]
    public void CreateByPerson_WholeText_IsAllowed()
    {
        Create(0, Text.Length, Text).End.ShouldBe(Text.Length);
    }

    [Theory]
    [InlineData("let n be even")]
    [InlineData("Let n be even ")]
    [InlineData("Let n  be even")]
    [InlineData("")]
    [InlineData(null)]
    public void CreateByPerson_QuoteDiffersFromText_ReportsQuote(string? quote)
    {
        var ex = Invalid(0, 13, quote);
        ex.Errors.Keys.ShouldBe(["quote"]);
        ex.Errors["quote"].ShouldBe(["The quote does not match the solution text at [start, end)."]);
    }

    [Fact]
    public void CreateByPerson_QuoteOfAnotherSpan_ReportsQuote()
    {
        // "even" occurs twice; the quote is right but the span points at the other occurrence's neighbour.
        Invalid(10, 14, "even").Errors.Keys.ShouldContain("quote");
        Should.NotThrow(() => Create(9, 13, "even"));
    }

    [Fact]
    public void CreateByPerson_NegativeStart_ReportsStart()
    {
        var ex = Invalid(-1, 3, "Let");
        ex.Errors.Keys.ShouldBe(["start"]);
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(5, 4)]
    public void CreateByPerson_EmptyOrReversedSpan_ReportsEnd(int start, int end)
    {
        var ex = Invalid(start, end, "");
        ex.Errors.Keys.ShouldBe(["end"]);
    }

    [Fact]
    public void CreateByPerson_SpanPastTheText_ReportsStartAndEnd()
    {
        Invalid(40, Text.Length + 1, "x").Errors.Keys.ShouldBe(["end"]);
        Invalid(Text.Length, Text.Length + 2, "x").Errors.Keys.ShouldBe(["start", "end"], ignoreOrder: true);
    }

    [Fact]
    public void CreateByPerson_OffsetsAreUtf16CodeUnits_MatchesAstralCharacters()
    {
        var text = "Claim 𝔽 holds ∀x.";
        var solution = Solution.Create(s_project.Id, Guid.CreateVersion7(), text, null, null, s_now);
        var start = text.IndexOf("𝔽", StringComparison.Ordinal);
        var annotation = Create(start, start + 2, "𝔽", solution: solution);
        annotation.End.ShouldBe(start + 2);
        // Half a surrogate pair is not the character.
        Should.Throw<DomainValidationException>(() => Create(start, start + 1, "𝔽", solution: solution)).Errors.Keys.ShouldContain("quote");
    }

    [Theory]
    [InlineData("made-up-type")]
    [InlineData("Proof-By-Example")]
    [InlineData("")]
    [InlineData(null)]
    public void CreateByPerson_UnknownErrorType_ReportsErrorType(string? errorType)
    {
        var ex = Invalid(0, 3, "Let", errorType);
        ex.Errors.Keys.ShouldBe(["errorType"]);
        ex.Errors["errorType"].ShouldBe([$"Unknown error type '{errorType?.Trim() ?? ""}'."]);
    }

    [Fact]
    public void CreateByPerson_EveryBuiltinAndTheProjectsCustomType_IsAccepted()
    {
        foreach (var type in ErrorTypes.Builtin.Append("sign-error"))
        {
            Create(0, 3, "Let", type).ErrorType.ShouldBe(type);
        }
    }

    [Fact]
    public void CreateByPerson_UndefinedSeverity_ReportsSeverity()
    {
        Invalid(0, 3, "Let", severity: (Severity)7).Errors.Keys.ShouldBe(["severity"]);
    }

    [Fact]
    public void CreateByPerson_CommentTooLong_ReportsComment()
    {
        Invalid(0, 3, "Let", comment: new string('c', Annotation.MaxCommentLength + 1)).Errors.Keys.ShouldBe(["comment"]);
    }

    [Fact]
    public void CreateByPerson_EverythingWrong_ReportsEveryField()
    {
        var ex = Invalid(0, 3, "xyz", "nope", (Severity)9, new string('c', Annotation.MaxCommentLength + 1));
        ex.Errors.Keys.ShouldBe(["quote", "errorType", "severity", "comment"], ignoreOrder: true);
    }

    [Fact]
    public void ReviewBy_HumanAnnotation_ThrowsConflict()
    {
        var annotation = Create(0, 3, "Let");
        Should.Throw<DomainConflictException>(() => annotation.ReviewBy(s_author, accept: false, s_now)).Message.ShouldBe("Only model findings are reviewed.");
        annotation.Review.ShouldBe(AnnotationReview.Accepted);
    }
}
