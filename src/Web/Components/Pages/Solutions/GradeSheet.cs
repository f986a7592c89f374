using System.Globalization;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;

namespace GradingPortal.Web.Components.Pages.Solutions;

/// <summary>One rubric item of the grade being written: what it is worth and what the grader typed.</summary>
public sealed class SheetItem(Guid id, string title, string? description, decimal max)
{
    public Guid Id { get; } = id;
    public string Title { get; } = title;
    public string? Description { get; } = description;
    public decimal Max { get; } = max;
    public decimal? Points { get; set; }
    public string Comment { get; set; } = "";

    public bool OverMax => Points > Max;
}

/// <summary>
/// The grade form's state and arithmetic, apart from rendering so it can be tested on its own: per-item awards in
/// half points, the running total, and the keys that set the focused item (a digit, then optionally ".5").
/// </summary>
public sealed class GradeSheet
{
    private int? _lastSet;
    private bool _halfArmed;

    public GradeSheet(int maxPoints, IReadOnlyList<SheetItem> items)
    {
        MaxPoints = maxPoints;
        Items = items;
    }

    public int MaxPoints { get; }

    /// <summary>Rubric items in order; empty when the problem has no approved rubric (then <see cref="Points"/> is the grade).</summary>
    public IReadOnlyList<SheetItem> Items { get; }

    public bool HasRubric => Items.Count > 0;

    /// <summary>The single total, used only without a rubric.</summary>
    public decimal? Points { get; set; }

    public string Comment { get; set; } = "";

    /// <summary>The row version of the caller's grade this sheet was filled from (null: no grade yet).</summary>
    public int? RowVersion { get; init; }

    public decimal Total => HasRubric ? Items.Sum(i => i.Points ?? 0) : Points ?? 0;

    public int Blanks => HasRubric ? Items.Count(i => i.Points is null) : Points is null ? 1 : 0;

    public bool OverMax => Total > MaxPoints || Items.Any(i => i.OverMax);

    /// <summary>Every item awarded, nothing above its maximum: the grade can be sent.</summary>
    public bool Complete => Blanks == 0 && !OverMax;

    /// <summary>The sheet for a solution: its approved rubric's items, filled from the caller's grade when it used that rubric.</summary>
    public static GradeSheet For(SolutionResponse solution)
    {
        var rubric = solution.Rubric;
        var mine = solution.MyGrade;
        var items = (rubric?.Items ?? []).OrderBy(i => i.Ordinal)
            .Select(i => new SheetItem(i.Id, i.Title, i.Description, i.Points))
            .ToList();
        if (mine is not null && rubric is not null && mine.RubricId == rubric.Id)
        {
            foreach (var item in items)
            {
                if (mine.Items.FirstOrDefault(a => a.RubricItemId == item.Id) is { } award)
                {
                    item.Points = award.Points;
                    item.Comment = award.Comment ?? "";
                }
            }
        }
        return new GradeSheet(solution.Problem.MaxPoints, items)
        {
            Points = mine is null || items.Count > 0 ? null : mine.Points,
            Comment = mine?.Comment ?? "",
            RowVersion = mine?.RowVersion,
        };
    }

    /// <summary>
    /// A key pressed on the grade form. A digit gives the focused item that many points (capped at its maximum) and
    /// moves on; "." followed by "5" adds half a point to the item just set (or the focused one). Returns the item to
    /// focus next, or null when the key did nothing.
    /// </summary>
    public int? Key(string key, int? focused)
    {
        if (key == ".")
        {
            _halfArmed = _lastSet is not null || focused is not null;
            return _halfArmed ? focused ?? _lastSet : null;
        }
        if (key.Length != 1 || !char.IsAsciiDigit(key[0]))
        {
            _halfArmed = false;
            return null;
        }
        var digit = key[0] - '0';
        if (_halfArmed && digit == 5 && (_lastSet ?? focused) is { } halfTarget && halfTarget < Items.Count)
        {
            _halfArmed = false;
            var item = Items[halfTarget];
            item.Points = Math.Min(Math.Floor(item.Points ?? 0) + 0.5m, item.Max);
            return focused;
        }
        _halfArmed = false;
        if (focused is not { } index || index < 0 || index >= Items.Count)
        {
            return null;
        }
        Items[index].Points = Math.Min(digit, Items[index].Max);
        _lastSet = index;
        return index + 1 < Items.Count ? index + 1 : index;
    }

    /// <summary>The request the Api expects: with a rubric the total is the sum of the awards.</summary>
    public SubmitHumanGradeRequest ToRequest(int? rowVersion) => new()
    {
        Points = Total,
        Items = HasRubric ? [.. Items.Where(i => i.Points is not null)
            .Select(i => new ItemAwardDto { RubricItemId = i.Id, Points = i.Points!.Value, Comment = Format.Blank(i.Comment) })] : null,
        Comment = Format.Blank(Comment),
        RowVersion = rowVersion,
    };
}
