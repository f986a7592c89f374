using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Rubrics;

/// <summary>Where a rubric version came from.</summary>
public enum RubricOrigin
{
    /// <summary>An official marking scheme (uploaded with the problem or imported).</summary>
    Official = 0,
    /// <summary>Derived from reference solutions by a grading workflow.</summary>
    Derived = 1,
    /// <summary>Written or edited by a person.</summary>
    Manual = 2,
}

/// <summary>Lifecycle: only drafts are edited; approving retires the previously approved version.</summary>
public enum RubricStatus
{
    Draft = 0,
    Approved = 1,
    Retired = 2,
}

/// <summary>The input that defines a rubric's content (shared by create and edit).</summary>
public sealed record RubricContent(IReadOnlyList<RubricItemContent> Items, string? ZeroCredit, IReadOnlyList<RubricDeduction>? Deductions, string? Notes);

/// <summary>One rubric item as supplied by a person or a workflow.</summary>
public sealed record RubricItemContent(string Title, decimal Points, string? Description);

/// <summary>A deduction applied across items (e.g. "−1 for an unjustified but true claim").</summary>
public sealed record RubricDeduction(string Description, decimal Points);

/// <summary>
/// A versioned marking scheme for a problem. Items carry integer or half points and sum to the problem's max
/// points. Grades point at the exact version they used, so approved versions are never edited, only retired.
/// </summary>
public sealed class Rubric : AuditedEntity
{
    private readonly List<RubricItem> _items = [];

    private Rubric()
    {
    }

    public Guid ProjectId { get; private set; }
    public Guid ProblemId { get; private set; }
    /// <summary>1, 2, 3... per problem.</summary>
    public int Version { get; private set; }
    public RubricOrigin Origin { get; private set; }
    public RubricStatus Status { get; private set; }
    /// <summary>What earns zero points.</summary>
    public string ZeroCredit { get; private set; } = "";
    public List<RubricDeduction> Deductions { get; private set; } = [];
    public string Notes { get; private set; } = "";
    /// <summary>For rubrics derived per solution approach (cluster); null for whole-problem rubrics.</summary>
    public string? ApproachKey { get; private set; }
    /// <summary>The grading run that derived this rubric (origin Derived).</summary>
    public Guid? DerivedByRunId { get; private set; }
    public Guid? CreatedById { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public Guid? ApprovedById { get; private set; }
    public DateTimeOffset? ApprovedAt { get; private set; }
    public uint RowVersion { get; private set; }

    public IReadOnlyList<RubricItem> Items => _items;

    public decimal TotalPoints => _items.Sum(i => i.Points);

    /// <summary>Creates a draft version (or an approved official one, see <see cref="CreateOfficial"/>).</summary>
    public static Rubric CreateDraft(Guid projectId, Guid problemId, int version, int maxPoints, RubricOrigin origin,
        RubricContent content, Guid? createdById, DateTimeOffset now, Guid? derivedByRunId = null, string? approachKey = null)
    {
        var rubric = new Rubric
        {
            Id = Ids.New(),
            ProjectId = projectId,
            ProblemId = problemId,
            Version = version,
            Origin = origin,
            Status = RubricStatus.Draft,
            CreatedById = createdById,
            CreatedAt = now,
            DerivedByRunId = derivedByRunId,
            ApproachKey = approachKey,
        };
        rubric.SetContent(content, maxPoints, now);
        rubric.MarkAuditAction("created");
        return rubric;
    }

    /// <summary>An official scheme uploaded with its problem is approved from the start.</summary>
    public static Rubric CreateOfficial(Guid projectId, Guid problemId, int version, int maxPoints, RubricContent content,
        Guid? createdById, DateTimeOffset now)
    {
        var rubric = CreateDraft(projectId, problemId, version, maxPoints, RubricOrigin.Official, content, createdById, now);
        rubric.Status = RubricStatus.Approved;
        rubric.ApprovedById = createdById;
        rubric.ApprovedAt = now;
        return rubric;
    }

    /// <summary>
    /// A version brought over from another project's export, in the state it had there: drafts stay drafts, an approved
    /// version is approved, a retired one retired (and marked as once approved when <paramref name="wasApproved"/>). The
    /// content is validated like any other version; the caller retires whatever this one replaces.
    /// </summary>
    public static Rubric CreateImported(Guid projectId, Guid problemId, int version, int maxPoints, RubricOrigin origin, RubricStatus status,
        bool wasApproved, RubricContent content, string? approachKey, Guid? derivedByRunId, Guid createdById, DateTimeOffset now)
    {
        if (!Enum.IsDefined(status) || !Enum.IsDefined(origin))
        {
            throw new DomainValidationException(Enum.IsDefined(status) ? "origin" : "status", "Unknown rubric origin or status.");
        }
        var rubric = CreateDraft(projectId, problemId, version, maxPoints, origin, content, createdById, now, derivedByRunId,
            string.IsNullOrWhiteSpace(approachKey) ? null : approachKey);
        rubric.Status = status;
        if (status == RubricStatus.Approved || (status == RubricStatus.Retired && wasApproved))
        {
            // A derived version approved without review keeps that fact: nobody is named as its approver.
            rubric.ApprovedById = origin == RubricOrigin.Derived ? null : createdById;
            rubric.ApprovedAt = now;
        }
        rubric.MarkAuditAction("imported");
        return rubric;
    }

    /// <summary>Checks a rubric's content against the problem's max points; throws with every field error found.</summary>
    public static void Validate(RubricContent content, int maxPoints)
    {
        var errors = new ValidationErrors();
        var items = content.Items ?? [];
        errors.Require(items.Count > 0, "items", "A rubric needs at least one item.");
        errors.Require(items.Count <= 50, "items", "A rubric has at most 50 items.");
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            errors.Require(!string.IsNullOrWhiteSpace(item.Title) && item.Title.Trim().Length <= 300, $"items[{i}].title",
                "Title is required (at most 300 characters).");
            errors.Require(item.Points > 0, $"items[{i}].points", "Points must be positive.");
            errors.Require(Common.Points.IsHalfStep(item.Points), $"items[{i}].points", "Points must be whole or half points.");
        }
        var total = items.Sum(i => i.Points);
        if (items.Count > 0 && total != maxPoints)
        {
            errors.Add("items", $"Item points sum to {total:0.##}, but the problem is worth {maxPoints}.");
        }
        var deductions = content.Deductions ?? [];
        for (var i = 0; i < deductions.Count; i++)
        {
            errors.Require(!string.IsNullOrWhiteSpace(deductions[i].Description), $"deductions[{i}].description", "Description is required.");
            errors.Require(deductions[i].Points > 0 && deductions[i].Points <= maxPoints, $"deductions[{i}].points",
                $"A deduction is between 0 (exclusive) and {maxPoints} points.");
        }
        errors.ThrowIfAny();
    }

    /// <summary>Edits a draft. Approved and retired versions are immutable: grades refer to them.</summary>
    public void Edit(RubricContent content, int maxPoints, DateTimeOffset now)
    {
        if (Status != RubricStatus.Draft)
        {
            throw new DomainConflictException($"Rubric version {Version} is {Status.ToString().ToLowerInvariant()}; only drafts can be edited. Create a new version instead.");
        }
        SetContent(content, maxPoints, now);
        if (Origin == RubricOrigin.Derived)
        {
            // A person changed what a workflow derived; the origin says so (the run id is kept).
            Origin = RubricOrigin.Manual;
        }
        MarkAuditAction("edited");
    }

    /// <summary>Approves this draft; the caller passes the currently approved version (if any) to retire it.</summary>
    public void Approve(Guid approverId, Rubric? currentlyApproved, DateTimeOffset now)
    {
        if (Status != RubricStatus.Draft)
        {
            throw new DomainConflictException($"Rubric version {Version} is already {Status.ToString().ToLowerInvariant()}.");
        }
        if (currentlyApproved is not null && currentlyApproved.Id != Id && currentlyApproved.ApproachKey == ApproachKey)
        {
            currentlyApproved.Status = RubricStatus.Retired;
            currentlyApproved.UpdatedAt = now;
            currentlyApproved.MarkAuditAction("retired");
        }
        Status = RubricStatus.Approved;
        ApprovedById = approverId;
        ApprovedAt = now;
        UpdatedAt = now;
        MarkAuditAction("approved");
    }

    /// <summary>
    /// Approves a rubric a grading run derived, without a person (the run did not ask for review). Only drafts of origin
    /// Derived qualify; <see cref="ApprovedById"/> stays null, which is how the record shows nobody reviewed it.
    /// </summary>
    public void ApproveAsDerived(Rubric? currentlyApproved, DateTimeOffset now)
    {
        if (Status != RubricStatus.Draft || Origin != RubricOrigin.Derived)
        {
            throw new DomainConflictException($"Rubric version {Version} is not a derived draft.");
        }
        if (currentlyApproved is not null && currentlyApproved.Id != Id && currentlyApproved.ApproachKey == ApproachKey)
        {
            currentlyApproved.Retire(now);
        }
        Status = RubricStatus.Approved;
        ApprovedById = null;
        ApprovedAt = now;
        UpdatedAt = now;
        MarkAuditAction("approved");
    }

    public void Retire(DateTimeOffset now)
    {
        if (Status == RubricStatus.Retired)
        {
            return;
        }
        Status = RubricStatus.Retired;
        UpdatedAt = now;
        MarkAuditAction("retired");
    }

    private void SetContent(RubricContent content, int maxPoints, DateTimeOffset now)
    {
        Validate(content, maxPoints);
        // Items keep their ids where the ordinal survives, so an edit of a draft does not orphan anything.
        var existing = _items.OrderBy(i => i.Ordinal).ToList();
        _items.Clear();
        for (var i = 0; i < content.Items.Count; i++)
        {
            var source = content.Items[i];
            var item = i < existing.Count ? existing[i] : new RubricItem(Id, i);
            item.Set(source.Title.Trim(), source.Points, source.Description?.Trim() ?? "");
            _items.Add(item);
        }
        ZeroCredit = content.ZeroCredit?.Trim() ?? "";
        Deductions = [.. content.Deductions ?? []];
        Notes = content.Notes?.Trim() ?? "";
        UpdatedAt = now;
    }

    internal override string AuditEntityType => "rubric";
    internal override Guid? AuditProjectId => ProjectId;
    internal override object AuditSnapshot() => new
    {
        Id, ProblemId, Version, Origin = Origin.ToString(), Status = Status.ToString(), ZeroCredit, Deductions, Notes, ApproachKey,
        Items = _items.OrderBy(i => i.Ordinal).Select(i => new { i.Id, i.Ordinal, i.Title, i.Points, i.Description }),
    };
}

/// <summary>One item of a rubric: what earns its points.</summary>
public sealed class RubricItem
{
    private RubricItem()
    {
    }

    internal RubricItem(Guid rubricId, int ordinal)
    {
        Id = Ids.New();
        RubricId = rubricId;
        Ordinal = ordinal;
    }

    public Guid Id { get; private set; }
    public Guid RubricId { get; private set; }
    public int Ordinal { get; private set; }
    public string Title { get; private set; } = "";
    public decimal Points { get; private set; }
    public string Description { get; private set; } = "";

    internal void Set(string title, decimal points, string description)
    {
        Title = title;
        Points = points;
        Description = description;
    }
}
