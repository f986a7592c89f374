using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Solutions;

/// <summary>Who proposed an annotation.</summary>
public enum AnnotationOrigin
{
    /// <summary>Marked by a person.</summary>
    Human = 0,
    /// <summary>A model finding mapped onto the text; a person accepts or rejects it.</summary>
    Model = 1,
}

/// <summary>Review state of an annotation. People's own annotations are accepted when made.</summary>
public enum AnnotationReview
{
    Proposed = 0,
    Accepted = 1,
    Rejected = 2,
}

/// <summary>
/// An error marked on a span of a solution's text: [Start, End) in UTF-16 code units of <see cref="Solution.Text"/>,
/// with the quoted text it covers, its type, severity and a comment.
/// </summary>
public sealed class Annotation : AuditedEntity
{
    public const int MaxCommentLength = 10_000;

    private Annotation()
    {
    }

    public Guid ProjectId { get; private set; }
    public Guid SolutionId { get; private set; }
    public int Start { get; private set; }
    public int End { get; private set; }
    public string Quote { get; private set; } = "";
    public string ErrorType { get; private set; } = "";
    public Severity Severity { get; private set; }
    public string Comment { get; private set; } = "";
    public AnnotationOrigin Origin { get; private set; }
    /// <summary>Set for model findings: the model grade that proposed it (added by the grading pipeline).</summary>
    public Guid? ModelGradeId { get; private set; }
    public AnnotationReview Review { get; private set; }
    public Guid? AuthorId { get; private set; }
    public Guid? ReviewedById { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    /// <summary>Optimistic concurrency token (PostgreSQL xmin): an edit must name the version it was made from.</summary>
    public uint RowVersion { get; private set; }

    /// <summary>A person's annotation. The quote must be exactly the text at [start, end).</summary>
    public static Annotation CreateByPerson(Guid projectId, Solution solution, int start, int end, string? quote, string? errorType,
        Severity severity, string? comment, Func<string, bool> isKnownErrorType, Guid authorId, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        var text = solution.Text;
        var spanOk = start >= 0 && end > start && end <= text.Length;
        errors.Require(start >= 0 && start < text.Length, "start", $"Start must be within the solution text (0..{text.Length - 1}).");
        errors.Require(end > start && end <= text.Length, "end", $"End must be after start and at most {text.Length}.");
        if (spanOk && !string.Equals(text[start..end], quote, StringComparison.Ordinal))
        {
            errors.Add("quote", "The quote does not match the solution text at [start, end).");
        }
        errorType = errorType?.Trim() ?? "";
        errors.Require(isKnownErrorType(errorType), "errorType", $"Unknown error type '{errorType}'.");
        errors.Require(Enum.IsDefined(severity), "severity", "Severity is minor, major or critical.");
        errors.Require((comment?.Length ?? 0) <= MaxCommentLength, "comment", $"Comment is at most {MaxCommentLength} characters.");
        errors.ThrowIfAny();
        var annotation = new Annotation
        {
            Id = Ids.New(),
            ProjectId = projectId,
            SolutionId = solution.Id,
            Start = start,
            End = end,
            Quote = quote!,
            ErrorType = errorType,
            Severity = severity,
            Comment = comment?.Trim() ?? "",
            Origin = AnnotationOrigin.Human,
            Review = AnnotationReview.Accepted,
            AuthorId = authorId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        annotation.MarkAuditAction("created");
        return annotation;
    }

    /// <summary>
    /// A model finding placed on the text as a proposal for people to accept or reject (origin Model, no author). The
    /// span rules are a person's: the quote must be exactly the text at [start, end).
    /// </summary>
    public static Annotation CreateProposedByModel(Guid projectId, Solution solution, int start, int end, string? quote, string? errorType,
        Severity severity, string? comment, Func<string, bool> isKnownErrorType, Guid modelGradeId, DateTimeOffset now)
    {
        // Same checks as a person's mark; only who stands behind it differs.
        var annotation = CreateByPerson(projectId, solution, start, end, quote, errorType, severity, comment, isKnownErrorType, Guid.Empty, now);
        annotation.Origin = AnnotationOrigin.Model;
        annotation.Review = AnnotationReview.Proposed;
        annotation.AuthorId = null;
        annotation.ModelGradeId = modelGradeId;
        annotation.MarkAuditAction("proposed");
        return annotation;
    }

    /// <summary>
    /// A person changes what they said about their mark: type, severity and comment. The span and quote stay; a
    /// different passage is a new annotation. Model findings are reviewed, not rewritten.
    /// </summary>
    public void Revise(string? errorType, Severity severity, string? comment, Func<string, bool> isKnownErrorType, DateTimeOffset now)
    {
        if (Origin != AnnotationOrigin.Human)
        {
            throw new DomainConflictException("Model findings are accepted or rejected, not edited.");
        }
        var errors = new ValidationErrors();
        errorType = errorType?.Trim() ?? "";
        errors.Require(isKnownErrorType(errorType), "errorType", $"Unknown error type '{errorType}'.");
        errors.Require(Enum.IsDefined(severity), "severity", "Severity is minor, major or critical.");
        errors.Require((comment?.Length ?? 0) <= MaxCommentLength, "comment", $"Comment is at most {MaxCommentLength} characters.");
        errors.ThrowIfAny();
        ErrorType = errorType;
        Severity = severity;
        Comment = comment?.Trim() ?? "";
        UpdatedAt = now;
        MarkAuditAction("updated");
    }

    /// <summary>Accepts or rejects a model-proposed annotation.</summary>
    public void ReviewBy(Guid reviewerId, bool accept, DateTimeOffset now)
    {
        if (Origin != AnnotationOrigin.Model)
        {
            throw new DomainConflictException("Only model findings are reviewed.");
        }
        Review = accept ? AnnotationReview.Accepted : AnnotationReview.Rejected;
        ReviewedById = reviewerId;
        UpdatedAt = now;
        MarkAuditAction(accept ? "accepted" : "rejected");
    }

    internal override string AuditEntityType => "annotation";
    internal override Guid? AuditProjectId => ProjectId;
    internal override Guid? AuditSolutionId => SolutionId;
    internal override object AuditSnapshot() => new
    {
        Id, SolutionId, Start, End, Quote, ErrorType, Severity = Severity.ToString().ToLowerInvariant(), Comment,
        Origin = Origin.ToString(), Review = Review.ToString(), AuthorId, ReviewedById, ModelGradeId,
    };
}
