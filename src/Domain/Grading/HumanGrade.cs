using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Common;
using GradingPortal.Domain.Rubrics;

namespace GradingPortal.Domain.Grading;

/// <summary>A person's points for one rubric item, with an optional reason.</summary>
public sealed record ItemAwardInput(Guid RubricItemId, decimal Points, string? Comment);

/// <summary>
/// One person's grade of a solution: total points, optional per-item awards against an exact rubric version,
/// comment, and whether it was given blind (without seeing other grades). One per person per solution; edits
/// are optimistic (a stale edit is refused, nothing is overwritten).
/// </summary>
public sealed class HumanGrade : AuditedEntity
{
    public const int MaxCommentLength = 20_000;

    private readonly List<HumanGradeItem> _items = [];

    private HumanGrade()
    {
    }

    public Guid ProjectId { get; private set; }
    public Guid SolutionId { get; private set; }
    public Guid GraderId { get; private set; }
    /// <summary>The rubric version the awards refer to; null when graded on the total only.</summary>
    public Guid? RubricId { get; private set; }
    public decimal Points { get; private set; }
    public string Comment { get; private set; } = "";
    public bool GivenBlind { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public uint RowVersion { get; private set; }

    public IReadOnlyList<HumanGradeItem> Items => _items;

    public static HumanGrade Create(Guid projectId, Guid solutionId, Guid graderId, int maxPoints, decimal points,
        Rubric? rubric, IReadOnlyList<ItemAwardInput>? items, string? comment, bool givenBlind, DateTimeOffset now)
    {
        var grade = new HumanGrade
        {
            Id = Ids.New(),
            ProjectId = projectId,
            SolutionId = solutionId,
            GraderId = graderId,
            CreatedAt = now,
            GivenBlind = givenBlind,
        };
        grade.Set(maxPoints, points, rubric, items, comment, now);
        grade.MarkAuditAction("created");
        return grade;
    }

    /// <summary>
    /// Replaces the grade's content. <paramref name="stillBlind"/> says whether this revision, too, was made without
    /// sight of other grades (<see cref="BlindPolicy.RevisionIsBlind"/>); a revision that was not clears the flag for
    /// good, while the audit trail keeps the blind original.
    /// </summary>
    public void Revise(int maxPoints, decimal points, Rubric? rubric, IReadOnlyList<ItemAwardInput>? items, string? comment, bool stillBlind,
        DateTimeOffset now)
    {
        Set(maxPoints, points, rubric, items, comment, now);
        GivenBlind = GivenBlind && stillBlind;
        MarkAuditAction("revised");
    }

    private void Set(int maxPoints, decimal points, Rubric? rubric, IReadOnlyList<ItemAwardInput>? items, string? comment, DateTimeOffset now)
    {
        GradeRules.ValidateAwards(maxPoints, points, rubric, items);
        var errors = new ValidationErrors();
        errors.Require((comment?.Length ?? 0) <= MaxCommentLength, "comment", $"Comment is at most {MaxCommentLength} characters.");
        errors.ThrowIfAny();

        Points = points;
        Comment = comment?.Trim() ?? "";
        RubricId = items is { Count: > 0 } ? rubric!.Id : null;
        _items.Clear();
        if (items is { Count: > 0 })
        {
            foreach (var item in items)
            {
                _items.Add(new HumanGradeItem(Id, item.RubricItemId, item.Points, item.Comment?.Trim() ?? ""));
            }
        }
        UpdatedAt = now;
    }

    internal override string AuditEntityType => "humanGrade";
    internal override Guid? AuditProjectId => ProjectId;
    internal override Guid? AuditSolutionId => SolutionId;
    internal override object AuditSnapshot() => new
    {
        Id, SolutionId, GraderId, RubricId, Points, Comment, GivenBlind,
        Items = _items.Select(i => new { i.RubricItemId, i.Points, i.Comment }),
    };
}

/// <summary>A person's award for one rubric item.</summary>
public sealed class HumanGradeItem
{
    private HumanGradeItem()
    {
    }

    internal HumanGradeItem(Guid humanGradeId, Guid rubricItemId, decimal points, string comment)
    {
        Id = Ids.New();
        HumanGradeId = humanGradeId;
        RubricItemId = rubricItemId;
        Points = points;
        Comment = comment;
    }

    public Guid Id { get; private set; }
    public Guid HumanGradeId { get; private set; }
    public Guid RubricItemId { get; private set; }
    public decimal Points { get; private set; }
    public string Comment { get; private set; } = "";
}

/// <summary>Rules every grade obeys, whoever (person or model) gives it.</summary>
public static class GradeRules
{
    /// <summary>
    /// Total within 0..max in half points; when item awards are given they cover every item of the rubric exactly once,
    /// each within 0..item points, and the total equals their sum.
    /// </summary>
    public static void ValidateAwards(int maxPoints, decimal points, Rubric? rubric, IReadOnlyList<ItemAwardInput>? items)
    {
        var errors = new ValidationErrors();
        errors.Require(points >= 0 && points <= maxPoints, "points", $"Points must be between 0 and {maxPoints}.");
        errors.Require(Common.Points.IsHalfStep(points), "points", "Points must be whole or half points.");
        if (items is { Count: > 0 })
        {
            if (rubric is null)
            {
                errors.Add("items", "Item awards need a rubric; this problem has no approved rubric.");
            }
            else
            {
                var byId = rubric.Items.ToDictionary(i => i.Id);
                var seen = new HashSet<Guid>();
                for (var i = 0; i < items.Count; i++)
                {
                    var award = items[i];
                    if (!byId.TryGetValue(award.RubricItemId, out var rubricItem))
                    {
                        errors.Add($"items[{i}].rubricItemId", $"Item is not part of rubric version {rubric.Version}.");
                        continue;
                    }
                    if (!seen.Add(award.RubricItemId))
                    {
                        errors.Add($"items[{i}].rubricItemId", "Item is awarded twice.");
                    }
                    errors.Require(award.Points >= 0 && award.Points <= rubricItem.Points, $"items[{i}].points",
                        $"Points for '{rubricItem.Title}' must be between 0 and {rubricItem.Points:0.##}.");
                    errors.Require(Common.Points.IsHalfStep(award.Points), $"items[{i}].points", "Points must be whole or half points.");
                }
                var missing = rubric.Items.Where(ri => !seen.Contains(ri.Id)).Select(ri => ri.Title).ToList();
                if (missing.Count > 0)
                {
                    errors.Add("items", $"Every rubric item needs an award; missing: {string.Join(", ", missing)}.");
                }
                var sum = items.Sum(i => i.Points);
                errors.Require(sum == points, "points", $"Total {points:0.##} does not equal the sum of item awards {sum:0.##}.");
            }
        }
        errors.ThrowIfAny();
    }
}
