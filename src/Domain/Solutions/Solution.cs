using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Solutions;

/// <summary>A proof to be graded, written by a person or a model.</summary>
public sealed class Solution : AuditedEntity
{
    public const int MaxTextLength = 1_000_000;

    private Solution()
    {
    }

    public Guid ProjectId { get; private set; }
    public Guid ProblemId { get; private set; }
    public string Text { get; private set; } = "";
    /// <summary>Characters in <see cref="Text"/>, kept by the database so lists sort by length without reading every proof.</summary>
    public int TextLength { get; private set; }
    /// <summary>A model name, <c>human</c>, or null when anonymous.</summary>
    public string? Author { get; private set; }
    /// <summary>Identifier in the uploader's data (unique within the problem); re-imports match on it.</summary>
    public string? ExternalId { get; private set; }
    /// <summary>The import that brought this solution in, when it came in bulk.</summary>
    public Guid? ImportId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    public static Solution Create(Guid projectId, Guid problemId, string text, string? author, string? externalId, DateTimeOffset now,
        Guid? importId = null)
    {
        var errors = new ValidationErrors();
        errors.Require(!string.IsNullOrWhiteSpace(text), "text", "Solution text is required.");
        errors.Require((text?.Length ?? 0) <= MaxTextLength, "text", $"Solution text is longer than {MaxTextLength} characters.");
        author = string.IsNullOrWhiteSpace(author) ? null : author.Trim();
        errors.Require(author is null || author.Length <= 200, "author", "Author is at most 200 characters.");
        externalId = string.IsNullOrWhiteSpace(externalId) ? null : externalId.Trim();
        errors.Require(externalId is null || externalId.Length <= 200, "externalId", "External id is at most 200 characters.");
        errors.ThrowIfAny();
        var solution = new Solution
        {
            Id = Ids.New(),
            ProjectId = projectId,
            ProblemId = problemId,
            Text = text!,
            Author = author,
            ExternalId = externalId,
            ImportId = importId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        solution.MarkAuditAction("created");
        return solution;
    }

    /// <summary>Bumps the change time; called when anything hanging off the solution changes (exports filter on it).</summary>
    public void Touch(DateTimeOffset now) => UpdatedAt = now;

    internal override string AuditEntityType => "solution";
    internal override Guid? AuditProjectId => ProjectId;
    internal override Guid? AuditSolutionId => Id;
    internal override object AuditSnapshot() => new { Id, ProblemId, Author, ExternalId, TextLength = Text.Length, ImportId };
}
