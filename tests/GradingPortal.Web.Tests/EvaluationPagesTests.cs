using System.Text.RegularExpressions;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Web.Components.Pages.Evaluation;
using GradingPortal.Web.Components.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The Evaluation, partial-credit audit and review queue pages in Chromium against the real Api and Web. People grade
/// through the Api; the model grades a Worker (or an import) would store are put in place through Domain and the DbContext.
/// </summary>
public sealed class EvaluationPagesTests(BrowserPortal portal) : IClassFixture<BrowserPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    private const string GraderPassword = "evaluation-password-1";

    private static readonly object Rubric = new
    {
        items = new object[] { new { title = "Key lemma", points = 3 }, new { title = "Finish", points = 4 } },
    };

    private sealed record Seeded(Guid Project, Guid Problem, Guid[] Solutions, Guid[] Items, Guid Run);

    /// <summary>
    /// One problem (3 + 4), three solutions graded by the admin 7 (3+4), 2 (1+1) and nothing; a run with the fake
    /// model scoring 7 (3+4) and 5 (3+2); an imported judge scoring the first 6.
    /// </summary>
    private async Task<Seeded> SeedAsync(ApiClient admin, bool blind = false)
    {
        var ct = TestContext.Current.CancellationToken;
        var projectId = (await admin.PostAsync("/api/projects", new { name = $"Eval {Guid.NewGuid():N}"[..14], blindGrading = blind }, ct)).GetProperty("id").GetGuid();
        var problem = await admin.PostAsync($"/api/projects/{projectId}/problems", new
        {
            title = "Parity", statement = "Prove that $n^2$ is even for every even $n$.", rubric = Rubric,
        }, ct);
        var problemId = problem.GetProperty("id").GetGuid();
        var items = problem.GetProperty("currentRubric").GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToArray();
        var solutions = new Guid[3];
        for (var i = 0; i < 3; i++)
        {
            solutions[i] = (await admin.PostAsync($"/api/problems/{problemId}/solutions", new { text = $"Proof number {i}: write n = 2k.", author = "prover" }, ct))
                .GetProperty("id").GetGuid();
        }
        await admin.PostAsync($"/api/solutions/{solutions[0]}/human-grades", new
        {
            points = 7, items = new[] { new { rubricItemId = items[0], points = 3m, comment = "Lemma fine." }, new { rubricItemId = items[1], points = 4m, comment = "" } },
        }, ct);
        await admin.PostAsync($"/api/solutions/{solutions[1]}/human-grades", new
        {
            points = 2, items = new[] { new { rubricItemId = items[0], points = 1m, comment = "Lemma only sketched." }, new { rubricItemId = items[1], points = 1m, comment = "" } },
        }, ct);
        var profile = await admin.PostAsync("/api/model-profiles", new
        {
            name = $"Profile {Guid.NewGuid():N}"[..20], baseUrl = "http://127.0.0.1:9/v1", model = "fake-model-1", apiKey = "sk-eval-not-shown",
        }, ct);
        var run = await admin.PostAsync("/api/grading-runs", new
        {
            projectId, problemIds = new[] { problemId }, workflow = "absolute", modelProfileId = profile.GetProperty("id").GetGuid(),
        }, ct);
        var runId = run.GetProperty("id").GetGuid();
        await AddModelGradeAsync(solutions[0], runId, 7, [(items[0], 3), (items[1], 4)]);
        await AddModelGradeAsync(solutions[1], runId, 5, [(items[0], 3), (items[1], 2)]);
        await AddModelGradeAsync(solutions[0], null, 6, []);
        return new Seeded(projectId, problemId, solutions, items, runId);
    }

    private async Task AddModelGradeAsync(Guid solutionId, Guid? runId, decimal points, (Guid Item, decimal Points)[] items)
    {
        using var scope = portal.Hosts.Api.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        var solution = await db.Solutions.AsNoTracking().FirstAsync(x => x.Id == solutionId);
        var now = DateTimeOffset.UtcNow;
        db.ModelGrades.Add(ModelGrade.CreateValid(solution.ProjectId, solutionId, solution.Text, 7, runId is null ? "opc-judge" : "absolute",
            runId is null ? "opc-judge" : "fake-model-1", runId, null, points,
            [.. items.Select(i => new ModelItemAwardInput(i.Item, "item", i.Points, null, i.Points == 3 && points == 5 ? "Credits the sketched lemma in full." : null))],
            [], null, null, "{}", "{}", runId is null ? $"opc-{solutionId:N}" : null, now));
        await db.SaveChangesAsync();
    }

    private async Task<IPage> SignedInPageAsync(string email = PortalHosts.AdminEmail, string password = PortalHosts.AdminPassword)
    {
        var page = await portal.NewPageAsync(bypassCsp: true);
        BrowserPortal.EchoConsole(page);
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        return page;
    }

    private Task<ApiClient> AdminApiAsync() =>
        ApiClient.SignInAsync(portal.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, TestContext.Current.CancellationToken);

    [Fact]
    public async Task EvaluationPage_SeededProject_ShowsGradersChartsOriginAndLinksToTheSolutionsBehind()
    {
        using var admin = await AdminApiAsync();
        var seeded = await SeedAsync(admin);
        var page = await SignedInPageAsync();

        await page.GotoAsync($"/projects/{seeded.Project}/evaluation");

        var table = page.GetByTestId("graders-table");
        await Expect(table).ToContainTextAsync("absolute · fake-model-1");
        await Expect(table).ToContainTextAsync("opc-judge");
        // The run against references [7, 2]: off by 0 and 3, so MAE 1.50.
        var runRow = table.Locator("tr", new() { HasText = "absolute · fake-model-1" });
        await Expect(runRow.Locator("[data-metric=mae]")).ToHaveTextAsync("1.50");
        await Expect(page.GetByTestId("grade-origin")).ToContainTextAsync("stand-in model");
        await Expect(page.GetByTestId("grade-origin")).ToContainTextAsync("imported grades from opc-judge");
        foreach (var chart in new[] { "calibration-chart", "scatter-chart", "rubric-chart" })
        {
            await Expect(page.GetByTestId(chart).Locator("svg").First).ToBeVisibleAsync();
        }
        await Expect(page.GetByTestId("confusion-table").Locator("td[data-cell='2,5'] a")).ToHaveTextAsync("1");
        await Expect(page.GetByTestId("rubric-items")).ToContainTextAsync("Key lemma");
        await Expect(page.GetByTestId("problems")).ToContainTextAsync("Parity");
        await BrowserPortal.ShotAsync(page, "evaluation-page");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await runRow.GetByRole(AriaRole.Link, new() { Name = "absolute · fake-model-1" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/projects/{seeded.Project}/evaluation/solutions\\?grader={seeded.Run}$"));
        await Expect(page.GetByTestId("figure-total")).ToHaveTextAsync("2 solutions");

        await page.GotoAsync($"/projects/{seeded.Project}/audit?grader={seeded.Run}");
        await Expect(page.GetByTestId("disagreement").First).ToHaveTextAsync("2");
    }

    [Fact]
    public async Task EvaluationPage_Figures_LinkToTheSolutionsTheyRestOn()
    {
        using var admin = await AdminApiAsync();
        var seeded = await SeedAsync(admin);
        var page = await SignedInPageAsync();
        await page.GotoAsync($"/projects/{seeded.Project}/evaluation");
        var runRow = page.GetByTestId("graders-table").Locator("tr", new() { HasText = "absolute · fake-model-1" });

        // MAE: both solutions the run shares with people, the one it is 3 points off first.
        await runRow.Locator("[data-metric=mae]").ClickAsync();
        await Expect(page.GetByTestId("figure-total")).ToHaveTextAsync("2 solutions");
        await Expect(page.GetByTestId("figure-description")).ToContainTextAsync("absolute · fake-model-1");
        await Expect(page.GetByTestId("pair-difference")).ToHaveTextAsync(["+3", "0"]);
        await Expect(page.GetByTestId("pair-human").First).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("pair-model").First).ToHaveTextAsync("5");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await page.GetByTestId("pair-solution").First.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/solutions/{seeded.Solutions[1]}$"));

        // A confusion cell: people 7, model 7.
        await page.GotoAsync($"/projects/{seeded.Project}/evaluation");
        await page.GetByTestId("confusion-table").Locator("td[data-cell='7,7'] a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("hc=7&mc=7$"));
        await Expect(page.GetByTestId("figure-total")).ToHaveTextAsync("1 solution");
        await Expect(page.GetByTestId("pair-solution")).ToHaveAttributeAsync("href", $"/solutions/{seeded.Solutions[0]}");

        // A calibration row: people gave 2, the run 5 on average.
        await page.GotoAsync($"/projects/{seeded.Project}/evaluation");
        var row = page.GetByTestId("calibration-rows").Locator("tr", new() { HasText = "5.00" });
        await row.GetByRole(AriaRole.Link, new() { Name = "1", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("figure-description")).ToContainTextAsync("where people gave 2");
        await Expect(page.GetByTestId("pair-model")).ToHaveTextAsync(["5"]);

        // The per-problem drill-down keeps the problem.
        await page.GotoAsync($"/projects/{seeded.Project}/evaluation");
        await page.GetByTestId("problems").GetByText("Parity").ClickAsync();
        await page.GetByTestId("problems").Locator("tr", new() { HasText = "opc-judge" }).GetByRole(AriaRole.Link, new() { Name = "opc-judge" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"problem={seeded.Problem}"));
        await Expect(page.GetByTestId("figure-description")).ToContainTextAsync("on Parity");
        await Expect(page.GetByTestId("pair-difference")).ToHaveTextAsync(["−1"]);
    }

    [Fact]
    public async Task AuditPage_Filters_ShowLargestDisagreementFirstWithReasonsAndComments()
    {
        using var admin = await AdminApiAsync();
        var seeded = await SeedAsync(admin);
        var page = await SignedInPageAsync();

        await page.GotoAsync($"/projects/{seeded.Project}/audit");

        var rows = page.GetByTestId("audit-rows");
        // Key lemma on the second solution: the model gave 3 where the person gave 1.
        await Expect(page.GetByTestId("disagreement").First).ToHaveTextAsync("2");
        await Expect(rows.Locator("tbody tr").First).ToContainTextAsync("Credits the sketched lemma in full.");
        await Expect(rows.Locator("tbody tr").First).ToContainTextAsync("Lemma only sketched.");
        // Solutions added together are named by their author and the end of their id, not by the id's shared start.
        await Expect(rows.Locator("tbody tr").First).ToContainTextAsync($"Parity · prover · …{seeded.Solutions[1].ToString("N")[^6..]}");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.GotoAsync($"/projects/{seeded.Project}/audit?item={seeded.Items[1]}");
        await Expect(rows.Locator("tbody tr")).ToHaveCountAsync(2);
        await Expect(rows).Not.ToContainTextAsync("Key lemma");
        await BrowserPortal.ShotAsync(page, "evaluation-audit");
    }

    [Fact]
    public async Task ReviewQueue_JAndK_MoveThroughItemsAndEnterOpensTheSolution()
    {
        using var admin = await AdminApiAsync();
        var seeded = await SeedAsync(admin);
        var page = await SignedInPageAsync();

        await page.GotoAsync($"/projects/{seeded.Project}/review");

        var items = page.GetByTestId("queue-item");
        // Only the ungraded third solution still needs a grade from the admin.
        await Expect(items).ToHaveCountAsync(1);
        await Expect(items.First).ToContainTextAsync($"Parity · prover · …{seeded.Solutions[2].ToString("N")[^6..]}");
        await Expect(items.First.Locator("[data-reason=needs-grade]")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("review-progress")).ToContainTextAsync("Progress");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await Expect(page.GetByTestId("review-queue")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("k");
        await Expect(items.First).ToHaveAttributeAsync("aria-current", "true");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex($"/solutions/{seeded.Solutions[2]}$"));
    }

    [Fact]
    public async Task EvaluationPage_BlindProjectForAGrader_ExplainsInsteadOfShowingFigures()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = await AdminApiAsync();
        var seeded = await SeedAsync(admin, blind: true);
        var email = $"eval-{Guid.NewGuid():N}@example.org";
        var user = await admin.PostAsync("/api/users", new { email, password = GraderPassword, displayName = "Blind Grader" }, ct);
        await admin.SendAsync(HttpMethod.Put, $"/api/projects/{seeded.Project}/members/{user.GetProperty("id").GetGuid()}", new { role = "grader" }, ct);
        var page = await SignedInPageAsync(email, GraderPassword);

        await page.GotoAsync($"/projects/{seeded.Project}/evaluation");
        await Expect(page.GetByTestId("load-error")).ToContainTextAsync("for adjudicators and admins");
        await Expect(page.GetByTestId("graders-table")).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.GotoAsync($"/projects/{seeded.Project}/review");
        // The admin's grades already give two solutions the one grade they need; the third waits for this grader.
        await Expect(page.GetByTestId("queue-item")).ToHaveCountAsync(1);
        // A grader in a blind project gets no risk score and no reason that reads others' grades.
        await Expect(page.GetByTestId("review-queue")).Not.ToContainTextAsync("risk");
    }

    [Fact]
    public async Task EvaluationPage_MaeSortButton_OrdersGradersByMaeBothWays()
    {
        using var admin = await AdminApiAsync();
        var seeded = await SeedAsync(admin);
        var page = await SignedInPageAsync();
        await page.GotoAsync($"/projects/{seeded.Project}/evaluation");
        var table = page.GetByTestId("graders-table");
        await Expect(table).ToContainTextAsync("opc-judge");

        var header = table.Locator("thead th").Filter(new() { HasTextRegex = new Regex("^\\s*MAE\\s*$") });
        TestContext.Current.TestOutputHelper?.WriteLine(await header.InnerHTMLAsync());
        var rows = table.Locator("tbody tr");
        // The imported judge is off by 1 on its one solution (MAE 1.00), the run by 0 and 3 (MAE 1.50).
        await header.Locator("button.sort-direction-icon").ClickAsync();
        await Expect(rows.First).ToContainTextAsync("opc-judge");
        await Expect(rows.Nth(1)).ToContainTextAsync("absolute · fake-model-1");
        await header.Locator("button.sort-direction-icon").ClickAsync();
        await Expect(rows.First).ToContainTextAsync("absolute · fake-model-1");
        await Expect(rows.Nth(1)).ToContainTextAsync("opc-judge");

        // A figure links to the solutions behind it: that grader's, largest disagreement first.
        await rows.First.Locator("[data-metric=mae]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/projects/{seeded.Project}/evaluation/solutions\\?grader={seeded.Run}$"));
    }

    [Fact]
    public async Task EvaluationPage_DownloadCsv_HasOneRowPerGraderAndMetric()
    {
        using var admin = await AdminApiAsync();
        var seeded = await SeedAsync(admin);
        var page = await SignedInPageAsync();
        await page.GotoAsync($"/projects/{seeded.Project}/evaluation?humanSource=mean");
        await Expect(page.GetByTestId("graders-table")).ToContainTextAsync("opc-judge");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("agreement-csv").ClickAsync());
        download.SuggestedFilename.ShouldEndWith(".csv");
        var lines = (await File.ReadAllLinesAsync(await download.PathAsync(), TestContext.Current.CancellationToken))
            .Where(l => l.Length > 0).ToList();
        lines[0].ShouldBe("graderId,kind,label,metric,value,low,high,n");
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        rows.Count.ShouldBe(2 * Figures.Metrics.Count);
        rows.Select(r => (r[0], r[3])).Distinct().Count().ShouldBe(rows.Count);
        rows.Where(r => r[0] == seeded.Run.ToString()).Select(r => r[3]).ShouldBe(Figures.Metrics.Select(m => m.Name), ignoreOrder: true);
        rows.Single(r => r[0] == seeded.Run.ToString() && r[3] == "mae")[4].ShouldBe("1.5");
    }

    [Fact]
    public async Task GoldControl_AdjudicatorMarksAndUnmarks_GraderQueueNeverSaysGoldAndAdminSeesAgreement()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = await AdminApiAsync();
        var seeded = await SeedAsync(admin);
        await admin.SendAsync(HttpMethod.Put, $"/api/solutions/{seeded.Solutions[0]}/adjudication", new { points = 7, rationale = "Complete proof." }, ct);
        var page = await SignedInPageAsync();

        await SolutionPages.OpenAsync(page, seeded.Solutions[0]);
        var gold = page.GetByTestId("gold-control");
        await Expect(gold).ToContainTextAsync("Gold item");
        await Expect(page.GetByTestId("gold-state")).ToHaveCountAsync(0);
        await page.FillAsync("#gold-note", "Clean reference case.");
        await page.GetByTestId("mark-gold").ClickAsync();
        await Expect(page.GetByTestId("gold-state")).ToHaveTextAsync("Gold");
        await Expect(page.GetByTestId("gold-marked")).ToContainTextAsync("Marked by");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        var items = await admin.SendAsync(HttpMethod.Get, $"/api/projects/{seeded.Project}/gold", null, ct);
        var item = items.EnumerateArray().Single();
        item.GetProperty("active").GetBoolean().ShouldBeTrue();
        item.GetProperty("note").GetString().ShouldBe("Clean reference case.");

        // A grader who has not graded it finds it in the queue with nothing that gives it away.
        // Neither the address nor the name says gold: the page shows both (the user menu), and the check below is on words.
        var email = $"queue-{Guid.NewGuid():N}@example.org";
        var user = await admin.PostAsync("/api/users", new { email, password = GraderPassword, displayName = "Queue Grader" }, ct);
        await admin.SendAsync(HttpMethod.Put, $"/api/projects/{seeded.Project}/members/{user.GetProperty("id").GetGuid()}", new { role = "grader" }, ct);
        var graderPage = await SignedInPageAsync(email, GraderPassword);
        await graderPage.GotoAsync($"/projects/{seeded.Project}/review");
        var queue = graderPage.GetByTestId("review-queue");
        await Expect(queue.Locator($"a[href='/solutions/{seeded.Solutions[0]}']")).ToHaveCountAsync(1);
        await Expect(graderPage.GetByTestId("review-progress")).ToBeVisibleAsync();
        await Expect(graderPage.Locator("body")).Not.ToContainTextAsync(new Regex("gold", RegexOptions.IgnoreCase));
        await SolutionPages.OpenAsync(graderPage, seeded.Solutions[0]);
        await Expect(graderPage.GetByTestId("solution-title")).ToBeVisibleAsync();
        await Expect(graderPage.GetByTestId("gold-control")).ToHaveCountAsync(0);

        // The grader's 5 against the final 7: the admin sees it on the Evaluation page.
        using var grader = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, email, GraderPassword, ct);
        await grader.PostAsync($"/api/solutions/{seeded.Solutions[0]}/human-grades", new
        {
            points = 5, items = new[] { new { rubricItemId = seeded.Items[0], points = 3m, comment = "" }, new { rubricItemId = seeded.Items[1], points = 2m, comment = "" } },
        }, ct);
        await page.GotoAsync($"/projects/{seeded.Project}/evaluation");
        var panel = page.GetByTestId("gold-agreement");
        var row = panel.Locator("tr[data-gold-grader='Queue Grader']");
        await Expect(row.Locator("[data-gold=mae]")).ToHaveTextAsync("2.00");
        await Expect(row.Locator("[data-gold=exact]")).ToHaveTextAsync("0.00");
        await Expect(panel).ToContainTextAsync(DateTime.UtcNow.ToString("yyyy-", System.Globalization.CultureInfo.InvariantCulture));
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await SolutionPages.OpenAsync(page, seeded.Solutions[0]);
        await page.GetByTestId("unmark-gold").ClickAsync();
        await Expect(page.GetByTestId("gold-state")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("mark-gold")).ToHaveTextAsync("Mark as gold");
    }

    [Fact]
    public void GoldLines_GraderMissingAPeriod_RepeatsTheirLastFigureOnTheSharedAxis()
    {
        var w1 = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
        var w2 = w1.AddDays(7);
        var w3 = w1.AddDays(14);
        var (labels, lines) = GoldFigures.Lines([
            ("Ann", [(w1, 1.0), (w3, 0.5)]),
            ("Bob", [(w2, 2.0)]),
            ("Cid", [(w2, null)]),
        ]);
        labels.ShouldBe(["2026-11-02", "2026-11-09", "2026-11-16"]);
        lines.Select(l => l.Name).ShouldBe(["Ann", "Bob"]);
        lines[0].Values.ShouldBe([1.0, 1.0, 0.5]);
        lines[1].Values.ShouldBe([2.0, 2.0, 2.0]);
    }

    [Theory]
    [InlineData("adjudicated", null, "")]
    [InlineData("mean", "4.5", "?humanSource=mean&threshold=4.5")]
    [InlineData("first", null, "?humanSource=first")]
    public void AgreementCsvLink_PageChoices_AreCarriedToTheDownload(string humanSource, string? threshold, string query)
    {
        var project = Guid.NewGuid();
        var link = GradingPortal.Web.Endpoints.EvaluationDownloadEndpoints.AgreementCsvLink(project, humanSource,
            threshold is null ? null : decimal.Parse(threshold, System.Globalization.CultureInfo.InvariantCulture));
        link.ShouldBe($"/projects/{project}/evaluation/agreement.csv{query}");
    }

    [Theory]
    [InlineData(0, "j", 1)]
    [InlineData(2, "j", 2)]
    [InlineData(0, "k", 0)]
    [InlineData(2, "ArrowUp", 1)]
    [InlineData(1, "x", 1)]
    public void Step_Key_MovesWithinTheQueue(int current, string key, int expected) => Figures.Step(current, 3, key).ShouldBe(expected);

    [Fact]
    public void CostFrontier_GraderBeatenOnBoth_IsNotMarkedAndImportedGradersTakeNoPart()
    {
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid(), d = Guid.NewGuid();
        var frontier = Figures.CostFrontier([(a, 0.01m, 1.0), (b, 0.02m, 0.5), (c, 0.03m, 0.7), (d, null, 0.1)]);
        frontier.ShouldBe([a, b], ignoreOrder: true);
    }

    [Fact]
    public void CalibrationGrid_HalfAndWholeReferences_PlacesThemOnAnEvenScaleWithAStraightDiagonal()
    {
        var (labels, model, diagonal) = Figures.CalibrationGrid([(0m, 1.0), (2.5m, 2.0), (4m, null)], 4);

        labels.ShouldBe(["0", "", "1", "", "2", "", "3", "", "4"]);
        model.ShouldBe([1.0, null, null, null, null, 2.0, null, null, null]);
        diagonal.ShouldBe([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4]);
    }

    [Fact]
    public void CalibrationGrid_MeanOfThreePeople_FallsToTheNearestQuarter()
    {
        var (labels, model, _) = Figures.CalibrationGrid([(7m / 3, 3.0)], 3);

        labels.Length.ShouldBe(13);
        model[9].ShouldBe(3.0); // 2.333… lies nearest 2.25
    }

    [Theory]
    [InlineData(0, 10, "gp-heat-0")]
    [InlineData(1, 10, "gp-heat-1")]
    [InlineData(5, 10, "gp-heat-2")]
    [InlineData(6, 10, "gp-heat-3")]
    [InlineData(10, 10, "gp-heat-4")]
    public void HeatClass_Count_TakesOneOfFourFillsUpToTheLargest(int count, int max, string expected) =>
        Figures.HeatClass(count, max).ShouldBe(expected);

    [Fact]
    public void FigureSolutions_Filters_AreDescribedAndCarriedInTheLink()
    {
        var project = Guid.NewGuid();
        var grader = Guid.NewGuid();
        var problem = Guid.NewGuid();

        FigureSolutions.Link(project, grader, human: 2.5m, humanCategory: 3, modelCategory: 1, problem: problem, humanSource: "mean")
            .ShouldBe($"/projects/{project}/evaluation/solutions?grader={grader}&human=2.5&hc=3&mc=1&problem={problem}&humanSource=mean");
        FigureSolutions.Link(project, grader, ceiling: true).ShouldBe($"/projects/{project}/evaluation/solutions?ceiling=true");
        FigureSolutions.Describe("run A", false, "2.5", null, null, null, "Parity", "first")
            .ShouldBe("Solutions graded by run A and by people (people: the first person's grade), where people gave 2.5 and on Parity; largest disagreement first.");
        FigureSolutions.Describe(null, true, null, null, 3, 1, null, null)
            .ShouldBe("Solutions two people graded (first person against second), where the first person gave 3 in whole points and the second person gave 1 in whole points; largest disagreement first.");
        FigureSolutions.Signed(-0.5m).ShouldBe("−0.5");
        FigureSolutions.Signed(2m).ShouldBe("+2");
    }

    [Fact]
    public void SolutionNames_TwoSolutionsMadeInTheSameSecond_AreToldApartByTheEndOfTheirIds()
    {
        // Version-7 ids of one moment share their first twelve hex digits (the millisecond timestamp) and more.
        var first = Guid.Parse("0193a5f2-7c41-7000-8000-0000000a1b2c");
        var second = Guid.Parse("0193a5f2-7c41-7000-8000-0000000d3e4f");

        SolutionNames.Of(first, null, null).ShouldBe("Solution …0a1b2c");
        SolutionNames.Of(second, null, null).ShouldBe("Solution …0d3e4f");
        SolutionNames.Of(first, null, "prover").ShouldBe("prover · …0a1b2c");
        SolutionNames.Of(first, "imo-2024-p1-07", "prover").ShouldBe("imo-2024-p1-07");
        SolutionNames.Of(first, " ", " ").ShouldBe("Solution …0a1b2c");
    }

    [Fact]
    public void ScatterPoints_Confusion_GivesOnePointPerOccupiedCell()
    {
        var confusion = new GradingPortal.Web.ApiClient.ConfusionDto { Labels = ["0", "1", "2"], Counts = [[1, 0, 0], [0, 0, 2], [0, 0, 0]] };
        Figures.ScatterPoints(confusion).ShouldBe([(0.0, 0.0, 1), (1.0, 2.0, 2)]);
    }
}
