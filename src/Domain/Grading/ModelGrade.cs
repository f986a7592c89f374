using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Grading;

/// <summary>Whether a model's verdict passed validation.</summary>
public enum ModelGradeStatus
{
    /// <summary>Validated: counts as a grade.</summary>
    Valid = 0,
    /// <summary>Failed validation or could not be produced; kept with its raw output for a person to look at. Never counted.</summary>
    NeedsAttention = 1,
    /// <summary>
    /// A well-formed verdict that carries findings and a summary but no total (e.g. an imported judge that only lists
    /// issues). Its findings count; it has no points, so it never enters score agreement.
    /// </summary>
    Unscored = 2,
}

/// <summary>One model's points for one rubric item, with its reason.</summary>
public sealed record ModelItemAwardInput(Guid? RubricItemId, string Title, decimal Points, decimal? MaxPoints, string? Reason);

/// <summary>One error a model reports, as it reported it (the span is located by <see cref="QuoteLocator"/>).</summary>
public sealed record ModelFindingInput(string? ErrorType, string? Category, Severity Severity, string? Quote, string? Location,
    string? Explanation, int? HintStart, int? HintEnd);

/// <summary>
/// One grading workflow's verdict on one solution (or a verdict imported from elsewhere, e.g. a corpus's own judge):
/// total, per-item awards with reasons, findings with located spans, rationale, and provenance. Grading runs, stage
/// calls and sampling attach to it through <see cref="RunId"/> and <see cref="Provenance"/>.
/// </summary>
public sealed class ModelGrade : AuditedEntity
{
    private readonly List<ModelGradeItem> _items = [];
    private readonly List<ModelFinding> _findings = [];

    private ModelGrade()
    {
    }

    public Guid ProjectId { get; private set; }
    public Guid SolutionId { get; private set; }
    /// <summary>The grading run that produced it; null for imported verdicts.</summary>
    public Guid? RunId { get; private set; }
    /// <summary>The workflow (e.g. <c>five-stage</c>) or the import source (e.g. <c>opc-judge</c>).</summary>
    public string Source { get; private set; } = "";
    /// <summary>The model id as the endpoint named it.</summary>
    public string Model { get; private set; } = "";
    public Guid? RubricId { get; private set; }
    /// <summary>Null when the verdict has no usable total (NeedsAttention) or none at all (Unscored).</summary>
    public decimal? Points { get; private set; }
    public int MaxPoints { get; private set; }
    public ModelGradeStatus Status { get; private set; }
    public string StatusReason { get; private set; } = "";
    public string Summary { get; private set; } = "";
    public string Rationale { get; private set; } = "";
    /// <summary>The model's output exactly as received (JSON or text), kept beside the parsed result.</summary>
    public string RawOutput { get; private set; } = "";
    /// <summary>Provenance as JSON: prompt names and hashes, model settings, import file and record, sample index...</summary>
    public string Provenance { get; private set; } = "{}";
    /// <summary>External identity for imports (so re-importing changes nothing).</summary>
    public string? ExternalId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    public IReadOnlyList<ModelGradeItem> Items => _items;
    public IReadOnlyList<ModelFinding> Findings => _findings;

    /// <summary>
    /// A validated verdict. Points within 0..max in half steps; item awards within their bounds and, when present,
    /// summing to the total. Findings are placed on <paramref name="solutionText"/>.
    /// </summary>
    public static ModelGrade CreateValid(Guid projectId, Guid solutionId, string solutionText, int maxPoints, string source, string model,
        Guid? runId, Guid? rubricId, decimal points, IReadOnlyList<ModelItemAwardInput> items, IReadOnlyList<ModelFindingInput> findings,
        string? summary, string? rationale, string rawOutput, string provenance, string? externalId, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        errors.Require(points >= 0 && points <= maxPoints, "points", $"Points must be between 0 and {maxPoints}.");
        errors.Require(Common.Points.IsHalfStep(points), "points", "Points must be whole or half points.");
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            errors.Require(item.Points >= 0 && (item.MaxPoints is null || item.Points <= item.MaxPoints), $"items[{i}].points",
                $"Award for '{item.Title}' is outside 0..{item.MaxPoints:0.##}.");
        }
        if (items.Count > 0 && rubricId is not null)
        {
            var sum = items.Sum(i => i.Points);
            errors.Require(sum == points, "points", $"Total {points:0.##} does not equal the sum of item awards {sum:0.##}.");
        }
        errors.ThrowIfAny();
        var grade = New(projectId, solutionId, maxPoints, source, model, runId, rubricId, rawOutput, provenance, externalId, now);
        grade.Points = points;
        grade.Status = ModelGradeStatus.Valid;
        grade.Summary = summary?.Trim() ?? "";
        grade.Rationale = rationale?.Trim() ?? "";
        foreach (var item in items)
        {
            grade._items.Add(new ModelGradeItem(grade.Id, item));
        }
        foreach (var finding in findings)
        {
            grade._findings.Add(ModelFinding.Place(grade, solutionText, finding));
        }
        grade.MarkAuditAction("created");
        return grade;
    }

    /// <summary>
    /// A verdict without a total: findings (placed on <paramref name="solutionText"/>) and a summary only. Used when the
    /// source never scored the solution; inventing a score would corrupt agreement figures.
    /// </summary>
    public static ModelGrade CreateUnscored(Guid projectId, Guid solutionId, string solutionText, int maxPoints, string source, string model,
        Guid? runId, IReadOnlyList<ModelFindingInput> findings, string? summary, string rawOutput, string provenance, string? externalId,
        DateTimeOffset now)
    {
        var grade = New(projectId, solutionId, maxPoints, source, model, runId, null, rawOutput, provenance, externalId, now);
        grade.Status = ModelGradeStatus.Unscored;
        grade.Summary = summary?.Trim() ?? "";
        foreach (var finding in findings)
        {
            grade._findings.Add(ModelFinding.Place(grade, solutionText, finding));
        }
        grade.MarkAuditAction("created");
        return grade;
    }

    /// <summary>A verdict that failed validation: kept raw with the reason, never counted as a grade.</summary>
    public static ModelGrade CreateNeedsAttention(Guid projectId, Guid solutionId, int maxPoints, string source, string model, Guid? runId,
        string reason, string rawOutput, string provenance, string? externalId, DateTimeOffset now)
    {
        var grade = New(projectId, solutionId, maxPoints, source, model, runId, null, rawOutput, provenance, externalId, now);
        grade.Status = ModelGradeStatus.NeedsAttention;
        grade.StatusReason = reason;
        grade.MarkAuditAction("needsAttention");
        return grade;
    }

    private static ModelGrade New(Guid projectId, Guid solutionId, int maxPoints, string source, string model, Guid? runId, Guid? rubricId,
        string rawOutput, string provenance, string? externalId, DateTimeOffset now) => new()
    {
        Id = Ids.New(),
        ProjectId = projectId,
        SolutionId = solutionId,
        MaxPoints = maxPoints,
        Source = source,
        Model = model,
        RunId = runId,
        RubricId = rubricId,
        RawOutput = rawOutput,
        Provenance = provenance,
        ExternalId = externalId,
        CreatedAt = now,
    };

    internal override string AuditEntityType => "modelGrade";
    internal override Guid? AuditProjectId => ProjectId;
    internal override Guid? AuditSolutionId => SolutionId;
    internal override object AuditSnapshot() => new
    {
        Id, SolutionId, RunId, Source, Model, RubricId, Points, Status = Status.ToString(), StatusReason,
        Items = _items.Count, Findings = _findings.Count,
    };
}

/// <summary>A model's award for one rubric item (or a named part of a scheme without ids).</summary>
public sealed class ModelGradeItem
{
    private ModelGradeItem()
    {
    }

    internal ModelGradeItem(Guid gradeId, ModelItemAwardInput input)
    {
        Id = Ids.New();
        ModelGradeId = gradeId;
        RubricItemId = input.RubricItemId;
        Title = input.Title;
        Points = input.Points;
        MaxPoints = input.MaxPoints;
        Reason = input.Reason?.Trim() ?? "";
    }

    public Guid Id { get; private set; }
    public Guid ModelGradeId { get; private set; }
    public Guid? RubricItemId { get; private set; }
    public string Title { get; private set; } = "";
    public decimal Points { get; private set; }
    public decimal? MaxPoints { get; private set; }
    public string Reason { get; private set; } = "";
}

/// <summary>
/// An error a model reported, with the span the portal located for its quote. People accept or reject it
/// (accepting is a review of the model, not a new annotation of their own).
/// </summary>
public sealed class ModelFinding : AuditedEntity
{
    private ModelFinding()
    {
    }

    public Guid ProjectId { get; private set; }
    public Guid ModelGradeId { get; private set; }
    public Guid SolutionId { get; private set; }
    /// <summary>A taxonomy identifier when the model's category maps to one; null otherwise.</summary>
    public string? ErrorType { get; private set; }
    /// <summary>The category exactly as the source named it.</summary>
    public string Category { get; private set; } = "";
    public Severity Severity { get; private set; }
    public string Quote { get; private set; } = "";
    public string Location { get; private set; } = "";
    public string Explanation { get; private set; } = "";
    public int? Start { get; private set; }
    public int? End { get; private set; }
    public SpanMatch SpanMatch { get; private set; }
    public double SpanConfidence { get; private set; }
    /// <summary>Offsets the source supplied, kept even when they disagreed with the quote.</summary>
    public int? ClaimedStart { get; private set; }
    public int? ClaimedEnd { get; private set; }
    public Solutions.AnnotationReview Review { get; private set; }
    public Guid? ReviewedById { get; private set; }
    public DateTimeOffset? ReviewedAt { get; private set; }

    internal static ModelFinding Place(ModelGrade grade, string solutionText, ModelFindingInput input)
    {
        var span = QuoteLocator.Locate(solutionText, input.Quote, input.HintStart, input.HintEnd);
        return new ModelFinding
        {
            Id = Ids.New(),
            ProjectId = grade.ProjectId,
            ModelGradeId = grade.Id,
            SolutionId = grade.SolutionId,
            ErrorType = input.ErrorType,
            Category = input.Category ?? input.ErrorType ?? "",
            Severity = input.Severity,
            Quote = input.Quote ?? "",
            Location = input.Location ?? "",
            Explanation = input.Explanation ?? "",
            Start = span.Match == SpanMatch.None ? null : span.Start,
            End = span.Match == SpanMatch.None ? null : span.End,
            SpanMatch = span.Match,
            SpanConfidence = span.Confidence,
            ClaimedStart = input.HintStart,
            ClaimedEnd = input.HintEnd,
            Review = Solutions.AnnotationReview.Proposed,
        };
    }

    /// <summary>A person agrees or disagrees with the finding.</summary>
    public void ReviewBy(Guid reviewerId, bool accept, DateTimeOffset now)
    {
        Review = accept ? Solutions.AnnotationReview.Accepted : Solutions.AnnotationReview.Rejected;
        ReviewedById = reviewerId;
        ReviewedAt = now;
        MarkAuditAction(accept ? "accepted" : "rejected");
    }

    internal override bool AuditCreation => false;
    internal override string AuditEntityType => "modelFinding";
    internal override Guid? AuditProjectId => ProjectId;
    internal override Guid? AuditSolutionId => SolutionId;
    internal override object AuditSnapshot() => new { Id, ModelGradeId, ErrorType, Category, Severity = Severity.ToString(), Start, End, Review = Review.ToString() };
}
