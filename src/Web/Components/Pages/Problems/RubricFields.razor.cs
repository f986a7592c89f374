using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Problems;

/// <summary>
/// Edits a <see cref="RubricDraft"/> in place. The Api's rules are shown as the person types (they need no round trip);
/// the Api's own answer, per row, after saving.
/// </summary>
public sealed partial class RubricFields
{
    // The row just added gets the focus, so adding and filling items works without the mouse.
    private object? _added;

    [Parameter, EditorRequired]
    public RubricDraft Draft { get; set; } = default!;

    [Parameter]
    public int MaxPoints { get; set; } = 7;

    /// <summary>The Api's answer to the last save, if it refused it.</summary>
    [Parameter]
    public ApiError? Error { get; set; }

    /// <summary>Where the rubric sits in the request ("rubric." inside a new problem), for the Api's field names.</summary>
    [Parameter]
    public string FieldPrefix { get; set; } = "";

    [Parameter]
    public bool ShowDeductions { get; set; } = true;

    private TotalState Compared => Draft.Compare(MaxPoints);

    private string State => Compared.ToString().ToLowerInvariant();

    private Color TotalColor => Compared switch
    {
        TotalState.Equal => Color.Success,
        TotalState.Over => Color.Error,
        _ => Color.Default,
    };

    private string? ItemError(int row, string field) => RubricDraft.RowError(Error, Draft.SentItems(), FieldPrefix, "items", row, field);

    private string? PointsError(int row, RubricItemRow item) => RubricDraft.ItemPointsError(item.Points) ?? ItemError(row, "points");

    private string? DeductionError(int row, string field) => RubricDraft.RowError(Error, Draft.SentDeductions(), FieldPrefix, "deductions", row, field);

    private string? DeductionPointsError(int row, DeductionRow deduction) =>
        RubricDraft.DeductionPointsError(deduction.Points, MaxPoints) ?? DeductionError(row, "points");

    private string? ListError(string list) => Error?.For(FieldPrefix + list) ?? (FieldPrefix.Length > 0 ? Error?.For(FieldPrefix.TrimEnd('.')) : null);

    private static void SetPoints(RubricItemRow row, decimal? points) => row.Points = points;

    private void MoveItem(int index, int by) => RubricDraft.Move(Draft.Items, index, by);

    private void AddItem()
    {
        Draft.AddItem();
        _added = Draft.Items[^1];
    }

    private void AddDeduction()
    {
        Draft.AddDeduction();
        _added = Draft.Deductions[^1];
    }
}
