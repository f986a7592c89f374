using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Fragments;

public sealed partial class GradePanel
{
    [Parameter, EditorRequired]
    public SolutionResponse Solution { get; set; } = default!;

    /// <summary>The form as posted when Api refused it.</summary>
    [Parameter]
    public GradeInput? Posted { get; set; }

    [Parameter]
    public ApiProblem? Error { get; set; }

    [Parameter]
    public string? Message { get; set; }

    [Parameter]
    public bool Oob { get; set; }

    private int Max => Solution.Problem.MaxPoints;

    private RubricResponse? Rubric => Solution.Rubric;

    private IReadOnlyList<RubricItemResponse> Items => Rubric?.Items.OrderBy(i => i.Ordinal).ToList() ?? [];

    /// <summary>The caller's award for an item, when their grade used this rubric version.</summary>
    private ItemAwardDto? MyAward(RubricItemResponse item) =>
        Solution.MyGrade is { } mine && mine.RubricId == Rubric?.Id ? mine.Items.FirstOrDefault(a => a.RubricItemId == item.Id) : null;

    private string ItemPoints(RubricItemResponse item) =>
        Posted is not null ? Posted.Items.GetValueOrDefault(item.Id)?.Points ?? "" : Format.Input(MyAward(item)?.Points);

    private string ItemComment(RubricItemResponse item) =>
        Posted is not null ? Posted.Items.GetValueOrDefault(item.Id)?.Comment ?? "" : MyAward(item)?.Comment ?? "";

    private string TotalInput => Posted is not null ? Posted.Points ?? "" : Format.Input(Solution.MyGrade?.Points);

    private string CommentInput => Posted is not null ? Posted.Comment ?? "" : Solution.MyGrade?.Comment ?? "";

    private decimal InitialTotal => Rubric is null
        ? Solution.MyGrade?.Points ?? 0
        : Items.Sum(item => decimal.TryParse(ItemPoints(item), System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture,
            out var p) ? p : 0);

    private IReadOnlyList<HumanGradeResponse> Others =>
        Solution.HumanGrades.Where(g => g.Id != Solution.MyGrade?.Id).OrderBy(g => g.CreatedAt).ToList();

    private string HiddenNotice
    {
        get
        {
            var hidden = Solution.Permissions.HiddenGradeCount ?? Solution.HiddenGradeCount;
            return hidden switch
            {
                null => "Other grades are hidden until you submit yours.",
                0 => "No one else has graded this yet; grades stay hidden until you submit yours.",
                1 => "1 other grade hidden until you submit yours.",
                _ => $"{hidden} other grades hidden until you submit yours.",
            };
        }
    }
}
