using System.Text.Json;
using System.Text.RegularExpressions;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The model side of the Web in headless Chromium (model profiles: <see cref="AccountPagesTests"/>): starting a run with
/// its estimate and following it live, and model grades on the solution page. No Worker runs here: the rows a Worker would
/// write are put in place through Domain and the DbContext.
/// </summary>
public sealed partial class GradingPagesTests(BrowserPortal portal) : IClassFixture<BrowserPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    private const string SecretKey = "sk-web-7d1c5b2a-do-not-echo";
    private const string ProofText = "Let n be even. Then n^2 is even, hence the claim holds for every n.\n\nThis finishes the proof.";

    private async Task<IPage> SignedInPageAsync(string email = PortalHosts.AdminEmail, string password = PortalHosts.AdminPassword, bool bypassCsp = false)
    {
        var page = await portal.NewPageAsync(bypassCsp);
        await SignInAsync(page, email, password);
        return page;
    }

    private static async Task SignInAsync(IPage page, string email = PortalHosts.AdminEmail, string password = PortalHosts.AdminPassword)
    {
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
    }

    private Task<ApiClient> AdminApiAsync() =>
        ApiClient.SignInAsync(portal.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, TestContext.Current.CancellationToken);

    private async Task<T> WithDbAsync<T>(Func<GradingDbContext, Task<T>> action)
    {
        using var scope = portal.Hosts.Api.Services.CreateScope();
        return await action(scope.ServiceProvider.GetRequiredService<GradingDbContext>());
    }

    /// <summary>A project with one problem (one reference) and <paramref name="solutions"/> solutions, and a model profile.</summary>
    private async Task<(Guid Project, Guid Problem, Guid[] Solutions, Guid Profile)> SeedAsync(ApiClient admin, int solutions = 2, bool blind = false)
    {
        var ct = TestContext.Current.CancellationToken;
        var project = await admin.PostAsync("/api/projects", new { name = $"Runs {Guid.NewGuid():N}"[..16], blindGrading = blind }, ct);
        var projectId = project.GetProperty("id").GetGuid();
        var problem = await admin.PostAsync($"/api/projects/{projectId}/problems", new
        {
            title = "Parity",
            statement = "Prove that $n^2$ is even for every even $n$.",
            referenceSolutions = new[] { new { text = "Write $n = 2k$; then $n^2 = 4k^2$.", source = "official" } },
        }, ct);
        var problemId = problem.GetProperty("id").GetGuid();
        var ids = new Guid[solutions];
        for (var i = 0; i < solutions; i++)
        {
            ids[i] = (await admin.PostAsync($"/api/problems/{problemId}/solutions", new { text = ProofText, author = "model-x" }, ct)).GetProperty("id").GetGuid();
        }
        var profile = await admin.PostAsync("/api/model-profiles", new
        {
            name = $"Profile {Guid.NewGuid():N}"[..20], baseUrl = "http://127.0.0.1:9/v1", model = "fake-model-1", apiKey = SecretKey,
            prices = new { input = 1.25m, cachedInput = 0.125m, output = 10m },
        }, ct);
        return (projectId, problemId, ids, profile.GetProperty("id").GetGuid());
    }

    /// <summary>Opens a MudSelect (wrapped in an element with <paramref name="testId"/>) and picks the option showing <paramref name="text"/>.</summary>
    private static async Task ChooseAsync(IPage page, string testId, string text)
    {
        await page.GetByTestId(testId).Locator(".mud-select").First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new LocatorFilterOptions { HasText = text }).First.ClickAsync();
        await Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task RunsPage_StartWithLiveEstimate_RunPageFollowsTheRunLiveUntilItFinishes()
    {
        using var admin = await AdminApiAsync();
        var (projectId, problemId, solutions, _) = await SeedAsync(admin);
        var page = await SignedInPageAsync();

        await page.GotoAsync($"/problems/{problemId}");
        await page.ClickAsync("[data-testid=grade-with-model]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Grading runs");
        await Expect(page.GetByTestId("no-runs")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Checkbox, new() { Name = "Parity" })).ToBeCheckedAsync();

        // Five-stage by default: 1 clustering + 2 step extractions + 1 analysis + 1 rubric + 2 grading calls.
        await Expect(page.GetByTestId("estimate-calls")).ToHaveTextAsync("7");
        await Expect(page.GetByTestId("run-design")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("run-grade-prompt")).ToHaveAttributeAsync("data-value", "grade-with-rubric.v3");
        await ChooseAsync(page, "run-workflow", "(absolute)");
        await Expect(page.GetByTestId("run-design")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("run-grade-prompt")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("estimate-calls")).ToHaveTextAsync("2");
        await page.FillAsync("#run-samples", "3");
        await page.Locator("#run-samples").PressAsync("Tab");
        await Expect(page.GetByTestId("estimate-calls")).ToHaveTextAsync("6");
        await Expect(page.GetByTestId("estimate-cost")).ToContainTextAsync("≈");
        // Nothing ticked: the Api's refusal shows in place of the estimate.
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Parity" }).UncheckAsync();
        await Expect(page.GetByTestId("estimate-problem")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Parity" }).CheckAsync();
        await Expect(page.GetByTestId("estimate-calls")).ToHaveTextAsync("6");
        await BrowserPortal.ShotAsync(page, "runs-02-start");

        await page.ClickAsync("[data-testid=start-run-button]");
        await Expect(page).ToHaveURLAsync(new Regex("/runs/[0-9a-f-]{36}$"));
        var runId = Guid.Parse(page.Url[^36..]);
        await Expect(page.GetByTestId("run-title")).ToHaveTextAsync("absolute");
        await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Queued");
        await Expect(page.GetByTestId("run-live")).ToHaveAttributeAsync("data-live", "on");

        // What a Worker would do: plan the items and grade one. The open page follows through its circuit, no reload.
        await WithDbAsync(async db =>
        {
            var run = await db.GradingRuns.FirstAsync(r => r.Id == runId);
            run.StartPreparing(run.Configuration, DateTimeOffset.UtcNow);
            run.MarkRunning();
            db.GradingRunProblems.Add(new GradingRunProblem(runId, problemId) { Status = RunProblemStatus.Ready });
            db.GradingRunItems.Add(new GradingRunItem(runId, projectId, problemId, solutions[0]) { Status = RunItemStatus.Graded, Attempts = 1 });
            db.GradingRunItems.Add(new GradingRunItem(runId, projectId, problemId, solutions[1]) { Status = RunItemStatus.Pending });
            return await db.SaveChangesAsync();
        });
        await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Running");
        await Expect(page.GetByTestId("count-graded")).ToHaveTextAsync("1");
        await Expect(page.GetByTestId("count-pending")).ToHaveTextAsync("1");
        await Expect(page.GetByTestId("run-summary")).ToContainTextAsync("1 of 2 solutions finished");
        await Expect(page.GetByTestId("run-problems")).ToContainTextAsync("Parity");
        await BrowserPortal.ShotAsync(page, "runs-03-run-live");

        // The last item is graded and the run completes: the page shows it and stops following.
        await WithDbAsync(async db =>
        {
            var item = await db.GradingRunItems.FirstAsync(i => i.RunId == runId && i.SolutionId == solutions[1]);
            item.Status = RunItemStatus.Graded;
            item.Attempts = 1;
            var run = await db.GradingRuns.FirstAsync(r => r.Id == runId);
            run.Complete(DateTimeOffset.UtcNow);
            return await db.SaveChangesAsync();
        });
        await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Completed");
        await Expect(page.GetByTestId("count-graded")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("run-summary")).ToContainTextAsync("2 of 2 solutions finished");
        await Expect(page.GetByTestId("run-live")).ToHaveAttributeAsync("data-live", "off");
        await Expect(page.GetByTestId("cancel-run")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "All runs" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Grading runs");
        await Expect(page.GetByTestId("run-row-status")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("run-row-status")).ToHaveTextAsync("Completed");
        await Expect(page.GetByTestId("run-table")).ToContainTextAsync("2/2 graded");
    }

    [Fact]
    public async Task RunsPage_ThreeStageWithTheMatchedApproachPrompt_StartsARunThatKeepsItAndCancelAsksFirst()
    {
        using var admin = await AdminApiAsync();
        var (projectId, _, _, _) = await SeedAsync(admin);
        var page = await portal.NewPageAsync(bypassCsp: true);
        await SignInAsync(page);
        await page.GotoAsync($"/projects/{projectId}/runs");

        await Expect(page.GetByTestId("estimate-calls")).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await ChooseAsync(page, "run-workflow", "(three-stage)");
        await Expect(page.GetByTestId("run-grade-prompt")).ToHaveAttributeAsync("data-value", "grade-matched-reference.v3");
        await ChooseAsync(page, "run-grade-prompt", "grade-matched-reference.v1");
        await Expect(page.GetByTestId("run-grade-prompt")).ToHaveAttributeAsync("data-value", "grade-matched-reference.v1");
        await page.ClickAsync("[data-testid=start-run-button]");

        await Expect(page).ToHaveURLAsync(new Regex("/runs/[0-9a-f-]{36}$"));
        await Expect(page.GetByTestId("run-grade-prompt")).ToHaveTextAsync("grade-matched-reference.v1");
        var runId = Guid.Parse(page.Url[^36..]);
        (await WithDbAsync(db => db.GradingRuns.AsNoTracking().Where(r => r.Id == runId).Select(r => r.Workflow).FirstAsync())).ShouldBe("three-stage");
        (await WithDbAsync(async db => (await db.GradingRuns.AsNoTracking().FirstAsync(r => r.Id == runId)).PromptOf("grade")))
            .ShouldBe("grade-matched-reference.v1");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        // Cancel asks first; keeping the run changes nothing, confirming cancels it.
        // The buttons are looked up inside the dialog: the page's own "Cancel run" button shares the name.
        var confirm = page.GetByRole(AriaRole.Dialog);
        await page.ClickAsync("[data-testid=cancel-run]");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Keep running" }).ClickAsync();
        await Expect(confirm).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Queued");
        await page.ClickAsync("[data-testid=cancel-run]");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();
        await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Cancelled");
        await Expect(page.GetByTestId("run-message")).ToContainTextAsync("Work already done is kept");
        await Expect(page.GetByTestId("cancel-run")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("run-live")).ToHaveAttributeAsync("data-live", "off");
    }

    [Fact]
    public async Task RunPage_FailedItems_ShowsReasonsAndRetryPutsThemBack()
    {
        using var admin = await AdminApiAsync();
        var (projectId, problemId, solutions, profileId) = await SeedAsync(admin);
        var run = await admin.PostAsync("/api/grading-runs", new
        {
            projectId, problemIds = new[] { problemId }, workflow = "absolute", modelProfileId = profileId,
        }, TestContext.Current.CancellationToken);
        var runId = run.GetProperty("id").GetGuid();
        await WithDbAsync(async db =>
        {
            var tracked = await db.GradingRuns.FirstAsync(r => r.Id == runId);
            tracked.StartPreparing(tracked.Configuration, DateTimeOffset.UtcNow);
            tracked.MarkRunning();
            tracked.Complete(DateTimeOffset.UtcNow);
            db.GradingRunItems.Add(new GradingRunItem(runId, projectId, problemId, solutions[0]) { Status = RunItemStatus.Graded, Attempts = 1 });
            db.GradingRunItems.Add(new GradingRunItem(runId, projectId, problemId, solutions[1])
            {
                Status = RunItemStatus.Failed, Attempts = 4, LastError = "HTTP 503 from the endpoint after 4 attempts",
            });
            return await db.SaveChangesAsync();
        });
        var page = await portal.NewPageAsync(bypassCsp: true);
        await SignInAsync(page);

        await page.GotoAsync($"/runs/{runId}");

        await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Completed");
        await Expect(page.GetByTestId("run-live")).ToHaveAttributeAsync("data-live", "off");
        await Expect(page.GetByTestId("run-failures")).ToContainTextAsync("HTTP 503 from the endpoint");
        await Expect(page.GetByTestId("run-failures")).ToContainTextAsync($"model-x · …{solutions[1].ToString("N")[^6..]}");
        // The trail ends at this run as plain text, not as a link that goes nowhere.
        var here = page.Locator("nav[aria-label=Breadcrumb] [aria-current=page]");
        await Expect(here).ToHaveTextAsync($"Run {runId.ToString()[..8]}");
        await Expect(page.Locator("nav[aria-label=Breadcrumb] a[href='#']")).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await page.ClickAsync("[data-testid=retry-failed]");
        await Expect(page.GetByTestId("run-message")).ToContainTextAsync("queued again");
        await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Running");
        await Expect(page.GetByTestId("count-pending")).ToHaveTextAsync("1");
        await Expect(page.GetByTestId("count-failed")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("run-live")).ToHaveAttributeAsync("data-live", "on");

        // A Viewer sees the same run without the controls.
        var ct = TestContext.Current.CancellationToken;
        var viewerEmail = $"viewer-{Guid.NewGuid():N}@example.org";
        var viewerId = (await admin.PostAsync("/api/users", new { email = viewerEmail, displayName = "Viewer", password = "viewer-password-123" }, ct))
            .GetProperty("id").GetGuid();
        await admin.SendAsync(HttpMethod.Put, $"/api/projects/{projectId}/members/{viewerId}", new { role = "viewer" }, ct);
        var viewer = await portal.NewPageAsync();
        await SignInAsync(viewer, viewerEmail, "viewer-password-123");
        await viewer.GotoAsync($"/runs/{runId}");
        await Expect(viewer.GetByTestId("run-status")).ToHaveTextAsync("Running");
        await Expect(viewer.GetByTestId("cancel-run")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task RunsPage_SortAndFilterTheRunsAndARunsFailures_EachPageComesFromTheApiAndFailuresFollowTheRunLive()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = await AdminApiAsync();
        // Completed, running with three failures so far and two pending, queued (oldest first).
        var (projectId, runs, solutions) = await ThreeRunsAsync(admin);
        var page = await portal.NewPageAsync(bypassCsp: true);
        await SignInAsync(page);

        await page.GotoAsync($"/projects/{projectId}/runs");
        var statuses = page.GetByTestId("run-row-status");
        await Expect(statuses).ToHaveCountAsync(3);
        await ChooseAsync(page, "run-status-filter", "Completed");
        await Expect(statuses).ToHaveCountAsync(1);
        await Expect(statuses).ToHaveTextAsync("Completed");
        await ChooseAsync(page, "run-status-filter", "Failed");
        await Expect(page.GetByTestId("no-runs")).ToHaveTextAsync("No runs match these filters.");
        await ChooseAsync(page, "run-status-filter", "Any status");
        await Expect(statuses).ToHaveCountAsync(3);
        // Progress sorts by the share of finished items: queued (none), running (3 of 5), completed (all); then the reverse.
        var progress = page.Locator("th", new() { HasText = "Progress" }).Locator(".sortable-column-header");
        await progress.ClickAsync();
        await Expect(statuses).ToHaveTextAsync(["Queued", "Running", "Completed"]);
        await progress.ClickAsync();
        await Expect(statuses).ToHaveTextAsync(["Completed", "Running", "Queued"]);
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.GotoAsync($"/runs/{runs[1]}");
        var reasons = page.GetByTestId("failure-reason");
        await Expect(reasons).ToHaveCountAsync(3);
        await ChooseAsync(page, "failure-status-filter", "Needs attention");
        await Expect(reasons).ToHaveTextAsync(["The answer did not match the schema"]);
        await ChooseAsync(page, "failure-status-filter", "Any state");
        await Expect(reasons).ToHaveCountAsync(3);
        var search = page.Locator("input[data-testid=failure-search], [data-testid=failure-search] input");
        await search.PressSequentiallyAsync("quota");
        await Expect(reasons).ToHaveTextAsync(["Quota exceeded (HTTP 429)"]);
        await search.FillAsync("");
        await Expect(reasons).ToHaveCountAsync(3);
        var attempts = page.Locator("[data-testid=run-failures] th", new() { HasText = "Attempts" }).Locator(".sortable-column-header");
        await attempts.ClickAsync();
        await Expect(page.GetByTestId("failure-attempts")).ToHaveTextAsync(["1", "2", "4"]);
        await attempts.ClickAsync();
        await Expect(page.GetByTestId("failure-attempts")).ToHaveTextAsync(["4", "2", "1"]);

        // A Worker fails one more item: the page, still following the run, shows it without a reload.
        await WithDbAsync(async db =>
        {
            var item = await db.GradingRunItems.FirstAsync(i => i.RunId == runs[1] && i.SolutionId == solutions[3], ct);
            (item.Status, item.Attempts, item.LastError, item.FinishedAt) = (RunItemStatus.Failed, 3, "Connection reset by the endpoint", DateTimeOffset.UtcNow);
            return await db.SaveChangesAsync(ct);
        });
        await Expect(reasons).ToHaveCountAsync(4);
        await Expect(page.GetByTestId("failure-attempts")).ToHaveTextAsync(["4", "3", "2", "1"]);
        await Expect(page.GetByTestId("count-failed")).ToHaveTextAsync("3");
    }

    [Fact]
    public async Task SolutionPage_ModelGrade_ShowsScoreItemsHighlightedFindingsAndStageCalls()
    {
        using var admin = await AdminApiAsync();
        var (projectId, problemId, solutions, profileId) = await SeedAsync(admin, solutions: 1);
        var (_, gradeId) = await AddModelGradeAsync(admin, projectId, problemId, solutions[0], profileId);
        var page = await SignedInPageAsync();

        await SolutionPages.OpenAsync(page, solutions[0]);

        var grade = page.GetByTestId("model-grade");
        await Expect(grade).ToHaveCountAsync(1);
        await Expect(grade.GetByTestId("model-grade-points")).ToHaveTextAsync("3/7");
        await Expect(grade.GetByTestId("model-grade-status")).ToHaveTextAsync("valid");
        await Expect(grade.GetByTestId("model-grade-items")).ToContainTextAsync("The lemma is stated and proved.");
        await Expect(grade.GetByTestId("model-finding")).ToContainTextAsync("Checks one case only.");
        // The finding sits on the proof in the model style (dashed), apart from people's marks.
        var mark = page.Locator("#gp-proof-markdown mark.gp-ann.gp-origin-model").First;
        await Expect(mark).ToBeVisibleAsync();
        await Expect(mark).ToHaveTextAsync(new Regex("n be even"));
        (await page.Locator("#gp-proof-markdown mark.gp-ann:not(.gp-origin-model)").CountAsync()).ShouldBe(0);

        await grade.GetByTestId("show-stage-calls").ClickAsync();
        var calls = grade.GetByTestId("stage-call");
        await Expect(calls).ToHaveCountAsync(2);
        // A cancelled attempt is not shown as a failure: grey, not the error colour.
        var cancelled = calls.Nth(0).GetByTestId("stage-call-status");
        await Expect(cancelled).ToHaveTextAsync("Cancelled");
        await Expect(cancelled).ToHaveClassAsync(new Regex("mud-chip-color-default"));
        await Expect(cancelled).Not.ToHaveClassAsync(new Regex("mud-chip-color-error"));
        var call = calls.Nth(1);
        await Expect(call.GetByTestId("stage-call-status")).ToHaveClassAsync(new Regex("mud-chip-color-success"));
        await Expect(call).ToContainTextAsync("grade-absolute.v1");
        await Expect(call).ToContainTextAsync("840 ms");
        await BrowserPortal.ShotAsync(page, "runs-04-solution-model-grade");

        await grade.GetByTestId("accept-finding").ClickAsync();
        await Expect(page.GetByTestId("model-finding").GetByTestId("finding-review")).ToHaveTextAsync("✓ agreed");
        (await WithDbAsync(db => db.ModelFindings.Where(f => f.ModelGradeId == gradeId).Select(f => f.Review).SingleAsync()))
            .ShouldBe(Domain.Solutions.AnnotationReview.Accepted);
        (await page.ContentAsync()).ShouldNotContain(SecretKey);
    }

    [Fact]
    public async Task SolutionPage_BlindProject_GraderSeesModelGradesOnlyAfterOwnGrade()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = await AdminApiAsync();
        var (projectId, problemId, solutions, profileId) = await SeedAsync(admin, solutions: 1, blind: true);
        await AddModelGradeAsync(admin, projectId, problemId, solutions[0], profileId);
        var email = $"blind-{Guid.NewGuid():N}@example.org";
        var user = await admin.PostAsync("/api/users", new { email, password = "grader-password-1", displayName = "Blind Grader" }, ct);
        await admin.SendAsync(HttpMethod.Put, $"/api/projects/{projectId}/members/{user.GetProperty("id").GetGuid()}", new { role = "grader" }, ct);
        var page = await SignedInPageAsync(email, "grader-password-1");

        await SolutionPages.OpenAsync(page, solutions[0]);

        await Expect(page.GetByTestId("no-model-grades")).ToContainTextAsync("hidden until you submit your own grade");
        await Expect(page.GetByTestId("model-grade")).ToHaveCountAsync(0);
        await Expect(page.Locator("#gp-proof-markdown mark.gp-origin-model")).ToHaveCountAsync(0);

        using var grader = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, email, "grader-password-1", ct);
        await grader.PostAsync($"/api/solutions/{solutions[0]}/human-grades", new { points = 2 }, ct);

        // No reload: the open page notices the change through the circuit.
        await Expect(page.GetByTestId("model-grade")).ToHaveCountAsync(1);
        await Expect(page.Locator("#gp-proof-markdown mark.gp-origin-model").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task SolutionPage_BlindProject_OwnGradeFromAnotherTabOnAStreamThatNamesKinds_ShowsModelGrades()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = await AdminApiAsync();
        var (projectId, problemId, solutions, profileId) = await SeedAsync(admin, solutions: 1, blind: true);
        await AddModelGradeAsync(admin, projectId, problemId, solutions[0], profileId);
        var email = $"veil-{Guid.NewGuid():N}@example.org";
        var user = await admin.PostAsync("/api/users", new { email, password = "grader-password-1", displayName = "Veiled Grader" }, ct);
        await admin.SendAsync(HttpMethod.Put, $"/api/projects/{projectId}/members/{user.GetProperty("id").GetGuid()}", new { role = "grader" }, ct);
        // The admin's page opens the shared stream first, with a token that sees everything: its events name the kinds, so
        // the grade below arrives as "grades" alone, which by itself would not read the model grades.
        var opener = await SignedInPageAsync();
        await SolutionPages.OpenAsync(opener, solutions[0]);
        await Expect(opener.GetByTestId("solution-live")).ToHaveAttributeAsync("data-following", "on");
        var page = await SignedInPageAsync(email, "grader-password-1");
        await SolutionPages.OpenAsync(page, solutions[0]);
        await Expect(page.GetByTestId("solution-live")).ToHaveAttributeAsync("data-following", "on");
        await Expect(page.GetByTestId("model-grade")).ToHaveCountAsync(0);
        // Someone else's work before the grader's own grade: its event stays out of the grader's history for now.
        await admin.SendAsync(HttpMethod.Put, $"/api/solutions/{solutions[0]}/adjudication", new { points = 1, rationale = "Before the veil lifts." }, ct);
        await Expect(opener.Locator("[data-testid=history-item][data-entity=adjudication]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-testid=history-item][data-entity=adjudication]")).ToHaveCountAsync(0);

        using var grader = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, email, "grader-password-1", ct);
        await grader.PostAsync($"/api/solutions/{solutions[0]}/human-grades", new { points = 2 }, ct);

        // The grader's own grade lifted the veil: the page sees that in the grading part it reads and reads the model grades
        // and the whole history too (the adjudication's event is older than the newest one the page held).
        await Expect(page.GetByTestId("model-grade")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-testid=history-item][data-entity=adjudication]")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("history-item").First).ToHaveAttributeAsync("data-entity", "humanGrade");
    }

    [Fact]
    public async Task SolutionPage_AnnotateAcrossFormulaGradeWithKeysAndAdjudicate_AllThroughTheCircuit()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = await AdminApiAsync();
        var project = await admin.PostAsync("/api/projects", new { name = $"Keys {Guid.NewGuid():N}"[..16] }, ct);
        var projectId = project.GetProperty("id").GetGuid();
        var problem = await admin.PostAsync($"/api/projects/{projectId}/problems", new
        {
            title = "Squares",
            statement = "Prove that $n^2$ is even for every even $n$.",
            rubric = new { items = new[] { new { title = "Step one", points = 3m }, new { title = "Step two", points = 4m } } },
        }, ct);
        var problemId = problem.GetProperty("id").GetGuid();
        const string proof = "Write $n = 2k$ so that $n^2 = 4k^2$ is even.\n\nHence the claim.";
        var solutionId = (await admin.PostAsync($"/api/problems/{problemId}/solutions", new { text = proof }, ct)).GetProperty("id").GetGuid();
        // Without the policy, so the test may place a selection by script and axe may run.
        var page = await SignedInPageAsync(bypassCsp: true);

        await SolutionPages.OpenAsync(page, solutionId);
        // KaTeX typeset the formulas through the page's module.
        await Expect(page.Locator("#gp-proof-markdown .gp-math .katex").First).ToBeVisibleAsync();

        // A selection from inside the text run across the typeset formula maps to exact source offsets.
        await page.EvaluateAsync("""
            () => {
              const runs = [...document.querySelectorAll('#gp-proof-markdown [data-s]')];
              const first = runs.find(r => !r.classList.contains('gp-math') && r.textContent.includes('so that'));
              const last = runs.find(r => !r.classList.contains('gp-math') && r.textContent.includes('is even'));
              const range = document.createRange();
              range.setStart(first.firstChild, first.textContent.indexOf('so that'));
              range.setEnd(last.firstChild, last.textContent.indexOf('is even') + 'is even'.length);
              getSelection().removeAllRanges();
              getSelection().addRange(range);
            }
            """);
        await page.Locator("body").PressAsync("a");
        await Expect(page.GetByTestId("annotation-quote-preview")).ToHaveTextAsync("so that $n^2 = 4k^2$ is even");
        await page.FillAsync("#annotation-comment", "Evenness of 4k^2 is asserted, not shown.");
        await page.GetByTestId("save-annotation").ClickAsync();
        await Expect(page.GetByTestId("annotation-item")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("annotation-item")).ToContainTextAsync("so that $n^2 = 4k^2$ is even");
        await Expect(page.Locator("#gp-proof-markdown mark.gp-ann:not(.gp-origin-model)").First).ToBeVisibleAsync();
        // The formulas are typeset again after the render that drew the mark.
        await Expect(page.Locator("#gp-proof-markdown .gp-math:not([data-rendered])")).ToHaveCountAsync(0);
        var stored = await admin.SendAsync(HttpMethod.Get, $"/api/solutions/{solutionId}", null, ct);
        var annotation = stored.GetProperty("annotations")[0];
        proof[annotation.GetProperty("start").GetInt32()..annotation.GetProperty("end").GetInt32()].ShouldBe("so that $n^2 = 4k^2$ is even");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        // Keys arriving faster than the circuit answers (all pressed before the first reply, as on a loaded server)
        // still land in order on the right items: 1 .5 on the first, 3 on the second.
        await page.Locator("[data-gp-item='0']").FocusAsync();
        await page.EvaluateAsync("""
            () => {
              for (const key of ['1', '.', '5', '3']) {
                document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
              }
            }
            """);
        await Expect(page.GetByTestId("grade-total-value")).ToHaveTextAsync("4.5");

        // Real keys: focus the first item, 2 then .5 gives it 2.5 and moves on; 9 is capped at the second item's 4.
        await page.Locator("[data-gp-item='0']").FocusAsync();
        await page.Keyboard.PressAsync("2");
        await page.Keyboard.PressAsync(".");
        await page.Keyboard.PressAsync("5");
        await page.Keyboard.PressAsync("9");
        await Expect(page.GetByTestId("grade-total-value")).ToHaveTextAsync("6.5");
        await page.Keyboard.PressAsync("Control+Enter");
        await Expect(page.GetByTestId("grade-saved")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("my-grade-points")).ToHaveTextAsync("6.5 / 7");

        // Adjudicate on the grade just given.
        await page.FillAsync("#adjudication-points", "6");
        await page.FillAsync("#adjudication-rationale", "Step two is missing half a point of justification.");
        await page.GetByTestId("submit-adjudication").ClickAsync();
        await Expect(page.GetByTestId("adjudication-saved")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("final-points")).ToHaveTextAsync("6 / 7");
        await Expect(page.GetByTestId("adjudication-based-on")).ToContainTextAsync("(6.5)");
        await Expect(page.Locator("[data-testid=history-item][data-entity=adjudication]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-testid=history-item][data-entity=annotation]")).ToHaveCountAsync(1);

        // "?" lists the shortcuts.
        await page.Locator("h1").ClickAsync();
        await page.Keyboard.PressAsync("?");
        await Expect(page.GetByTestId("shortcuts")).ToContainTextAsync("Ctrl");
        await BrowserPortal.ShotAsync(page, "solution-interactive");
    }

    /// <summary>A run of the solution with a valid model grade (one finding quoting "n be even") and its grading call.</summary>
    private async Task<(Guid RunId, Guid GradeId)> AddModelGradeAsync(ApiClient admin, Guid projectId, Guid problemId, Guid solutionId, Guid profileId)
    {
        var run = await admin.PostAsync("/api/grading-runs", new
        {
            projectId, solutionIds = new[] { solutionId }, workflow = "absolute", modelProfileId = profileId,
        }, TestContext.Current.CancellationToken);
        var runId = run.GetProperty("id").GetGuid();
        var gradeId = await WithDbAsync(async db =>
        {
            var now = DateTimeOffset.UtcNow;
            var grade = ModelGrade.CreateValid(projectId, solutionId, ProofText, 7, "absolute", "fake-model-1", runId, null, 3,
                [new ModelItemAwardInput(null, "Key lemma", 3, 3, "The lemma is stated and proved."), new ModelItemAwardInput(null, "Finish", 0, 4, "Only even n.")],
                [new ModelFindingInput("proof-by-example", "proof-by-example", Domain.Common.Severity.Major, "n be even", null, "Checks one case only.", null, null)],
                "Partial progress.", "The lemma holds; the conclusion does not follow.", """{"points":3}""", """{"workflow":"absolute"}""", null, now);
            db.ModelGrades.Add(grade);
            var messages = JsonSerializer.Serialize(new[] { new { role = "user", content = "<solution>" } });
            // A first attempt stopped on purpose (its Worker was stopping), then the one that answered.
            db.StageCalls.Add(new StageCall($"{runId:N}:{solutionId:N}:grade:0", 1, projectId, runId, null, problemId, solutionId, Stages.Grade,
                "grade-absolute.v1", new string('b', 64), profileId, "{}", messages, now.AddSeconds(-5))
            {
                ModelGradeId = grade.Id, Status = StageCallStatus.Cancelled, Error = "cancelled: the Worker was stopping", FinishedAt = now.AddSeconds(-4),
            });
            db.StageCalls.Add(new StageCall($"{runId:N}:{solutionId:N}:grade:0", 2, projectId, runId, null, problemId, solutionId, Stages.Grade,
                "grade-absolute.v1", new string('b', 64), profileId, "{}", messages, now)
            {
                ModelGradeId = grade.Id, Status = StageCallStatus.Succeeded, RawResponse = """{"choices":[]}""", InputTokens = 1200, OutputTokens = 300,
                LatencyMs = 840, Cost = 0.0042m, FinishedAt = now,
            });
            await db.SaveChangesAsync();
            return grade.Id;
        });
        return (runId, gradeId);
    }
}
