using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The solution page's flows that go past the happy path, in Chromium against the real Api: blind grading as a second
/// grader sees it, the Api's refusals shown next to the form with what was typed kept (a stale grade revision, an
/// annotation the Api rejects, the final grade's field errors), editing an annotation, the final grade by Ctrl+Enter, the
/// one-solution JSON download, and the layout at laptop and tablet widths.
/// </summary>
public sealed class SolutionPageFlowTests(BrowserPortal portal) : IClassFixture<BrowserPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    private const string MemberPassword = "member-password-1";

    private sealed record Setup(ApiClient Admin, Guid ProjectId, Guid ProblemId, Guid SolutionId, Guid[] ItemIds);

    private async Task<Setup> CreateSetupAsync(bool blind, CancellationToken ct)
    {
        var admin = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var project = await admin.PostAsync("/api/projects", new { name = $"Flow {Guid.NewGuid():N}"[..16], blindGrading = blind }, ct);
        var projectId = project.GetProperty("id").GetGuid();
        var problem = await admin.PostAsync($"/api/projects/{projectId}/problems", new
        {
            title = "Two steps",
            statement = "Prove $P$.",
            rubric = new { items = new[] { new { title = "Step one", points = 3m }, new { title = "Step two", points = 4m } } },
        }, ct);
        var problemId = problem.GetProperty("id").GetGuid();
        var items = problem.GetProperty("currentRubric").GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToArray();
        var solution = await admin.PostAsync($"/api/problems/{problemId}/solutions",
            new { text = "By step one and step two, $P$ holds.", author = "model-x", externalId = $"flow-{Guid.NewGuid():N}"[..12] }, ct);
        return new Setup(admin, projectId, problemId, solution.GetProperty("id").GetGuid(), items);
    }

    private async Task<string> NewMemberAsync(Setup setup, string role, CancellationToken ct)
    {
        var email = $"{role}-{Guid.NewGuid():N}@example.org";
        var user = await setup.Admin.PostAsync("/api/users", new { email, password = MemberPassword, displayName = $"Member {role}" }, ct);
        await setup.Admin.SendAsync(HttpMethod.Put, $"/api/projects/{setup.ProjectId}/members/{user.GetProperty("id").GetGuid()}", new { role }, ct);
        return email;
    }

    private async Task<IPage> SignedInPageAsync(string email = PortalHosts.AdminEmail, string password = PortalHosts.AdminPassword,
        int width = 1440, int height = 900, bool bypassCsp = false)
    {
        var context = await portal.NewContextAsync(bypassCsp);
        var page = await context.NewPageAsync();
        await page.SetViewportSizeAsync(width, height);
        BrowserPortal.EchoConsole(page);
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        return page;
    }

    private static async Task OpenSolutionAsync(IPage page, Guid solutionId)
    {
        await page.GotoAsync($"/solutions/{solutionId}");
        // The shortcuts and the proof's typesetting are attached once the circuit has rendered the page.
        await SolutionPages.WaitInteractiveAsync(page);
    }

    [Fact]
    public async Task BlindProject_GraderSeesOthersGradesOnlyAfterSubmittingTheirOwn()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: true, ct);
        using var admin = setup.Admin;
        await admin.PostAsync($"/api/solutions/{setup.SolutionId}/human-grades", new
        {
            points = 7m,
            items = new[] { new { rubricItemId = setup.ItemIds[0], points = 3m }, new { rubricItemId = setup.ItemIds[1], points = 4m } },
            comment = "Complete.",
        }, ct);
        var email = await NewMemberAsync(setup, "grader", ct);
        var page = await SignedInPageAsync(email, MemberPassword);

        await OpenSolutionAsync(page, setup.SolutionId);
        await Expect(page.GetByTestId("blind-notice")).ToHaveTextAsync("1 other grade hidden until you submit yours.");
        await Expect(page.GetByTestId("other-grade")).ToHaveCountAsync(0);
        (await page.ContentAsync()).ShouldNotContain("Complete.");
        await Expect(page.GetByTestId("adjudication-form")).ToHaveCountAsync(0);

        await page.FillAsync("#grade-item-0", "3");
        await page.FillAsync("#grade-item-1", "1.5");
        await page.Locator("[data-gp-item='1'] input").Last.FillAsync("Step two skips a case.");
        await page.FillAsync("#grade-comment", "Mostly there.");
        await page.Locator("#grade-comment").PressAsync("Control+Enter");

        await Expect(page.GetByTestId("grade-saved")).ToHaveTextAsync("Grade saved.");
        await Expect(page.GetByTestId("my-grade-points")).ToHaveTextAsync("4.5 / 7");
        await Expect(page.GetByTestId("blind-notice")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("other-grade")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("other-grade")).ToContainTextAsync("Complete.");
        var stored = await admin.SendAsync(HttpMethod.Get, $"/api/solutions/{setup.SolutionId}", null, ct);
        stored.GetRawText().ShouldContain("Step two skips a case.");
        stored.GetRawText().ShouldContain("Mostly there.");
    }

    [Fact]
    public async Task Annotation_RefusedByTheApi_ShowsItsMessageAndKeepsTheComment()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: false, ct);
        using var admin = setup.Admin;
        // Without the policy, so the test may place a selection by script.
        var page = await SignedInPageAsync(bypassCsp: true);
        await OpenSolutionAsync(page, setup.SolutionId);

        await SelectAsync(page, "step one");
        await page.Keyboard.PressAsync("a");
        await Expect(page.GetByTestId("annotation-quote-preview")).ToHaveTextAsync("step one");
        // Longer than the Api accepts: only the Api knows the limit, and its field message must reach the form.
        var comment = "A comment worth keeping. " + new string('x', 10_000);
        await page.Locator("#annotation-comment").FillAsync(comment);
        await page.GetByTestId("save-annotation").ClickAsync();

        await Expect(page.GetByTestId("annotation-form")).ToContainTextAsync("Comment is at most 10000 characters.");
        await Expect(page.Locator("#annotation-comment")).ToHaveValueAsync(comment);
        await Expect(page.GetByTestId("annotation-item")).ToHaveCountAsync(0);
        var stored = await admin.SendAsync(HttpMethod.Get, $"/api/solutions/{setup.SolutionId}", null, ct);
        stored.GetProperty("annotations").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Annotation_EditedByItsAuthor_ChangesTypeSeverityAndCommentInPlace()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: false, ct);
        using var admin = setup.Admin;
        var page = await SignedInPageAsync(bypassCsp: true);
        await OpenSolutionAsync(page, setup.SolutionId);
        await SelectAsync(page, "step one");
        await page.Keyboard.PressAsync("a");
        await page.Locator("#annotation-comment").FillAsync("First thought.");
        await page.GetByTestId("save-annotation").ClickAsync();
        await Expect(page.GetByTestId("annotation-item")).ToHaveCountAsync(1);
        var before = (await admin.SendAsync(HttpMethod.Get, $"/api/solutions/{setup.SolutionId}", null, ct)).GetProperty("annotations")[0];

        await page.GetByTestId("edit-annotation").ClickAsync();
        var form = page.GetByTestId("annotation-form");
        await Expect(form).ToContainTextAsync("Edit annotation");
        await Expect(form.GetByTestId("annotation-quote-preview")).ToHaveTextAsync("step one");
        await Expect(page.Locator("#annotation-comment")).ToHaveValueAsync("First thought.");
        await form.Locator(".mud-select").First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new LocatorFilterOptions { HasText = "Begging the question" }).First.ClickAsync();
        await Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
        await form.GetByTestId("severity-critical").ClickAsync();
        await page.Locator("#annotation-comment").FillAsync("Second thought.");
        await page.Locator("#annotation-comment").PressAsync("Control+Enter");

        await Expect(form).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("annotation-item")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("annotation-item")).ToContainTextAsync("Second thought.");
        await Expect(page.GetByTestId("annotation-item")).ToContainTextAsync("Begging the question");
        await Expect(page.Locator("#gp-proof-markdown mark.gp-ann.gp-sev-critical").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=history-item][data-entity=annotation][data-action=updated]")).ToHaveCountAsync(1);
        var after = (await admin.SendAsync(HttpMethod.Get, $"/api/solutions/{setup.SolutionId}", null, ct)).GetProperty("annotations")[0];
        after.GetProperty("id").GetGuid().ShouldBe(before.GetProperty("id").GetGuid());
        after.GetProperty("comment").GetString().ShouldBe("Second thought.");
        after.GetProperty("severity").GetString().ShouldBe("critical");
        after.GetProperty("errorType").GetString().ShouldBe("begging-the-question");
        (after.GetProperty("start").GetInt32(), after.GetProperty("end").GetInt32())
            .ShouldBe((before.GetProperty("start").GetInt32(), before.GetProperty("end").GetInt32()));
    }

    [Fact]
    public async Task Grade_RevisedFromAStaleTab_ShowsConflictAndKeepsTypedPoints()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: false, ct);
        using var admin = setup.Admin;
        var first = await SignedInPageAsync();
        var stale = await first.Context.NewPageAsync();
        await OpenSolutionAsync(first, setup.SolutionId);
        await OpenSolutionAsync(stale, setup.SolutionId);

        await first.FillAsync("#grade-item-0", "2");
        await first.FillAsync("#grade-item-1", "4");
        await first.GetByTestId("submit-grade").ClickAsync();
        await Expect(first.GetByTestId("my-grade-points")).ToHaveTextAsync("6 / 7");

        // The second tab learns of the new grade while it is open; its form still holds what it was filled from, so
        // sending it must not overwrite the grade given in the first tab.
        await Expect(stale.GetByTestId("live-note")).ToBeVisibleAsync();
        await Expect(stale.GetByTestId("my-grade-points")).ToHaveTextAsync("6 / 7");
        await stale.FillAsync("#grade-item-0", "2");
        await stale.FillAsync("#grade-item-1", "3.5");
        await stale.GetByTestId("submit-grade").ClickAsync();

        await Expect(stale.GetByTestId("grade-error")).ToBeVisibleAsync();
        await Expect(stale.GetByTestId("grade-saved")).ToHaveCountAsync(0);
        await Expect(stale.Locator("#grade-item-1")).ToHaveValueAsync("3.5");
        var stored = await admin.SendAsync(HttpMethod.Get, $"/api/solutions/{setup.SolutionId}", null, ct);
        stored.GetProperty("myGrade").GetProperty("points").GetDecimal().ShouldBe(6m);
    }

    [Fact]
    public async Task Adjudication_RefusedFieldsThenCtrlEnter_ShowsErrorsAtTheFieldsThenSetsTheFinalGradeOnTheChosenGrades()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: false, ct);
        using var admin = setup.Admin;
        var grade = await admin.PostAsync($"/api/solutions/{setup.SolutionId}/human-grades", new
        {
            points = 5m,
            items = new[] { new { rubricItemId = setup.ItemIds[0], points = 3m }, new { rubricItemId = setup.ItemIds[1], points = 2m } },
        }, ct);
        // Without the policy, so axe may run.
        var page = await SignedInPageAsync(bypassCsp: true);
        await OpenSolutionAsync(page, setup.SolutionId);
        var choice = page.GetByTestId("based-on").Locator("input[type=checkbox]");
        await Expect(choice).ToBeCheckedAsync();

        // Ctrl+Enter in the form sends the final grade, not the person's own grade; the Api's field errors show at the fields.
        await page.FillAsync("#adjudication-points", "9");
        await page.Locator("#adjudication-points").PressAsync("Control+Enter");
        await Expect(page.GetByTestId("adjudication-points-error")).ToHaveTextAsync("Points must be between 0 and 7.");
        await Expect(page.GetByTestId("adjudication-rationale-error")).ToHaveTextAsync("An adjudication needs a rationale.");
        await Expect(page.Locator("#adjudication-rationale")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByTestId("adjudication-error")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("grade-saved")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("grade-error")).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await choice.UncheckAsync();
        await page.FillAsync("#adjudication-points", "4.5");
        await page.FillAsync("#adjudication-rationale", "Step two is only half done.");
        await page.Locator("#adjudication-rationale").PressAsync("Control+Enter");

        await Expect(page.GetByTestId("adjudication-saved")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("final-points")).ToHaveTextAsync("4.5 / 7");
        await Expect(page.GetByTestId("adjudication-points-error")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("submit-adjudication")).ToHaveTextAsync("Revise final grade");
        var stored = await admin.SendAsync(HttpMethod.Get, $"/api/solutions/{setup.SolutionId}", null, ct);
        var adjudication = stored.GetProperty("adjudication");
        adjudication.GetProperty("points").GetDecimal().ShouldBe(4.5m);
        adjudication.GetProperty("rationale").GetString().ShouldBe("Step two is only half done.");
        adjudication.GetProperty("basedOn").GetArrayLength().ShouldBe(0);
        // The person's own grade was not sent again by either Ctrl+Enter.
        stored.GetProperty("myGrade").GetProperty("rowVersion").GetUInt32().ShouldBe(grade.GetProperty("rowVersion").GetUInt32());
    }

    [Fact]
    public async Task OwnGrade_SavedWhileTheFinalGradeIsBeingTyped_KeepsTheTypedFinalGradeAndAnUntouchedFormFollows()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: false, ct);
        using var admin = setup.Admin;
        var page = await SignedInPageAsync();
        await OpenSolutionAsync(page, setup.SolutionId);

        // Half-typed final grade, then the person's own grade is sent: saving the grade reloads the solution, which
        // must not wipe what was typed into the other form.
        await page.FillAsync("#adjudication-points", "5.5");
        await page.FillAsync("#adjudication-rationale", "Step two has a gap.");
        await page.FillAsync("#grade-item-0", "3");
        await page.FillAsync("#grade-item-1", "2");
        await page.GetByTestId("submit-grade").ClickAsync();
        await Expect(page.GetByTestId("grade-saved")).ToHaveTextAsync("Grade saved.");
        await Expect(page.GetByTestId("my-grade-points")).ToHaveTextAsync("5 / 7");
        await Expect(page.Locator("#adjudication-points")).ToHaveValueAsync("5.5");
        await Expect(page.Locator("#adjudication-rationale")).ToHaveValueAsync("Step two has a gap.");
        // The typed form kept its choices, so the new grade is offered but not ticked.
        await Expect(page.GetByTestId("based-on").Locator("input[type=checkbox]")).Not.ToBeCheckedAsync();

        // On another solution the final grade's form is left untouched: a grade saved there is cited by default, as on
        // a first load.
        var other = await admin.PostAsync($"/api/problems/{setup.ProblemId}/solutions", new { text = "Another proof of $P$.", author = "model-y" }, ct);
        await OpenSolutionAsync(page, other.GetProperty("id").GetGuid());
        await page.FillAsync("#grade-item-0", "1");
        await page.FillAsync("#grade-item-1", "1");
        await page.GetByTestId("submit-grade").ClickAsync();
        await Expect(page.GetByTestId("my-grade-points")).ToHaveTextAsync("2 / 7");
        await Expect(page.GetByTestId("based-on").Locator("input[type=checkbox]")).ToBeCheckedAsync();
        await Expect(page.Locator("#adjudication-points")).ToHaveValueAsync("");
    }

    [Fact]
    public async Task SolutionPage_DownloadLink_SavesTheSolutionAsJson()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: false, ct);
        using var admin = setup.Admin;

        // The download goes through the Web with the signed-in person's session.
        using var web = new WebClient(portal.Hosts.WebUrl);
        (await web.SignInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        using var one = await web.Http.GetAsync($"/solutions/{setup.SolutionId}/export.json", ct);
        one.StatusCode.ShouldBe(HttpStatusCode.OK);
        one.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        JsonDocument.Parse(await one.Content.ReadAsStringAsync(ct)).RootElement.GetRawText().ShouldContain(setup.SolutionId.ToString());

        var page = await SignedInPageAsync();
        await OpenSolutionAsync(page, setup.SolutionId);
        var download = page.WaitForDownloadAsync();
        await page.GetByTestId("solution-download").ClickAsync();
        var text = await File.ReadAllTextAsync(await (await download).PathAsync(), ct);
        text.ShouldContain(setup.SolutionId.ToString());
        text.ShouldContain("By step one and step two");
    }

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(820, 1180)]
    public async Task SolutionPage_AtLaptopAndTabletWidth_HasNoHorizontalScrollAndTheGradePanelIsReachable(int width, int height)
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(blind: false, ct);
        using var admin = setup.Admin;
        var page = await SignedInPageAsync(width: width, height: height);
        await OpenSolutionAsync(page, setup.SolutionId);

        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")).ShouldBeTrue();
        await page.GetByTestId("submit-grade").ScrollIntoViewIfNeededAsync();
        await Expect(page.GetByTestId("submit-grade")).ToBeInViewportAsync();
        // Reachable by keyboard too: g focuses the first rubric item.
        await page.Locator("h1").ClickAsync();
        await page.Keyboard.PressAsync("g");
        await Expect(page.Locator("[data-gp-item='0']")).ToBeFocusedAsync();
        await BrowserPortal.ShotAsync(page, $"solution-{width}x{height}");
    }

    /// <summary>Selects the first occurrence of <paramref name="phrase"/> inside one text run of the rendered proof.</summary>
    internal static Task SelectAsync(IPage page, string phrase) => page.EvaluateAsync("""
        (phrase) => {
          const run = [...document.querySelectorAll('#gp-proof [data-s]')].find(r => !r.classList.contains('gp-math') && r.textContent.includes(phrase));
          const at = run.textContent.indexOf(phrase);
          const range = document.createRange();
          range.setStart(run.firstChild, at);
          range.setEnd(run.firstChild, at + phrase.length);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
        }
        """, phrase);
}
