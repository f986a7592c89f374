using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The solution page's own writes (a grade, the final grade, an annotation added, edited and deleted, a finding reviewed,
/// the gold mark) show their result and their history event, and read through the Api only the part of the solution each
/// changed, once: not the whole solution or the whole history, and not once more when the Api's notice of the same write
/// reaches the page (ADR 022). The Api counts the reads (<see cref="OpenChangeStreams"/>).
/// </summary>
public sealed class SolutionOwnWriteReadTests(StreamCountingPortal portal) : IClassFixture<StreamCountingPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    private const string GraderPassword = "own-write-password-1";

    private Task<TwoStepSolution> CreateSetupAsync(bool blind, CancellationToken ct) =>
        TwoStepSolution.CreateAsync(portal.Hosts.ApiUrl, "Own", blind, ct);

    private async Task<IPage> OpenAsync(Guid solutionId, string email = PortalHosts.AdminEmail, string password = PortalHosts.AdminPassword)
    {
        var page = await (await portal.NewContextAsync()).NewPageAsync();
        BrowserPortal.EchoConsole(page);
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        await SolutionPages.OpenAsync(page, solutionId);
        // Following: the Api's notice of the page's own write reaches it too.
        await Expect(page.GetByTestId("solution-live")).ToHaveAttributeAsync("data-following", "on");
        return page;
    }

    /// <summary>The Api's GETs of one solution so far, by what they read.</summary>
    private sealed record Reads(int Solution, int History, int NewerEvents, int Grading, int Annotations, int ModelGrades)
    {
        public static Reads operator -(Reads a, Reads b) => new(a.Solution - b.Solution, a.History - b.History,
            a.NewerEvents - b.NewerEvents, a.Grading - b.Grading, a.Annotations - b.Annotations, a.ModelGrades - b.ModelGrades);
    }

    private Reads ReadsOf(Guid solutionId)
    {
        var streams = portal.Streams;
        return new Reads(streams.Reads.GetValueOrDefault(solutionId), streams.PartReadsOf(solutionId, "history"),
            streams.PartReadsOf(solutionId, "history?after"), streams.PartReadsOf(solutionId, "grading"),
            streams.PartReadsOf(solutionId, "annotations"), streams.PartReadsOf(solutionId, "model-grades"));
    }

    /// <summary>The reads since <paramref name="before"/>, once a read the write's own notice would make has had time to come.</summary>
    private async Task<Reads> ReadsSinceAsync(Guid solutionId, Reads before)
    {
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        return ReadsOf(solutionId) - before;
    }

    [Fact]
    public async Task OwnGrade_Submitted_ShowsItAndItsEventAfterReadingTheGradingPartAndNewerEventsOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: false, ct);
        using var admin = setup.Admin;
        var page = await OpenAsync(setup.SolutionId);
        var before = ReadsOf(setup.SolutionId);

        await page.FillAsync("#grade-item-0", "3");
        await page.FillAsync("#grade-item-1", "2.5");
        await page.GetByTestId("submit-grade").ClickAsync();

        await Expect(page.GetByTestId("grade-saved")).ToHaveTextAsync("Grade saved.");
        await Expect(page.GetByTestId("my-grade-points")).ToHaveTextAsync("5.5 / 7");
        await Expect(page.GetByTestId("history-item").First).ToHaveAttributeAsync("data-entity", "humanGrade");
        // The final grade's untouched form follows the new grade: it is offered and cited.
        await Expect(page.GetByTestId("based-on").Locator("input[type=checkbox]")).ToBeCheckedAsync();
        (await ReadsSinceAsync(setup.SolutionId, before)).ShouldBe(new Reads(0, 0, NewerEvents: 1, Grading: 1, 0, 0));
    }

    [Fact]
    public async Task OwnFirstGrade_BlindProject_LiftsTheVeilWithOneReadOfTheWholeSolutionHistoryAndModelGrades()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: true, ct);
        using var admin = setup.Admin;
        var email = await NewGraderAsync(setup, ct);
        await admin.PostAsync($"/api/solutions/{setup.SolutionId}/human-grades", new
        {
            points = 6m,
            items = new[] { new { rubricItemId = setup.ItemIds[0], points = 3m }, new { rubricItemId = setup.ItemIds[1], points = 3m } },
            comment = "The admin's grade.",
        }, ct);
        var page = await OpenAsync(setup.SolutionId, email, GraderPassword);
        await Expect(page.GetByTestId("blind-notice")).ToHaveTextAsync("1 other grade hidden until you submit yours.");
        await Expect(page.Locator("[data-testid=history-item][data-entity=humanGrade]")).ToHaveCountAsync(0);
        var before = ReadsOf(setup.SolutionId);

        await page.FillAsync("#grade-item-0", "1");
        await page.FillAsync("#grade-item-1", "1");
        await page.GetByTestId("submit-grade").ClickAsync();

        await Expect(page.GetByTestId("my-grade-points")).ToHaveTextAsync("2 / 7");
        await Expect(page.GetByTestId("other-grade")).ToContainTextAsync("The admin's grade.");
        await Expect(page.GetByTestId("blind-notice")).ToHaveCountAsync(0);
        // Both grades' events, the admin's older one included.
        await Expect(page.Locator("[data-testid=history-item][data-entity=humanGrade]")).ToHaveCountAsync(2);
        (await ReadsSinceAsync(setup.SolutionId, before)).ShouldBe(new Reads(Solution: 1, History: 1, 0, 0, 0, ModelGrades: 1));
    }

    private static async Task<string> NewGraderAsync(TwoStepSolution setup, CancellationToken ct)
    {
        var email = $"own-{Guid.NewGuid():N}@example.org";
        var user = await setup.Admin.PostAsync("/api/users", new { email, password = GraderPassword, displayName = $"Grader {email[4..8]}" }, ct);
        await setup.Admin.SendAsync(HttpMethod.Put, $"/api/projects/{setup.ProjectId}/members/{user.GetProperty("id").GetGuid()}", new { role = "grader" }, ct);
        return email;
    }

    [Fact]
    public async Task OwnAnnotation_BlindGraderWithoutAGrade_ReadsTheAnnotationsAndGradingPartOnceAndNotTheWholeSolution()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: true, ct);
        using var admin = setup.Admin;
        // The veiled grader opens the stream, so its notices carry no kinds (any kind).
        var page = await OpenAsync(setup.SolutionId, await NewGraderAsync(setup, ct), GraderPassword);
        await Expect(page.GetByTestId("blind-notice")).ToBeVisibleAsync();
        var before = ReadsOf(setup.SolutionId);

        await SolutionPageFlowTests.SelectAsync(page, "step one");
        await page.Keyboard.PressAsync("a");
        await page.Locator("#annotation-comment").FillAsync("Mine while blind.");
        await page.GetByTestId("save-annotation").ClickAsync();

        await Expect(page.GetByTestId("annotation-item")).ToContainTextAsync("Mine while blind.");
        await Expect(page.GetByTestId("history-item").First).ToHaveAttributeAsync("data-entity", "annotation");
        await Expect(page.GetByTestId("blind-notice")).ToBeVisibleAsync();
        (await ReadsSinceAsync(setup.SolutionId, before)).ShouldBe(new Reads(0, 0, NewerEvents: 1, Grading: 1, Annotations: 1, 0));
    }

    [Fact]
    public async Task GradeGivenElsewhere_BlindGraderWithoutAGrade_CountsItHiddenWithoutReadingTheWholeSolutionOrModelGrades()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: true, ct);
        using var admin = setup.Admin;
        var page = await OpenAsync(setup.SolutionId, await NewGraderAsync(setup, ct), GraderPassword);
        await Expect(page.GetByTestId("blind-notice")).ToContainTextAsync("No one else has graded this yet");
        var before = ReadsOf(setup.SolutionId);

        await admin.PostAsync($"/api/solutions/{setup.SolutionId}/human-grades", new
        {
            points = 6m,
            items = new[] { new { rubricItemId = setup.ItemIds[0], points = 3m }, new { rubricItemId = setup.ItemIds[1], points = 3m } },
            comment = "Hidden from the grader.",
        }, ct);

        await Expect(page.GetByTestId("blind-notice")).ToHaveTextAsync("1 other grade hidden until you submit yours.");
        (await page.ContentAsync()).ShouldNotContain("Hidden from the grader.");
        // Its notice names no kind; behind the veil only the grading part and the annotations can show anything new.
        (await ReadsSinceAsync(setup.SolutionId, before)).ShouldBe(new Reads(0, 0, NewerEvents: 1, Grading: 1, Annotations: 1, 0));
    }

    [Fact]
    public async Task OwnAdjudication_Set_ShowsItAndItsEventAfterReadingTheGradingPartAndNewerEventsOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: false, ct);
        using var admin = setup.Admin;
        var page = await OpenAsync(setup.SolutionId);
        var before = ReadsOf(setup.SolutionId);

        await page.FillAsync("#adjudication-points", "4.5");
        await page.FillAsync("#adjudication-rationale", "Step two is only half done.");
        await page.GetByTestId("submit-adjudication").ClickAsync();

        await Expect(page.GetByTestId("adjudication-saved")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("final-points")).ToHaveTextAsync("4.5 / 7");
        await Expect(page.GetByTestId("submit-adjudication")).ToHaveTextAsync("Revise final grade");
        await Expect(page.GetByTestId("history-item").First).ToHaveAttributeAsync("data-entity", "adjudication");
        (await ReadsSinceAsync(setup.SolutionId, before)).ShouldBe(new Reads(0, 0, NewerEvents: 1, Grading: 1, 0, 0));
    }

    [Fact]
    public async Task OwnAnnotation_AddedEditedDeleted_EachShowsItsResultAfterReadingTheAnnotationsAndNewerEventsOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: false, ct);
        using var admin = setup.Admin;
        var page = await OpenAsync(setup.SolutionId);
        var once = new Reads(0, 0, NewerEvents: 1, 0, Annotations: 1, 0);

        var before = ReadsOf(setup.SolutionId);
        await SolutionPageFlowTests.SelectAsync(page, "step one");
        await page.Keyboard.PressAsync("a");
        await page.Locator("#annotation-comment").FillAsync("First thought.");
        await page.GetByTestId("save-annotation").ClickAsync();
        await Expect(page.GetByTestId("annotation-item")).ToContainTextAsync("First thought.");
        await Expect(page.Locator("#gp-proof-markdown mark.gp-ann").First).ToHaveTextAsync("step one");
        await Expect(page.Locator("[data-testid=history-item][data-entity=annotation][data-action=created]")).ToHaveCountAsync(1);
        (await ReadsSinceAsync(setup.SolutionId, before)).ShouldBe(once);

        before = ReadsOf(setup.SolutionId);
        await page.GetByTestId("edit-annotation").ClickAsync();
        await page.GetByTestId("annotation-form").GetByTestId("severity-critical").ClickAsync();
        await page.Locator("#annotation-comment").FillAsync("Second thought.");
        await page.GetByTestId("save-annotation").ClickAsync();
        await Expect(page.GetByTestId("annotation-item")).ToContainTextAsync("Second thought.");
        await Expect(page.Locator("#gp-proof-markdown mark.gp-ann.gp-sev-critical").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=history-item][data-entity=annotation][data-action=updated]")).ToHaveCountAsync(1);
        (await ReadsSinceAsync(setup.SolutionId, before)).ShouldBe(once);

        before = ReadsOf(setup.SolutionId);
        await page.GetByTestId("delete-annotation").ClickAsync();
        await Expect(page.GetByTestId("annotation-item")).ToHaveCountAsync(0);
        await Expect(page.Locator("#gp-proof-markdown mark.gp-ann")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-testid=history-item][data-entity=annotation][data-action=deleted]")).ToHaveCountAsync(1);
        (await ReadsSinceAsync(setup.SolutionId, before)).ShouldBe(once);
    }

    [Fact]
    public async Task OwnFindingReview_Accepted_ShowsItAndItsEventAfterReadingTheModelGradesAndNewerEventsOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: false, ct);
        using var admin = setup.Admin;
        using (var scope = portal.Hosts.Api.Services.CreateScope())
        {
            // The row a Worker would write; no Worker runs here.
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            db.ModelGrades.Add(ModelGrade.CreateValid(setup.ProjectId, setup.SolutionId, TwoStepSolution.ProofText, 7, "absolute", "fake-model-1", null, null, 3,
                [new ModelItemAwardInput(null, "Step one", 3, 3, "Stated and shown.")],
                [new ModelFindingInput("proof-by-example", "proof-by-example", Domain.Common.Severity.Major, "step two", null, "Step two is only asserted.", null, null)],
                "Partial.", "Step two does not follow.", """{"points":3}""", """{"workflow":"absolute"}""", null, DateTimeOffset.UtcNow));
            await db.SaveChangesAsync(ct);
        }
        var page = await OpenAsync(setup.SolutionId);
        await Expect(page.GetByTestId("model-finding")).ToContainTextAsync("Step two is only asserted.");
        var before = ReadsOf(setup.SolutionId);

        await page.GetByTestId("accept-finding").ClickAsync();

        await Expect(page.GetByTestId("model-finding").GetByTestId("finding-review")).ToHaveTextAsync("✓ agreed");
        await Expect(page.GetByTestId("history-item").First).ToHaveAttributeAsync("data-entity", "modelFinding");
        (await ReadsSinceAsync(setup.SolutionId, before)).ShouldBe(new Reads(0, 0, NewerEvents: 1, 0, 0, ModelGrades: 1));
    }

    [Fact]
    public async Task OwnGoldMark_Set_ShowsItAndReadsNothingOfTheSolution()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: false, ct);
        using var admin = setup.Admin;
        await admin.SendAsync(HttpMethod.Put, $"/api/solutions/{setup.SolutionId}/adjudication", new { points = 5, rationale = "Settled." }, ct);
        var page = await OpenAsync(setup.SolutionId);
        await Expect(page.GetByTestId("mark-gold")).ToBeVisibleAsync();
        var before = ReadsOf(setup.SolutionId);

        await page.GetByTestId("mark-gold").ClickAsync();

        await Expect(page.GetByTestId("gold-state")).ToHaveTextAsync("Gold");
        // The gold mark is not on the solution or in its history (graders must not learn it): its notice reads nothing.
        (await ReadsSinceAsync(setup.SolutionId, before)).ShouldBe(new Reads(0, 0, 0, 0, 0, 0));
    }
}
