using System.Globalization;
using GradingPortal.Web.ApiClient;

namespace GradingPortal.Web.Components.Pages.Problems;

/// <summary>One rubric item as the editor holds it: loosely typed, so a row with mistakes stays exactly as typed.</summary>
public sealed class RubricItemRow
{
    public string? Title { get; set; }
    public decimal? Points { get; set; }
    public string? Description { get; set; }

    /// <summary>A row nobody has written anything in is left out when saving (the editor starts with an empty one).</summary>
    public bool IsBlank => string.IsNullOrWhiteSpace(Title) && Points is null && string.IsNullOrWhiteSpace(Description);
}

/// <summary>One deduction ("−1 for a computation slip") as the editor holds it.</summary>
public sealed class DeductionRow
{
    public string? Description { get; set; }
    public decimal? Points { get; set; }

    public bool IsBlank => string.IsNullOrWhiteSpace(Description) && Points is null;
}

/// <summary>How the items' total compares with the problem's maximum (the Api wants them equal).</summary>
public enum TotalState
{
    Equal,
    Under,
    Over,
}

/// <summary>
/// A rubric being edited: items and deductions, the running total, and the Api's own rules checked as the person types
/// (the Api checks them again and has the last word). Plain C#, so the arithmetic is tested without a circuit.
/// </summary>
public sealed class RubricDraft
{
    /// <summary>The Api's limit on items per rubric.</summary>
    public const int MaxItems = 50;

    public List<RubricItemRow> Items { get; } = [];
    public List<DeductionRow> Deductions { get; } = [];
    public string? ZeroCredit { get; set; }
    public string? Notes { get; set; }

    /// <summary>The sum of the items' points (rows without points count as zero).</summary>
    public decimal Total => Items.Sum(i => i.Points ?? 0m);

    public TotalState Compare(int maxPoints) => Total == maxPoints ? TotalState.Equal : Total < maxPoints ? TotalState.Under : TotalState.Over;

    /// <summary>The line under the items: "Total 6.5 of 7 points · 0.5 to go".</summary>
    public string TotalText(int maxPoints)
    {
        var text = $"Total {Points(Total)} of {maxPoints} points";
        return Compare(maxPoints) switch
        {
            TotalState.Under => $"{text} · {Points(maxPoints - Total)} to go",
            TotalState.Over => $"{text} · {Points(Total - maxPoints)} too many",
            _ => text,
        };
    }

    public static RubricDraft From(RubricResponse? rubric)
    {
        var draft = new RubricDraft { ZeroCredit = rubric?.ZeroCredit, Notes = rubric?.Notes };
        if (rubric is not null)
        {
            draft.Items.AddRange(rubric.Items.OrderBy(i => i.Ordinal).Select(i => new RubricItemRow
            {
                Title = i.Title,
                Points = i.Points,
                Description = string.IsNullOrEmpty(i.Description) ? null : i.Description,
            }));
            draft.Deductions.AddRange(rubric.Deductions.Select(d => new DeductionRow { Description = d.Description, Points = d.Points }));
        }
        if (draft.Items.Count == 0)
        {
            draft.Items.Add(new RubricItemRow());
        }
        return draft;
    }

    public bool CanAddItem => Items.Count < MaxItems;

    public void AddItem()
    {
        if (CanAddItem)
        {
            Items.Add(new RubricItemRow());
        }
    }

    public void AddDeduction() => Deductions.Add(new DeductionRow());

    /// <summary>Moves a row up (-1) or down (+1); a move past either end does nothing.</summary>
    public static bool Move<T>(List<T> rows, int index, int by)
    {
        var target = index + by;
        if (index < 0 || index >= rows.Count || target < 0 || target >= rows.Count)
        {
            return false;
        }
        (rows[index], rows[target]) = (rows[target], rows[index]);
        return true;
    }

    /// <summary>The Api's rule for an item's points, or null when they pass.</summary>
    public static string? ItemPointsError(decimal? points) => points switch
    {
        null => null,
        <= 0 => "Points must be positive.",
        _ when decimal.Remainder(points.Value * 2, 1m) != 0m => "Points must be whole or half points.",
        _ => null,
    };

    /// <summary>The Api's rule for a deduction's points, or null when they pass.</summary>
    public static string? DeductionPointsError(decimal? points, int maxPoints) =>
        points is { } p && (p <= 0 || p > maxPoints) ? $"A deduction is between 0 (exclusive) and {maxPoints} points." : null;

    /// <summary>The rows that are sent, with their index in the editor: the Api's errors name the index it received.</summary>
    public IReadOnlyList<int> SentItems() => Enumerable.Range(0, Items.Count).Where(i => !Items[i].IsBlank).ToList();

    public IReadOnlyList<int> SentDeductions() => Enumerable.Range(0, Deductions.Count).Where(i => !Deductions[i].IsBlank).ToList();

    /// <summary>Nothing typed anywhere: a new problem then gets no rubric at all.</summary>
    public bool IsEmpty => SentItems().Count == 0 && SentDeductions().Count == 0 && string.IsNullOrWhiteSpace(ZeroCredit) && string.IsNullOrWhiteSpace(Notes);

    public List<RubricItemInput> ItemInputs() => SentItems().Select(i => Items[i]).Select(i => new RubricItemInput
    {
        Title = i.Title?.Trim() ?? "",
        Points = i.Points ?? 0m,
        Description = string.IsNullOrWhiteSpace(i.Description) ? null : Lines(i.Description.Trim()),
    }).ToList();

    public List<DeductionDto> DeductionInputs() => SentDeductions().Select(i => Deductions[i]).Select(d => new DeductionDto
    {
        Description = d.Description?.Trim() ?? "",
        Points = d.Points ?? 0m,
    }).ToList();

    /// <summary>The Api's error for an editor row: <paramref name="prefix"/> is "rubric." when the rubric is part of a problem.</summary>
    public static string? RowError(ApiError? error, IReadOnlyList<int> sent, string prefix, string list, int row, string field)
    {
        if (error is null)
        {
            return null;
        }
        var index = -1;
        for (var i = 0; i < sent.Count; i++)
        {
            if (sent[i] == row)
            {
                index = i;
                break;
            }
        }
        return index < 0 ? null : error.For($"{prefix}{list}[{index.ToString(CultureInfo.InvariantCulture)}].{field}");
    }

    /// <summary>Browsers and pastes may bring CR LF; the Api stores LF so offsets match what scripts submit.</summary>
    public static string? Lines(string? value) => value?.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static string Points(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
