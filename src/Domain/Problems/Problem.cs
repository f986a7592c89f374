using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Problems;

/// <summary>A problem to be solved: statement (Markdown + LaTeX), reference solutions, optional official scheme.</summary>
public sealed class Problem : AuditedEntity
{
    public const int MaxStatementLength = 200_000;
    public const int MaxReferenceLength = 500_000;

    private readonly List<ReferenceSolution> _referenceSolutions = [];

    private Problem()
    {
    }

    public Guid ProjectId { get; private set; }
    public string Title { get; private set; } = "";
    public string Statement { get; private set; } = "";
    public int MaxPoints { get; private set; }
    public string Source { get; private set; } = "";
    /// <summary>Identifier in the uploader's own data (unique within a project); re-imports match on it.</summary>
    public string? ExternalId { get; private set; }
    /// <summary>An official marking scheme kept as text when it is not (or not only) structured as rubric items.</summary>
    public string? MarkingScheme { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    /// <summary>Deleted problems are kept (with their grades) for history and exports, hidden everywhere else.</summary>
    public DateTimeOffset? DeletedAt { get; private set; }
    public uint RowVersion { get; private set; }

    public IReadOnlyList<ReferenceSolution> ReferenceSolutions => _referenceSolutions;

    public static Problem Create(Guid projectId, string title, string statement, int maxPoints, string? source,
        string? externalId, string? markingScheme, IEnumerable<(string Text, string? Source)> references, DateTimeOffset now)
    {
        var problem = new Problem { Id = Ids.New(), ProjectId = projectId, CreatedAt = now };
        var errors = new ValidationErrors();
        problem.Apply(errors, title, statement, maxPoints, source, externalId, markingScheme, now);
        var index = 0;
        foreach (var (text, refSource) in references)
        {
            var field = $"referenceSolutions[{index}].text";
            errors.Require(!string.IsNullOrWhiteSpace(text), field, "Reference solution text is required.");
            errors.Require((text?.Length ?? 0) <= MaxReferenceLength, field, $"Reference solution is longer than {MaxReferenceLength} characters.");
            problem._referenceSolutions.Add(new ReferenceSolution(problem.Id, index, text ?? "", refSource?.Trim() ?? ""));
            index++;
        }
        errors.ThrowIfAny();
        problem.MarkAuditAction("created");
        return problem;
    }

    public void Update(string? title, string? statement, int? maxPoints, string? source, string? externalId, string? markingScheme,
        bool hasGrades, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        if (maxPoints is { } newMax && newMax != MaxPoints && hasGrades)
        {
            errors.Add("maxPoints", "Max points cannot change once the problem has grades or rubrics.");
        }
        Apply(errors, title ?? Title, statement ?? Statement, maxPoints ?? MaxPoints, source ?? Source,
            externalId ?? ExternalId, markingScheme ?? MarkingScheme, now);
        errors.ThrowIfAny();
    }

    /// <summary>Replaces the reference solutions (used by edits and re-imports).</summary>
    public void ReplaceReferenceSolutions(IEnumerable<(string Text, string? Source)> references, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        var list = references.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            errors.Require(!string.IsNullOrWhiteSpace(list[i].Text), $"referenceSolutions[{i}].text", "Reference solution text is required.");
        }
        errors.ThrowIfAny();
        _referenceSolutions.Clear();
        for (var i = 0; i < list.Count; i++)
        {
            _referenceSolutions.Add(new ReferenceSolution(Id, i, list[i].Text, list[i].Source?.Trim() ?? ""));
        }
        UpdatedAt = now;
    }

    public void Delete(DateTimeOffset now)
    {
        DeletedAt ??= now;
        MarkAuditAction("deleted");
    }

    private void Apply(ValidationErrors errors, string title, string statement, int maxPoints, string? source, string? externalId,
        string? markingScheme, DateTimeOffset now)
    {
        title = (title ?? "").Trim();
        errors.Require(title.Length is > 0 and <= 300, "title", "Title is required (at most 300 characters).");
        errors.Require(!string.IsNullOrWhiteSpace(statement), "statement", "Statement is required.");
        errors.Require((statement?.Length ?? 0) <= MaxStatementLength, "statement", $"Statement is longer than {MaxStatementLength} characters.");
        errors.Require(maxPoints is > 0 and <= Points.MaxAllowedMaxPoints, "maxPoints", $"Max points must be between 1 and {Points.MaxAllowedMaxPoints}.");
        externalId = string.IsNullOrWhiteSpace(externalId) ? null : externalId.Trim();
        errors.Require(externalId is null || externalId.Length <= 200, "externalId", "External id is at most 200 characters.");
        if (errors.Any)
        {
            // A refused update leaves the problem as it was.
            return;
        }
        Title = title;
        Statement = statement ?? "";
        MaxPoints = maxPoints;
        Source = source?.Trim() ?? "";
        ExternalId = externalId;
        MarkingScheme = string.IsNullOrWhiteSpace(markingScheme) ? null : markingScheme;
        UpdatedAt = now;
    }

    internal override string AuditEntityType => "problem";
    internal override Guid? AuditProjectId => ProjectId;
    internal override object AuditSnapshot() => new
    {
        Id, ProjectId, Title, Statement, MaxPoints, Source, ExternalId, MarkingScheme, DeletedAt,
        ReferenceSolutions = _referenceSolutions.Select(r => new { r.Ordinal, r.Text, r.Source }),
    };
}

/// <summary>A reference solution of a problem (a problem may have several, e.g. different approaches).</summary>
public sealed class ReferenceSolution
{
    private ReferenceSolution()
    {
    }

    internal ReferenceSolution(Guid problemId, int ordinal, string text, string source)
    {
        Id = Ids.New();
        ProblemId = problemId;
        Ordinal = ordinal;
        Text = text;
        Source = source;
    }

    public Guid Id { get; private set; }
    public Guid ProblemId { get; private set; }
    public int Ordinal { get; private set; }
    public string Text { get; private set; } = "";
    public string Source { get; private set; } = "";
}
