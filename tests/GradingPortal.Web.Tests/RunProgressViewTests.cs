using Bunit;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Pages.Runs;
using MudBlazor.Services;

namespace GradingPortal.Web.Tests;

/// <summary>
/// bUnit: the run page's progress panel on its own. The page feeds it a fresh run each second; these tests check what a
/// given run shows and which actions it offers to whom.
/// </summary>
public sealed class RunProgressViewTests : BunitContext
{
    public RunProgressViewTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private static GradingRunResponse Run(string status, RunItemCounts counts, params RunFailureResponse[] failures) => new()
    {
        Id = Guid.NewGuid(),
        ProjectId = Guid.NewGuid(),
        Workflow = "absolute",
        ProfileName = "Fake",
        Model = "fake-model-1",
        Samples = 1,
        Aggregation = "median",
        Status = status,
        Counts = counts,
        Cost = 0.4567m,
        Calls = 12,
        Failures = failures,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>The progress panel, its failures grid served the run's own failures as the Api would page them.</summary>
    private IRenderedComponent<RunProgressView> RenderView(GradingRunResponse run, Action<ComponentParameterCollectionBuilder<RunProgressView>>? more = null) =>
        Render<RunProgressView>(p =>
        {
            p.Add(v => v.Run, run).Add(v => v.LoadFailures, (query, _) => Task.FromResult(new RunFailurePageResponse
            {
                Page = query.Page, PageSize = query.PageSize, Total = run.Failures.Count,
                Items = [.. run.Failures.Skip((query.Page - 1) * query.PageSize).Take(query.PageSize)],
            }));
            more?.Invoke(p);
        });

    [Fact]
    public void RunProgress_RunningRun_ShowsCountsFinishedShareAndCostSoFar()
    {
        var run = Run("running", new RunItemCounts { Total = 4, Graded = 1, NeedsAttention = 1, Running = 1, Pending = 1 });

        var view = RenderView(run, p => p.Add(v => v.CanControl, true));

        view.Find("[data-testid=run-status]").TextContent.ShouldContain("Running");
        view.Find("[data-testid=count-graded]").TextContent.ShouldBe("1");
        view.Find("[data-testid=count-needs-attention]").TextContent.ShouldBe("1");
        view.Find("[data-testid=count-pending]").TextContent.ShouldBe("1");
        view.Find("[data-testid=run-summary]").TextContent.ShouldContain("2 of 4 solutions finished");
        view.Find("[data-testid=run-cost]").TextContent.ShouldContain("0.46 over 12 calls");
        view.Find("[data-testid=run-bar]").GetAttribute("aria-valuenow").ShouldBe("50");
        view.FindAll("[data-testid=cancel-run]").Count.ShouldBe(1);
        view.FindAll("[data-testid=retry-failed]").ShouldBeEmpty();
        // An item that needs attention is listed with the failures.
        view.FindAll("[data-testid=run-failures]").Count.ShouldBe(1);
        view.FindAll("[data-testid=no-failures]").ShouldBeEmpty();
    }

    [Fact]
    public void RunProgress_CompletedWithFailures_ListsReasonsAndOffersRetryNotCancel()
    {
        var failure = new RunFailureResponse
        {
            ItemId = Guid.NewGuid(), SolutionId = Guid.NewGuid(), ProblemId = Guid.NewGuid(), Status = "failed",
            Error = "HTTP 503 from the endpoint after 4 attempts", Attempts = 4, Author = "prover",
        };
        var run = Run("completed", new RunItemCounts { Total = 2, Graded = 1, Failed = 1 }, failure);

        var view = RenderView(run, p => p.Add(v => v.CanControl, true));

        view.WaitForAssertion(() => view.Find("[data-testid=run-failures]").TextContent.ShouldContain("HTTP 503 from the endpoint after 4 attempts"));
        view.Find("[data-testid=run-failures]").TextContent.ShouldContain($"prover · …{failure.SolutionId.ToString("N")[^6..]}");
        view.FindAll("[data-testid=retry-failed]").Count.ShouldBe(1);
        view.FindAll("[data-testid=cancel-run]").ShouldBeEmpty();
    }

    [Fact]
    public void RunProgress_ViewerWithoutControl_OffersNoActions()
    {
        var failure = new RunFailureResponse { SolutionId = Guid.NewGuid(), Status = "failed", Error = "timeout", Attempts = 2 };
        var run = Run("running", new RunItemCounts { Total = 2, Failed = 1, Pending = 1 }, failure);
        run.RubricsAwaitingApproval = [new PendingRubricResponse { RubricId = Guid.NewGuid(), ProblemId = Guid.NewGuid(), Version = 2 }];

        var view = RenderView(run, p => p.Add(v => v.CanControl, false));

        view.FindAll("[data-testid=cancel-run]").ShouldBeEmpty();
        view.FindAll("[data-testid=retry-failed]").ShouldBeEmpty();
        view.FindAll("[data-testid=approve-rubric]").ShouldBeEmpty();
        view.Find("[data-testid=rubrics-awaiting]").TextContent.ShouldContain("version 2");
    }

    [Fact]
    public async Task RunProgress_ApproveClicked_RaisesTheRubricToApprove()
    {
        var rubric = new PendingRubricResponse { RubricId = Guid.NewGuid(), ProblemId = Guid.NewGuid(), Version = 1 };
        var run = Run("awaitingRubricApproval", new RunItemCounts());
        run.RubricsAwaitingApproval = [rubric];
        PendingRubricResponse? approved = null;

        var view = RenderView(run, p => p.Add(v => v.CanControl, true).Add(v => v.OnApprove, (PendingRubricResponse r) => approved = r));
        await view.Find("[data-testid=approve-rubric]").ClickAsync(new());

        approved.ShouldBeSameAs(rubric);
        view.Find("[data-testid=run-summary]").TextContent.ShouldContain("Waiting for a worker");
        view.Find("[data-testid=no-failures]").TextContent.ShouldContain("None so far");
    }

    [Fact]
    public void RunFailuresGrid_FreshRunWithTheSameCounts_DoesNotAskTheApiAgainButAChangedCountDoes()
    {
        var asked = new List<RunFailureQuery>();
        Task<RunFailurePageResponse> Load(RunFailureQuery query, CancellationToken _)
        {
            asked.Add(query);
            return Task.FromResult(new RunFailurePageResponse
            {
                Page = query.Page, PageSize = query.PageSize, Total = 1,
                Items = [new RunFailureResponse { SolutionId = Guid.NewGuid(), Status = "failed", Error = "timeout", Attempts = 2 }],
            });
        }

        var grid = Render<RunFailuresGrid>(p => p.Add(g => g.Failed, 1).Add(g => g.NeedsAttention, 0).Add(g => g.LoadPage, Load));
        grid.WaitForAssertion(() => asked.Count.ShouldBe(1));
        asked[0].ShouldBe(new RunFailureQuery(1, 25, null, null, null));

        // What the run page does each second while the run goes on: the same counts come back.
        grid.Render(p => p.Add(g => g.Failed, 1).Add(g => g.NeedsAttention, 0));
        grid.Render(p => p.Add(g => g.Failed, 1).Add(g => g.NeedsAttention, 0));
        asked.Count.ShouldBe(1);

        grid.Render(p => p.Add(g => g.Failed, 1).Add(g => g.NeedsAttention, 1));
        grid.WaitForAssertion(() => asked.Count.ShouldBe(2));
    }

    [Theory]
    [InlineData("ExternalId", false, "solution")]
    [InlineData("Status", true, "-status")]
    [InlineData("Attempts", true, "-attempts")]
    [InlineData("Error", false, null)]
    public void RunFailuresGrid_ColumnSorted_AsksTheApiForThatOrder(string column, bool descending, string? expected) =>
        RunFailureView.Sorts.ApiSort(column, descending).ShouldBe(expected);

    [Theory]
    [InlineData("CreatedAt", false, "createdAt")]
    [InlineData("Status", true, "-status")]
    [InlineData("Counts", true, "-progress")]
    [InlineData("Cost", false, "cost")]
    [InlineData("Workflow", false, null)]
    public void RunListPage_ColumnSorted_AsksTheApiForThatOrder(string column, bool descending, string? expected) =>
        RunListView.Sorts.ApiSort(column, descending).ShouldBe(expected);
}
