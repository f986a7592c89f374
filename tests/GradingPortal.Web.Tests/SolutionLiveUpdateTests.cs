using System.Diagnostics;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>Hosts whose solution pages poll only once an hour: a change that shows within seconds was pushed.</summary>
public sealed class LongPollBrowserPortal : BrowserPortal
{
    protected override Task<PortalHosts> StartHostsAsync() =>
        PortalHosts.StartAsync("web-live", webSettings: new Dictionary<string, string> { ["SolutionPage:PollEvery"] = "01:00:00" });
}

/// <summary>
/// The solution page follows the Api's change stream (ADR 022): what another person does on the solution appears in an
/// open page in another browser within two seconds, as blind rules allow, with polling too slow to explain it.
/// </summary>
public sealed class SolutionLiveUpdateTests(LongPollBrowserPortal portal) : IClassFixture<LongPollBrowserPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    private const string MemberPassword = "live-password-1";

    private Task<TwoStepSolution> CreateSetupAsync(bool blind, CancellationToken ct) =>
        TwoStepSolution.CreateAsync(portal.Hosts.ApiUrl, "Live", blind, ct);

    private static async Task<(string Email, Guid Id)> NewGraderAsync(TwoStepSolution setup, CancellationToken ct)
    {
        var email = $"live-{Guid.NewGuid():N}@example.org";
        var user = await setup.Admin.PostAsync("/api/users", new { email, password = MemberPassword, displayName = $"Grader {email[5..9]}" }, ct);
        var id = user.GetProperty("id").GetGuid();
        await setup.Admin.SendAsync(HttpMethod.Put, $"/api/projects/{setup.ProjectId}/members/{id}", new { role = "grader" }, ct);
        return (email, id);
    }

    /// <summary>A solution page in a browser context of its own, once it follows the Api's changes.</summary>
    private async Task<IPage> FollowingPageAsync(Guid solutionId, string email, string password)
    {
        var context = await portal.NewContextAsync();
        var page = await context.NewPageAsync();
        BrowserPortal.EchoConsole(page);
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        await page.GotoAsync($"/solutions/{solutionId}");
        await SolutionPages.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("solution-live")).ToHaveAttributeAsync("data-following", "on");
        return page;
    }

    [Fact]
    public async Task GradeSubmittedInOneBrowser_ShowsInAnotherWithinTwoSeconds()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: false, ct);
        using var admin = setup.Admin;
        var (email, _) = await NewGraderAsync(setup, ct);
        var grading = await FollowingPageAsync(setup.SolutionId, email, MemberPassword);
        var watching = await FollowingPageAsync(setup.SolutionId, PortalHosts.AdminEmail, PortalHosts.AdminPassword);
        await Expect(watching.GetByTestId("other-grade")).ToHaveCountAsync(0);

        await grading.FillAsync("#grade-item-0", "2");
        await grading.FillAsync("#grade-item-1", "3.5");
        await grading.FillAsync("#grade-comment", "Pushed, not polled.");
        await grading.GetByTestId("submit-grade").ClickAsync();
        await Expect(grading.GetByTestId("my-grade-points")).ToHaveTextAsync("5.5 / 7");
        var saved = Stopwatch.StartNew();

        await Expect(watching.GetByTestId("other-grade")).ToContainTextAsync("Pushed, not polled.", new() { Timeout = 2_000 });
        saved.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(2));
        await Expect(watching.GetByTestId("live-note")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task BlindProject_OtherGradersGrade_UpdatesOnlyTheHiddenCountUntilOwnGrade()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: true, ct);
        using var admin = setup.Admin;
        var (email, _) = await NewGraderAsync(setup, ct);
        var page = await FollowingPageAsync(setup.SolutionId, email, MemberPassword);
        await Expect(page.GetByTestId("blind-notice")).ToHaveTextAsync("No one else has graded this yet; grades stay hidden until you submit yours.");

        await admin.PostAsync($"/api/solutions/{setup.SolutionId}/human-grades", new
        {
            points = 7m,
            items = new[] { new { rubricItemId = setup.ItemIds[0], points = 3m }, new { rubricItemId = setup.ItemIds[1], points = 4m } },
            comment = "The admin's hidden reasoning.",
        }, ct);

        await Expect(page.GetByTestId("blind-notice")).ToHaveTextAsync("1 other grade hidden until you submit yours.", new() { Timeout = 2_000 });
        await Expect(page.GetByTestId("other-grade")).ToHaveCountAsync(0);
        (await page.ContentAsync()).ShouldNotContain("The admin's hidden reasoning.");
    }
}
