using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Grading;

/// <summary>
/// An adjudicated solution an Adjudicator set aside as a known answer: it enters graders' review queues like any other,
/// and each grader's grade of it is compared with the adjudicated points. One row per solution, switched on and off;
/// every switch is an audit event, so the history of who marked and unmarked it stays. The events name no solution on
/// purpose: the solution's own history is open to Graders, and gold items must not announce themselves to them.
/// </summary>
public sealed class GoldItem : AuditedEntity
{
    public const int MaxNoteLength = 2_000;

    private GoldItem()
    {
    }

    public Guid ProjectId { get; private set; }
    public Guid SolutionId { get; private set; }
    /// <summary>Whether the solution is gold now (false once unmarked; marking it again switches it back on).</summary>
    public bool Active { get; private set; }
    public string Note { get; private set; } = "";
    public Guid MarkedById { get; private set; }
    public DateTimeOffset MarkedAt { get; private set; }
    public Guid? UnmarkedById { get; private set; }
    public DateTimeOffset? UnmarkedAt { get; private set; }

    /// <summary>Marks a solution as gold; only an adjudicated solution has the known answer gold needs.</summary>
    public static GoldItem Mark(Guid projectId, Guid solutionId, bool adjudicated, string? note, Guid by, DateTimeOffset now)
    {
        var item = new GoldItem { Id = Ids.New(), ProjectId = projectId, SolutionId = solutionId };
        item.Remark(adjudicated, note, by, now);
        return item;
    }

    /// <summary>Switches a gold item (back) on, with a new note.</summary>
    public void Remark(bool adjudicated, string? note, Guid by, DateTimeOffset now)
    {
        if (!adjudicated)
        {
            throw new DomainConflictException("Only an adjudicated solution can be gold: adjudicate it first.");
        }
        var errors = new ValidationErrors();
        errors.Require((note?.Length ?? 0) <= MaxNoteLength, "note", $"Note is at most {MaxNoteLength} characters.");
        errors.ThrowIfAny();
        Active = true;
        Note = note?.Trim() ?? "";
        MarkedById = by;
        MarkedAt = now;
        UnmarkedById = null;
        UnmarkedAt = null;
        MarkAuditAction("marked");
    }

    /// <summary>Takes the solution out of the gold set; grades already given stay, they simply stop counting as gold.</summary>
    public void Unmark(Guid by, DateTimeOffset now)
    {
        if (!Active)
        {
            return;
        }
        Active = false;
        UnmarkedById = by;
        UnmarkedAt = now;
        MarkAuditAction("unmarked");
    }

    internal override string AuditEntityType => "goldItem";
    internal override Guid? AuditProjectId => ProjectId;
    internal override object AuditSnapshot() => new { Id, SolutionId, Active, Note, MarkedById, MarkedAt, UnmarkedById, UnmarkedAt };
}
