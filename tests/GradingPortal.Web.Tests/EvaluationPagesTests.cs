using System.Text.RegularExpressions;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Web.Components.Pages.Evaluation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The Evaluation, partial-credit audit and review queue pages in Chromium against the real Api and Web. People grade
/// through the Api; the model grades a Worker (or an import) would store are put in place through Domain and the DbContext.
/// </summary>
public sealed class EvaluationPagesTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
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
        var output = TestContext.Current.TestOutputHelper;
        page.Console += (_, message) => output?.WriteLine($"console {message.Type}: {message.Text}");
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
    public async Task EvaluationPage_SeededProject_ShowsGradersChartsOriginAndLinksToTheAudit()
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
        foreach (var chart in new[] { "calibration-chart", "confusion-chart", "scatter-chart", "rubric-chart" })
        {
            await Expect(page.GetByTestId(chart).Locator("svg").First).ToBeVisibleAsync();
        }
        await Expect(page.GetByTestId("rubric-items")).ToContainTextAsync("Key lemma");
        await Expect(page.GetByTestId("problems")).ToContainTextAsync("Parity");
        await BrowserPortal.ShotAsync(page, "evaluation-page");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await runRow.GetByRole(AriaRole.Link, new() { Name = "absolute · fake-model-1" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/projects/{seeded.Project}/audit\\?grader={seeded.Run}$"));
        await Expect(page.GetByTestId("disagreement").First).ToHaveTextAsync("2");
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
        await Expect(items.First).ToContainTextAsync("Parity");
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
    public void ScatterPoints_Confusion_GivesOnePointPerOccupiedCell()
    {
        var confusion = new GradingPortal.Web.ApiClient.ConfusionDto { Labels = ["0", "1", "2"], Counts = [[1, 0, 0], [0, 0, 2], [0, 0, 0]] };
        Figures.ScatterPoints(confusion).ShouldBe([(0.0, 0.0, 1), (1.0, 2.0, 2)]);
    }
}
