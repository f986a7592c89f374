using System.Text.RegularExpressions;
using GradingPortal.Domain.Grading;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static GradingPortal.Web.Tests.AddressAssertions;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>The runs grid and a run's failures grid keep their view in the address.</summary>
public sealed partial class GradingPagesTests
{
    /// <summary>
    /// Three runs of five solutions, oldest first: completed (all graded), running (failed after 4 attempts, failed after 2,
    /// needs attention, two pending) and queued.
    /// </summary>
    private async Task<(Guid Project, Guid[] Runs, Guid[] Solutions)> ThreeRunsAsync(ApiClient admin)
    {
        var ct = TestContext.Current.CancellationToken;
        var (projectId, problemId, solutions, profileId) = await SeedAsync(admin, solutions: 5);
        var runs = new Guid[3];
        for (var i = 0; i < runs.Length; i++)
        {
            runs[i] = (await admin.PostAsync("/api/grading-runs", new { projectId, problemIds = new[] { problemId }, workflow = "absolute",
                modelProfileId = profileId }, ct)).GetProperty("id").GetGuid();
        }
        await WithDbAsync(async db =>
        {
            var now = DateTimeOffset.UtcNow;
            var done = await db.GradingRuns.FirstAsync(r => r.Id == runs[0], ct);
            done.StartPreparing(done.Configuration, now);
            done.MarkRunning();
            done.Complete(now);
            var running = await db.GradingRuns.FirstAsync(r => r.Id == runs[1], ct);
            running.StartPreparing(running.Configuration, now);
            running.MarkRunning();
            var states = new (RunItemStatus Status, int Attempts, string? Error)[]
            {
                (RunItemStatus.Failed, 4, "HTTP 503 from the endpoint after 4 attempts"),
                (RunItemStatus.Failed, 2, "Quota exceeded (HTTP 429)"),
                (RunItemStatus.NeedsAttention, 1, "The answer did not match the schema"),
                (RunItemStatus.Pending, 0, null),
                (RunItemStatus.Pending, 0, null),
            };
            for (var i = 0; i < solutions.Length; i++)
            {
                db.GradingRunItems.Add(new GradingRunItem(runs[0], projectId, problemId, solutions[i]) { Status = RunItemStatus.Graded, Attempts = 1 });
                db.GradingRunItems.Add(new GradingRunItem(runs[1], projectId, problemId, solutions[i])
                {
                    Status = states[i].Status, Attempts = states[i].Attempts, LastError = states[i].Error,
                    FinishedAt = states[i].Status == RunItemStatus.Pending ? null : now.AddSeconds(i),
                });
            }
            return await db.SaveChangesAsync(ct);
        });
        return (projectId, runs, solutions);
    }

    [Fact]
    public async Task RunsPage_FilterAndSortInTheAddress_ReloadAndBackShowTheSameRunsAndBadValuesFallBack()
    {
        using var admin = await AdminApiAsync();
        var (projectId, runs, _) = await ThreeRunsAsync(admin);
        var page = await SignedInPageAsync();
        var statuses = page.GetByTestId("run-row-status");

        await page.GotoAsync($"/projects/{projectId}/runs");
        await Expect(statuses).ToHaveTextAsync(["Queued", "Running", "Completed"]);
        // Status sorts by the lifecycle (by name, Completed would come first).
        var status = page.Locator("[data-testid=run-table] th", new() { HasText = "Status" }).Locator(".sortable-column-header");
        await status.ClickAsync();
        await Expect(statuses).ToHaveTextAsync(["Queued", "Running", "Completed"]);
        await status.ClickAsync();
        await Expect(statuses).ToHaveTextAsync(["Completed", "Running", "Queued"]);
        await ChooseAsync(page, "run-workflow-filter", "Absolute (no reference");
        await ExpectInAddressAsync(page, "sort=-status", "workflow=absolute");

        await page.ReloadAsync();
        await Expect(statuses).ToHaveTextAsync(["Completed", "Running", "Queued"]);
        await Expect(page.GetByTestId("run-workflow-filter")).ToContainTextAsync("Absolute");
        await Expect(page.Locator("[data-testid=run-table] th", new() { HasText = "Status" }).Locator(".mud-direction-desc")).ToHaveCountAsync(1);

        // Out to a run and Back: the same view.
        await page.GetByTestId("run-link").First.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/runs/{runs[0]}$"));
        await page.GoBackAsync();
        await Expect(statuses).ToHaveTextAsync(["Completed", "Running", "Queued"]);
        await ExpectInAddressAsync(page, "sort=-status", "workflow=absolute");

        // A link with a filter opens filtered; one edited by hand to values the grid cannot show opens the default view.
        await page.GotoAsync($"/projects/{projectId}/runs?status=running");
        await Expect(statuses).ToHaveTextAsync(["Running"]);
        await Expect(page.GetByTestId("run-status-filter")).ToContainTextAsync("Running");
        await page.GotoAsync($"/projects/{projectId}/runs?status=done&workflow=guess&sort=name&page=x&pageSize=7");
        await Expect(statuses).ToHaveTextAsync(["Queued", "Running", "Completed"]);
        await Expect(page.GetByTestId("runs-error")).ToHaveCountAsync(0);
        await Expect(page).ToHaveURLAsync(new Regex($"/projects/{projectId}/runs$"));
    }

    [Fact]
    public async Task RunPage_FailuresViewInTheAddress_ReloadShowsTheSameItemsAndBadValuesFallBack()
    {
        using var admin = await AdminApiAsync();
        var (_, runs, _) = await ThreeRunsAsync(admin);
        var page = await SignedInPageAsync();
        var attempts = page.GetByTestId("failure-attempts");

        await page.GotoAsync($"/runs/{runs[1]}");
        await Expect(attempts).ToHaveCountAsync(3);
        await ChooseAsync(page, "failure-status-filter", "Failed");
        var header = page.Locator("[data-testid=run-failures] th", new() { HasText = "Attempts" }).Locator(".sortable-column-header");
        await header.ClickAsync();
        await Expect(attempts).ToHaveTextAsync(["2", "4"]);
        await header.ClickAsync();
        await Expect(attempts).ToHaveTextAsync(["4", "2"]);
        await page.Locator("input[data-testid=failure-search], [data-testid=failure-search] input").PressSequentiallyAsync("http");
        await ExpectInAddressAsync(page, "status=failed", "sort=-attempts", "q=http");
        await Expect(attempts).ToHaveTextAsync(["4", "2"]);

        await page.ReloadAsync();
        await Expect(attempts).ToHaveTextAsync(["4", "2"]);
        await Expect(page.Locator("input[data-testid=failure-search], [data-testid=failure-search] input")).ToHaveValueAsync("http");
        await Expect(page.GetByTestId("failure-status-filter")).ToContainTextAsync("Failed");

        await page.GotoAsync($"/runs/{runs[1]}?status=graded&sort=reason&page=0&pageSize=1000");
        await Expect(attempts).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("failures-error")).ToHaveCountAsync(0);
        await Expect(page).ToHaveURLAsync(new Regex($"/runs/{runs[1]}$"));
    }
}
