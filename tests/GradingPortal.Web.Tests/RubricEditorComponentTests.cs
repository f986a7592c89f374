using Bunit;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Pages.Problems;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace GradingPortal.Web.Tests;

/// <summary>
/// bUnit and plain tests of the rubric editor's arithmetic and rules: the live total against the problem's maximum,
/// half points, deductions, reordering, and the Api's per-row errors landing on the right row when blank rows are skipped.
/// </summary>
public sealed class RubricEditorComponentTests : BunitContext
{
    public RubricEditorComponentTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private static RubricDraft Draft(params decimal?[] points)
    {
        var draft = new RubricDraft();
        draft.Items.AddRange(points.Select((p, i) => new RubricItemRow { Title = $"Item {i}", Points = p }));
        return draft;
    }

    [Theory]
    [InlineData(7, TotalState.Equal, "Total 7 of 7 points")]
    [InlineData(6.5, TotalState.Under, "Total 6.5 of 7 points · 0.5 to go")]
    [InlineData(8, TotalState.Over, "Total 8 of 7 points · 1 too many")]
    public void RubricDraft_Total_ComparedWithTheMaximum(double last, TotalState state, string text)
    {
        var draft = Draft(2m, 2.5m, (decimal)last - 4.5m, null);

        draft.Total.ShouldBe((decimal)last);
        draft.Compare(7).ShouldBe(state);
        draft.TotalText(7).ShouldBe(text);
    }

    [Theory]
    [InlineData(0.5, null)]
    [InlineData(3, null)]
    [InlineData(0, "Points must be positive.")]
    [InlineData(-1, "Points must be positive.")]
    [InlineData(1.25, "Points must be whole or half points.")]
    public void RubricDraft_ItemPoints_FollowTheApisRules(double points, string? error) =>
        RubricDraft.ItemPointsError((decimal)points).ShouldBe(error);

    [Theory]
    [InlineData(1, null)]
    [InlineData(0.25, null)]
    [InlineData(0, "A deduction is between 0 (exclusive) and 7 points.")]
    [InlineData(7.5, "A deduction is between 0 (exclusive) and 7 points.")]
    public void RubricDraft_DeductionPoints_BetweenZeroAndTheMaximum(double points, string? error) =>
        RubricDraft.DeductionPointsError((decimal)points, 7).ShouldBe(error);

    [Fact]
    public void RubricDraft_BlankRows_AreNotSentAndApiErrorsMapBackToTheirRow()
    {
        var draft = Draft(3m, null, 4m);
        draft.Items[1].Title = " ";
        var error = new ApiError(400, "Invalid", new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["rubric.items[1].points"] = ["Points must be positive."],
        });

        draft.ItemInputs().Select(i => i.Title).ShouldBe(["Item 0", "Item 2"]);
        // The Api's second item is the editor's third row; the blank row in between has no error.
        RubricDraft.RowError(error, draft.SentItems(), "rubric.", "items", 2, "points").ShouldBe("Points must be positive.");
        RubricDraft.RowError(error, draft.SentItems(), "rubric.", "items", 1, "points").ShouldBeNull();
    }

    [Fact]
    public void RubricDraft_Move_SwapsNeighboursAndStopsAtTheEnds()
    {
        var draft = Draft(1m, 2m, 4m);

        RubricDraft.Move(draft.Items, 2, -1).ShouldBeTrue();
        draft.Items.Select(i => i.Points).ShouldBe([1m, 4m, 2m]);
        RubricDraft.Move(draft.Items, 0, -1).ShouldBeFalse();
        RubricDraft.Move(draft.Items, 2, 1).ShouldBeFalse();
        draft.Items.Select(i => i.Points).ShouldBe([1m, 4m, 2m]);
    }

    [Fact]
    public void RubricDraft_FromApiRubric_KeepsOrderPointsAndDeductions()
    {
        var rubric = new RubricResponse
        {
            Items =
            [
                new RubricItemResponse { Ordinal = 1, Title = "Second", Points = 2.5m, Description = "" },
                new RubricItemResponse { Ordinal = 0, Title = "First", Points = 4.5m, Description = "Why" },
            ],
            Deductions = [new DeductionDto { Description = "Slip", Points = 1m }],
            ZeroCredit = "Examples only",
            Notes = "",
        };

        var draft = RubricDraft.From(rubric);

        draft.Items.Select(i => i.Title).ShouldBe(["First", "Second"]);
        draft.Total.ShouldBe(7m);
        draft.Deductions.Single().Description.ShouldBe("Slip");
        draft.DeductionInputs().Single().Points.ShouldBe(1m);
        draft.ZeroCredit.ShouldBe("Examples only");
    }

    [Fact]
    public void RubricFields_PointsTyped_TotalAndRowErrorFollowLive()
    {
        var draft = Draft(3m, 3m);
        var fields = Render<RubricFields>(p => p.Add(f => f.Draft, draft).Add(f => f.MaxPoints, 7));

        var total = fields.Find("[data-testid=rubric-total-live]");
        total.GetAttribute("data-state").ShouldBe("under");
        total.TextContent.ShouldContain("1 to go");

        fields.Find("#item-points-1").Input("3.25");
        fields.Find("[data-testid=rubric-total-live]").TextContent.ShouldContain("Total 6.25 of 7 points");
        fields.FindAll(".mud-input-helper-text.mud-input-error").Single().TextContent.ShouldBe("Points must be whole or half points.");

        fields.Find("#item-points-1").Input("4");
        fields.Find("[data-testid=rubric-total-live]").GetAttribute("data-state").ShouldBe("equal");
        fields.FindAll(".mud-input-helper-text.mud-input-error").ShouldBeEmpty();
    }

    [Fact]
    public void RubricFields_AddMoveRemove_ChangeTheDraftInOrder()
    {
        var draft = Draft(3m, 4m);
        var fields = Render<RubricFields>(p => p.Add(f => f.Draft, draft).Add(f => f.MaxPoints, 7));

        fields.Find("[data-testid=add-item]").Click();
        draft.Items.Count.ShouldBe(3);
        fields.FindAll("[data-testid=item-row]").Count.ShouldBe(3);

        fields.FindAll("[data-testid=item-up]")[1].Click();
        draft.Items.Select(i => i.Title).ShouldBe(["Item 1", "Item 0", null]);

        fields.FindAll("[data-testid=item-remove]")[2].Click();
        draft.Items.Count.ShouldBe(2);

        fields.Find("[data-testid=add-deduction]").Click();
        fields.Find("#deduction-points-0").Input("9");
        fields.Find("[data-testid=deduction-row] .mud-input-helper-text.mud-input-error").TextContent.ShouldBe("A deduction is between 0 (exclusive) and 7 points.");
        draft.Deductions.Single().Points.ShouldBe(9m);
    }

    [Fact]
    public void RubricFields_ApiErrors_ShowOnTheirRowAndUnderTheTotal()
    {
        var draft = Draft(3m, 5m);
        var error = new ApiError(400, "Invalid", new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["items"] = ["Item points sum to 8, but the problem is worth 7."],
            ["items[1].title"] = ["Title is required (at most 300 characters)."],
            ["deductions[0].description"] = ["Description is required."],
        });
        draft.Deductions.Add(new DeductionRow { Points = 1m });

        var fields = Render<RubricFields>(p => p.Add(f => f.Draft, draft).Add(f => f.MaxPoints, 7).Add(f => f.Error, error));

        fields.Find("[data-testid=items-error]").TextContent.ShouldContain("sum to 8");
        fields.FindAll("[data-testid=item-row]")[1].TextContent.ShouldContain("Title is required");
        fields.FindAll("[data-testid=item-row]")[0].TextContent.ShouldNotContain("Title is required");
        fields.Find("[data-testid=deduction-row]").TextContent.ShouldContain("Description is required.");
    }
}
