using Bunit;
using Bunit.TestDoubles;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Pages.Admin;
using GradingPortal.Web.Components.Pages.ImportExport;
using GradingPortal.Web.Components.Pages.Projects;
using GradingPortal.Web.Components.Pages.Runs;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using SortDirection = MudBlazor.SortDirection;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The grid helpers every server-side grid shares: a column's Api sort key and back, the paging a link asks for, and the
/// view a grid keeps in the address (runs, a run's failures, imports, users, a project's problems).
/// </summary>
public sealed class GridAddressTests : BunitContext
{
    public GridAddressTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private static readonly GridSort s_sorts = new(("CreatedAt", "createdAt"), ("Counts.Graded", "graded"));

    [Theory]
    [InlineData("CreatedAt", false, "createdAt")]
    [InlineData("CreatedAt", true, "-createdAt")]
    [InlineData("Counts.Graded", true, "-graded")]
    [InlineData("Reason", false, null)]
    [InlineData(null, false, null)]
    public void GridSort_SortedColumn_AsksTheApiForItsKeyWithMinusForDescending(string? column, bool descending, string? expected) =>
        s_sorts.ApiSort(column, descending).ShouldBe(expected);

    [Fact]
    public void GridSort_GridState_TakesTheFirstSortDefinitionOrNone()
    {
        var sorted = new GridState<ApiRow> { SortDefinitions = [new SortDefinition<ApiRow>("Counts.Graded", true, 0, r => r)] };

        s_sorts.Of(sorted).ShouldBe("-graded");
        s_sorts.Of(new GridState<ApiRow>()).ShouldBeNull();
    }

    [Theory]
    [InlineData("createdAt", "createdAt")]
    [InlineData("-graded", "-graded")]
    [InlineData(" -graded ", "-graded")]
    [InlineData("--graded", null)]
    [InlineData("-", null)]
    [InlineData("title", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void GridSort_SortFromTheAddress_KeepsOnlyKnownKeys(string? sort, string? expected) => s_sorts.Known(sort).ShouldBe(expected);

    [Theory]
    [InlineData("-graded", "Counts.Graded", SortDirection.Descending)]
    [InlineData("graded", "Counts.Graded", SortDirection.Ascending)]
    [InlineData("graded", "CreatedAt", SortDirection.None)]
    [InlineData(null, "CreatedAt", SortDirection.None)]
    [InlineData("graded", "Reason", SortDirection.None)]
    public void GridSort_DirectionOf_FindsTheColumnOfTheAddressSort(string? sort, string column, SortDirection expected) =>
        s_sorts.DirectionOf(sort, column).ShouldBe(expected);

    [Theory]
    [InlineData("3", "50", 2, 50)]
    [InlineData("1", "10", 0, 10)]
    [InlineData("abc", "7", 0, 25)]
    [InlineData("0", "-10", 0, 25)]
    [InlineData("-2", "1e3", 0, 25)]
    [InlineData("99999999999", "25 ", 0, 25)]
    [InlineData(null, null, 0, 25)]
    public void GridPaging_PageAndSizeFromTheAddress_FallBackWhenTheyCannotBeShown(string? page, string? size, int expectedPage, int expectedSize)
    {
        var paging = GridPaging.FromQuery(s_sorts, "bogus", page, size, [10, 25, 50], 25);

        paging.ShouldBe(new GridPaging(null, expectedPage, expectedSize));
    }

    [Fact]
    public void GridPaging_ToTheAddress_OneBasedPageAndDefaultsLeftOut()
    {
        var query = new Dictionary<string, object?>();
        new GridPaging("-graded", 2, 50).AddTo(query, 25);
        query.ShouldBe(new Dictionary<string, object?> { ["sort"] = "-graded", ["page"] = "3", ["pageSize"] = "50" }, ignoreOrder: true);

        new GridPaging(null, 0, 25).AddTo(query, 25);
        query.Values.ShouldAllBe(v => v == null);
    }

    [Fact]
    public void RunListView_LinkWithAView_RoundTripsAndUnknownValuesFallBack()
    {
        var view = RunListView.FromQuery("running", "absolute", "-progress", "2", "50", ["absolute", "official-rubric"]);

        view.ShouldBe(new RunListView("running", "absolute", new GridPaging("-progress", 1, 50)));
        RunListView.FromQuery(ToText(view.ToQuery(), "status"), ToText(view.ToQuery(), "workflow"), ToText(view.ToQuery(), "sort"),
            ToText(view.ToQuery(), "page"), ToText(view.ToQuery(), "pageSize"), ["absolute"]).ShouldBe(view);
        RunListView.FromQuery("done", "guess", "name", "x", "33", ["absolute"]).ShouldBe(RunListView.Default);
        RunListView.Default.ToQuery().Values.ShouldAllBe(v => v == null);
    }

    [Fact]
    public void RunFailureView_LinkWithAView_TrimsTheSearchAndFallsBackOnUnknownValues()
    {
        var view = RunFailureView.FromQuery("needsAttention", "  quota ", "-attempts", "4", "10");

        view.ShouldBe(new RunFailureView("needsAttention", "quota", new GridPaging("-attempts", 3, 10)));
        view.ToQuery().ShouldBe(new Dictionary<string, object?>
        {
            ["status"] = "needsAttention", ["q"] = "quota", ["sort"] = "-attempts", ["page"] = "4", ["pageSize"] = "10",
        }, ignoreOrder: true);
        RunFailureView.FromQuery("graded", null, "reason", "0", "1000").ShouldBe(RunFailureView.Default);
    }

    [Fact]
    public void ImportListView_LinkWithAView_RoundTripsAndUnknownValuesFallBack()
    {
        var view = ImportListView.FromQuery("failed", "status", null, "100");

        view.ShouldBe(new ImportListView("failed", new GridPaging("status", 0, 100)));
        view.ToQuery().ShouldBe(new Dictionary<string, object?> { ["status"] = "failed", ["sort"] = "status", ["page"] = null, ["pageSize"] = "100" },
            ignoreOrder: true);
        ImportListView.FromQuery("broken", "-line", "-1", "0").ShouldBe(ImportListView.Default);
    }

    [Theory]
    [InlineData("  needle ", "needle")]
    [InlineData("   ", "")]
    [InlineData(null, "")]
    public void GridPaging_SearchFromTheAddress_IsTrimmed(string? search, string expected) => GridPaging.SearchOf(search).ShouldBe(expected);

    [Fact]
    public void GridPaging_SearchLongerThanTheApiTakes_FallsBackToNoSearch()
    {
        GridPaging.SearchOf(new string('x', GridPaging.MaxSearchLength)).Length.ShouldBe(GridPaging.MaxSearchLength);
        GridPaging.SearchOf(new string('x', GridPaging.MaxSearchLength + 1)).ShouldBe("");
    }

    [Fact]
    public void UserListView_LinkWithAView_RoundTripsAndUnknownValuesFallBack()
    {
        var view = UserListView.FromQuery(" dana ", "disabled", "-email", "3", "10");

        view.ShouldBe(new UserListView("dana", "disabled", new GridPaging("-email", 2, 10)));
        view.ToQuery().ShouldBe(new Dictionary<string, object?>
        {
            ["q"] = "dana", ["status"] = "disabled", ["sort"] = "-email", ["page"] = "3", ["pageSize"] = "10",
        }, ignoreOrder: true);
        UserListView.FromQuery(ToText(view.ToQuery(), "q"), ToText(view.ToQuery(), "status"), ToText(view.ToQuery(), "sort"),
            ToText(view.ToQuery(), "page"), ToText(view.ToQuery(), "pageSize")).ShouldBe(view);
        UserListView.FromQuery(null, "banned", "password", "0", "7").ShouldBe(UserListView.Default);
        UserListView.Default.ToQuery().Values.ShouldAllBe(v => v == null);
    }

    [Fact]
    public void ProblemListView_LinkWithAView_RoundTripsAndUnknownValuesFallBack()
    {
        var view = ProblemListView.FromQuery("G7", "-graded", "2", "50");

        view.ShouldBe(new ProblemListView("G7", new GridPaging("-graded", 1, 50)));
        view.ToQuery().ShouldBe(new Dictionary<string, object?> { ["q"] = "G7", ["sort"] = "-graded", ["page"] = "2", ["pageSize"] = "50" },
            ignoreOrder: true);
        ProblemListView.FromQuery(ToText(view.ToQuery(), "q"), ToText(view.ToQuery(), "sort"), ToText(view.ToQuery(), "page"),
            ToText(view.ToQuery(), "pageSize")).ShouldBe(view);
        ProblemListView.FromQuery(" ", "createdAt", "two", "500").ShouldBe(ProblemListView.Default);
        ProblemListView.Default.ToQuery().Values.ShouldAllBe(v => v == null);
    }

    [Fact]
    public void AddressedView_ItsOwnWriteComingBack_IsNotTakenForANewView()
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        var view = new AddressedView<ImportListView>(ImportListView.Default);
        var failed = ImportListView.Default with { Status = "failed" };
        view.Current = failed;

        view.Write(navigation, failed);
        // The person sorts before the address change comes back: the echo must not undo the sort.
        var sorted = failed with { Paging = failed.Paging with { Sort = "-createdAt" } };
        view.Current = sorted;

        navigation.Uri.ShouldEndWith("?status=failed");
        view.Arrive(failed).ShouldBeFalse();
        (view.Current, view.Key).ShouldBe((sorted, 0));
    }

    [Fact]
    public void AddressedView_ViewFromOutside_ReplacesTheShownOneAndRebuildsTheGrid()
    {
        var view = new AddressedView<ImportListView>(ImportListView.Default);
        var linked = ImportListView.Default with { Status = "running" };

        view.Arrive(ImportListView.Default).ShouldBeFalse();
        view.Arrive(linked).ShouldBeTrue();

        (view.Current, view.Key).ShouldBe((linked, 1));
    }

    /// <summary>Renders a run's failures grid at <paramref name="address"/>, its Api answering 15 failures, and records what it asks for.</summary>
    private (IRenderedComponent<RunFailuresGrid> Grid, List<RunFailureQuery> Asked, NavigationManager Navigation) RenderFailures(string address)
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(address);
        var asked = new List<RunFailureQuery>();
        var grid = Render<RunFailuresGrid>(p => p
            .Add(g => g.Failed, 15)
            .Add(g => g.LoadPage, (query, _) =>
            {
                asked.Add(query);
                var failure = new RunFailureResponse { SolutionId = Guid.NewGuid(), Status = "failed", Error = "Quota exceeded", Attempts = 3 };
                var shown = (query.Page - 1) * query.PageSize < 15 ? new[] { failure } : [];
                return Task.FromResult(new RunFailurePageResponse { Page = query.Page, PageSize = query.PageSize, Total = 15, Items = shown });
            }));
        return (grid, asked, navigation);
    }

    [Fact]
    public void RunFailuresGrid_LinkWithPageSortAndFilters_AsksTheApiForExactlyThatView()
    {
        var (grid, asked, navigation) = RenderFailures("/runs/1?status=failed&q=quota&sort=-attempts&page=2&pageSize=10");

        grid.WaitForAssertion(() => asked.ShouldNotBeEmpty());
        asked[0].ShouldBe(new RunFailureQuery(2, 10, "-attempts", "failed", "quota"));
        grid.Find("[data-testid=failure-search] input, input[data-testid=failure-search]").GetAttribute("value").ShouldBe("quota");
        new Uri(navigation.Uri).Query.TrimStart('?').Split('&').ShouldBe(["status=failed", "q=quota", "sort=-attempts", "page=2", "pageSize=10"],
            ignoreOrder: true);
    }

    [Fact]
    public void RunFailuresGrid_HandEditedBadValues_AsksForTheDefaultViewAndCleansTheAddress()
    {
        var (grid, asked, navigation) = RenderFailures("/runs/1?status=graded&sort=reason&page=abc&pageSize=7");

        grid.WaitForAssertion(() => asked.ShouldNotBeEmpty());
        asked[0].ShouldBe(new RunFailureQuery(1, RunFailureView.DefaultPageSize, null, null, null));
        grid.WaitForAssertion(() => navigation.Uri.ShouldEndWith("/runs/1"));
    }

    [Fact]
    public void RunFailuresGrid_LinkToAPagePastTheEnd_StartsAgainFromTheFirstPage()
    {
        var (grid, asked, navigation) = RenderFailures("/runs/1?page=9&pageSize=10");

        grid.WaitForAssertion(() => asked.ShouldContain(q => q.Page == 1));
        asked[0].ShouldBe(new RunFailureQuery(9, 10, null, null, null));
        grid.WaitForAssertion(() => navigation.Uri.ShouldEndWith("/runs/1?pageSize=10"));
        grid.WaitForAssertion(() => grid.FindAll("[data-testid=failure-reason]").Count.ShouldBe(1));
    }

    private static string? ToText(IReadOnlyDictionary<string, object?> query, string name) => query[name] as string;

    /// <summary>A row type for grid states; the helpers never look inside it.</summary>
    public sealed record ApiRow;
}
