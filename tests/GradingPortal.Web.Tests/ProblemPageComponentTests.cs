using Bunit;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Pages.Problems;
using GradingPortal.Web.Rendering;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace GradingPortal.Web.Tests;

/// <summary>
/// bUnit and plain tests for the problem page's parts with logic of their own: the rubric view and the cursor
/// bookkeeping behind the solutions grid.
/// </summary>
public sealed class ProblemPageComponentTests : BunitContext
{
    public ProblemPageComponentTests()
    {
        Services.AddMudServices();
        Services.AddSingleton<MarkdownRenderer>();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void RubricContent_DecimalPoints_ShowsItemsTotalAndDeductionsWithHalfPoints()
    {
        var rubric = new RubricResponse
        {
            Id = Guid.NewGuid(),
            Items =
            [
                new RubricItemResponse { Id = Guid.NewGuid(), Ordinal = 1, Title = "Bound", Points = 3.5m, Description = "" },
                new RubricItemResponse { Id = Guid.NewGuid(), Ordinal = 0, Title = "Closed form", Points = 3.5m, Description = "Uses $n^k$." },
            ],
            TotalPoints = 7m,
            ZeroCredit = "Only examples.",
            Deductions = [new DeductionDto { Description = "Sloppy algebra", Points = 0.5m }],
            Notes = "",
        };

        var view = Render<RubricContent>(p => p.Add(c => c.Rubric, rubric));

        var items = view.FindAll("[data-testid=rubric-item]");
        items.Count.ShouldBe(2);
        items[0].TextContent.ShouldContain("1. Closed form");
        items[0].TextContent.ShouldContain("3.5");
        items[1].TextContent.ShouldContain("2. Bound");
        view.Find("[data-testid=rubric-total]").TextContent.ShouldBe("7 points");
        view.Find("[data-testid=rubric-deductions]").TextContent.ShouldContain("−0.5: Sloppy algebra");
        view.Markup.ShouldContain("Only examples.");
    }

    [Fact]
    public void RubricContent_HtmlInADescription_IsShownAsTextNotMarkup()
    {
        var rubric = new RubricResponse
        {
            Items = [new RubricItemResponse { Id = Guid.NewGuid(), Title = "Trap", Points = 1m, Description = "<img src=x onerror=alert(1)> ok" }],
            TotalPoints = 1m,
            ZeroCredit = "",
            Notes = "",
        };

        var view = Render<RubricContent>(p => p.Add(c => c.Rubric, rubric));

        view.FindAll("img").ShouldBeEmpty();
    }

    [Fact]
    public void SolutionGridView_LinkWithAView_RoundTripsThroughTheQueryString()
    {
        var view = SolutionGridView.FromQuery(" sol-5 ", "needs-final", "-final", "3", "25");

        (view.Search, view.State, view.Sort, view.Page, view.PageSize).ShouldBe(("sol-5", "needs-final", "-final", 2, 25));
        view.ToQuery().ShouldBe(new Dictionary<string, object?>
        {
            ["q"] = "sol-5", ["state"] = "needs-final", ["sort"] = "-final", ["page"] = "3", ["pageSize"] = "25",
        }, ignoreOrder: true);
        view.DirectionOf(nameof(SolutionSummaryResponse.AdjudicatedPoints)).ShouldBe(MudBlazor.SortDirection.Descending);
        view.DirectionOf(nameof(SolutionSummaryResponse.Length)).ShouldBe(MudBlazor.SortDirection.None);
    }

    [Fact]
    public void SolutionGridView_UnknownValuesInTheLink_FallBackToTheDefaultView()
    {
        var view = SolutionGridView.FromQuery(null, "waiting", "-difficulty", "-4", "seven");

        (view.Search, view.State, view.Sort, view.Page, view.PageSize).ShouldBe(("", "", "", 0, SolutionGridView.DefaultPageSize));
        view.ToQuery().Values.ShouldAllBe(v => v == null);
    }

    [Theory]
    [InlineData(nameof(SolutionSummaryResponse.ExternalId), false, "externalId")]
    [InlineData(nameof(SolutionSummaryResponse.Length), true, "-length")]
    [InlineData(nameof(SolutionSummaryResponse.HumanGrades), false, "grades")]
    [InlineData(nameof(SolutionSummaryResponse.MyPoints), true, "-mine")]
    [InlineData(nameof(SolutionSummaryResponse.AdjudicatedPoints), false, "final")]
    [InlineData("Excerpt", false, "")]
    public void SolutionGridView_SortedColumn_MapsToTheApisSortKey(string column, bool descending, string expected) =>
        SolutionGridView.ApiSort(column, descending).ShouldBe(expected);

    [Theory]
    [InlineData("Title", false, "title")]
    [InlineData("Counts.Solutions", true, "-solutions")]
    [InlineData("Counts.Graded", false, "graded")]
    [InlineData("Counts.Annotated", true, "-annotated")]
    [InlineData("Source", false, null)]
    public void ProjectPageApiSort_SortedColumn_MapsToTheApisSortKey(string column, bool descending, string? expected) =>
        GradingPortal.Web.Components.Pages.Projects.ProblemListView.Sorts.ApiSort(column, descending).ShouldBe(expected);
}
