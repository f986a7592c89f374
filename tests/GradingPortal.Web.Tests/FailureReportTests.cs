using Microsoft.Extensions.Logging;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// What a failed browser test prints: the page's address, title and text, what it did (navigations, answers of 400 and
/// up, its console), a screenshot, and the hosts' warnings since the previous test.
/// </summary>
public sealed class FailureReportTests(BrowserPortal portal) : IClassFixture<BrowserPortal>, IAsyncDisposable
{
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    [Fact]
    public async Task Describe_SignedOutPageThatLoggedAndMissedAFile_GivesAddressTextEventsAndAScreenshot()
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/projects");
        await page.FillAsync("#email", "someone@example.org");
        await page.FillAsync("#password", "typed-secret-1");
        // A form post without its antiforgery token is refused.
        var status = await page.EvaluateAsync<int>("async () => { console.error('a marked console error'); return (await fetch('/signout', { method: 'POST' })).status; }");
        status.ShouldBeGreaterThanOrEqualTo(400);
        var signIn = new Uri(portal.Hosts.WebUrl, "/signin?ReturnUrl=%2Fprojects").ToString();
        var record = portal.PagesOfThisTest().ShouldHaveSingleItem();

        var lines = await FailureReport.DescribeAsync(record, 1);

        lines[0].ShouldBe($"page 1: {signIn}");
        lines.ShouldContain(l => l.Trim() == "title: Sign in · GradingPortal");
        lines.ShouldContain(l => l.Trim() == "Grading olympiad proofs, by people and models together.");
        lines.ShouldContain(l => l.Trim() == "field email = \"someone@example.org\"");
        lines.ShouldContain(l => l.Trim() == "focus: password");
        lines.ShouldNotContain(l => l.Contains("typed-secret-1", StringComparison.Ordinal));
        lines.ShouldContain(l => l.EndsWith($"navigated to {signIn}", StringComparison.Ordinal));
        lines.ShouldContain(l => l.EndsWith("console error: a marked console error", StringComparison.Ordinal));
        lines.ShouldContain(l => l.EndsWith($"answer {status}: POST {new Uri(portal.Hosts.WebUrl, "/signout")}", StringComparison.Ordinal));
        var shot = lines.Single(l => l.Trim().StartsWith("screenshot: ", StringComparison.Ordinal)).Trim()["screenshot: ".Length..];
        File.Exists(shot).ShouldBeTrue();
        shot.ShouldContain($"{Path.DirectorySeparatorChar}TestResults{Path.DirectorySeparatorChar}browser-failures{Path.DirectorySeparatorChar}");
    }

    [Fact]
    public void WarningsSince_Mark_GivesOnlyLaterWarningsAndWorse()
    {
        var sink = new LogSink();
        var logger = sink.CreateLogger("Test");
        logger.LogWarning("before the mark");
        var mark = sink.Mark;
        logger.LogInformation("information after the mark");
        logger.LogError("error after the mark");

        var lines = sink.WarningsSince(mark).ToList();

        lines.ShouldHaveSingleItem().ShouldContain("Error Test: error after the mark");
        sink.Lines.Count.ShouldBe(3);
    }
}
