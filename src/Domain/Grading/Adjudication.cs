using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Grading;

/// <summary>Kinds of grade an adjudication can rest on.</summary>
public enum GradeSourceKind
{
    Human = 0,
    Model = 1,
}

/// <summary>A grade an adjudicator considered.</summary>
public sealed record GradeReference(GradeSourceKind Kind, Guid GradeId);

/// <summary>The final grade of a solution: who decided, why, and from which grades. One per solution, revised in place.</summary>
public sealed class Adjudication : AuditedEntity
{
    public const int MaxRationaleLength = 20_000;

    private Adjudication()
    {
    }

    public Guid ProjectId { get; private set; }
    public Guid SolutionId { get; private set; }
    public decimal Points { get; private set; }
    public string Rationale { get; private set; } = "";
    public Guid AdjudicatorId { get; private set; }
    public List<GradeReference> BasedOn { get; private set; } = [];
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public uint RowVersion { get; private set; }

    public static Adjudication Create(Guid projectId, Guid solutionId, int maxPoints, decimal points, string? rationale,
        IEnumerable<GradeReference> basedOn, Guid adjudicatorId, DateTimeOffset now)
    {
        var adjudication = new Adjudication { Id = Ids.New(), ProjectId = projectId, SolutionId = solutionId, CreatedAt = now };
        adjudication.Set(maxPoints, points, rationale, basedOn, adjudicatorId, now);
        adjudication.MarkAuditAction("created");
        return adjudication;
    }

    public void Revise(int maxPoints, decimal points, string? rationale, IEnumerable<GradeReference> basedOn, Guid adjudicatorId, DateTimeOffset now)
    {
        Set(maxPoints, points, rationale, basedOn, adjudicatorId, now);
        MarkAuditAction("revised");
    }

    private void Set(int maxPoints, decimal points, string? rationale, IEnumerable<GradeReference> basedOn, Guid adjudicatorId, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        errors.Require(points >= 0 && points <= maxPoints, "points", $"Points must be between 0 and {maxPoints}.");
        errors.Require(Common.Points.IsHalfStep(points), "points", "Points must be whole or half points.");
        errors.Require(!string.IsNullOrWhiteSpace(rationale), "rationale", "An adjudication needs a rationale.");
        errors.Require((rationale?.Length ?? 0) <= MaxRationaleLength, "rationale", $"Rationale is at most {MaxRationaleLength} characters.");
        errors.ThrowIfAny();
        Points = points;
        Rationale = rationale!.Trim();
        BasedOn = [.. basedOn.Distinct()];
        AdjudicatorId = adjudicatorId;
        UpdatedAt = now;
    }

    internal override string AuditEntityType => "adjudication";
    internal override Guid? AuditProjectId => ProjectId;
    internal override Guid? AuditSolutionId => SolutionId;
    internal override object AuditSnapshot() => new { Id, SolutionId, Points, Rationale, AdjudicatorId, BasedOn };
}

/// <summary>How much human evidence stands behind a solution's grade (exports mark every record with it).</summary>
public enum EvidenceLevel
{
    None = 0,
    ModelOnly = 1,
    OneHuman = 2,
    TwoHumans = 3,
    Adjudicated = 4,
}

/// <summary>Derives the evidence level from what exists.</summary>
public static class Evidence
{
    public static EvidenceLevel Level(int modelGrades, int humanGrades, bool adjudicated) => adjudicated
        ? EvidenceLevel.Adjudicated
        : humanGrades >= 2 ? EvidenceLevel.TwoHumans
        : humanGrades == 1 ? EvidenceLevel.OneHuman
        : modelGrades > 0 ? EvidenceLevel.ModelOnly
        : EvidenceLevel.None;
}
