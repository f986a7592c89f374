using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using GradingPortal.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// Web in headless Chromium against the real Api and PostgreSQL. The first test walks the whole grading path in a real browser against real Api and PostgreSQL: sign in, create a project and a problem
/// (LaTeX statement, reference solution, rubric summing to 7), add a long proof from the Open Proof Corpus, read it
/// typeset, annotate two passages (one spanning a formula), grade with the keyboard, adjudicate, and read the history.
/// Others check that hostile markup in a proof stays inert, and the API tokens page.
/// </summary>
public sealed partial class BrowserTests(BrowserPortal portal) : IClassFixture<BrowserPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task GradingPath_SignInToHistory_WorksInTheBrowser()
    {
        var ct = TestContext.Current.CancellationToken;
        var corpus = await OpcProblem.LoadAsync("2017_17.json", attempt: 4, ct);
        var page = await portal.NewPageAsync();
        var pageErrors = new List<string>();
        BrowserPortal.EchoConsole(page);
        page.PageError += (_, error) => pageErrors.Add(error);
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };

        // Sign in.
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(SignInUrl());
        await BrowserPortal.ShotAsync(page, "01-sign-in");
        await page.FillAsync("#email", PortalHosts.AdminEmail);
        await page.FillAsync("#password", PortalHosts.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        await Expect(page.GetByTestId("user-menu")).ToContainTextAsync("Administrator");

        // Create a project.
        await page.FillAsync("#project-name", "BMO shortlist 2017 · model proofs");
        await page.FillAsync("#project-description", "Gemini and DeepSeek proofs of Balkan MO shortlist problems, graded by two people.");
        await BrowserPortal.ShotAsync(page, "02-projects");
        await page.ClickAsync("[data-testid=create-project] button[type=submit]");
        await Expect(page).ToHaveURLAsync(IdUrl("projects"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("BMO shortlist 2017 · model proofs");
        await BrowserPortal.ShotAsync(page, "03-project");

        // Create a problem: LaTeX statement with live preview, a reference solution, three rubric items summing to 7.
        await page.ClickAsync("[data-testid=new-problem]");
        await page.FillAsync("#problem-title", "BMO SL 2017 — rotated perpendiculars");
        await page.FillAsync("#problem-source", "BMO Shortlist 2017");
        await page.FillAsync("#problem-external", "bmosl-2017-17");
        await page.FillAsync("#problem-statement", corpus.Statement);
        await Expect(page.Locator("#problem-statement-preview .katex").First).ToBeVisibleAsync();
        await page.FillAsync("#reference-text-0", corpus.Reference);
        await page.FillAsync("#reference-source-0", "Open Proof Corpus, human solution");
        // A new row takes the focus once it is drawn; wait for it, so the focus does not move while a field is being filled.
        await page.ClickAsync("[data-testid=add-item]");
        await Expect(page.Locator("#item-title-1")).ToBeFocusedAsync();
        await page.ClickAsync("[data-testid=add-item]");
        await Expect(page.Locator("#item-title-2")).ToBeFocusedAsync();
        string[] titles = ["Sets up coordinates for the six constructed points", "Shows each perpendicular is a rotated altitude", "Concludes concurrency with a proved lemma"];
        string[] points = ["2", "3", "2"];
        var rubricTotal = page.GetByTestId("rubric-total-live");
        var sum = 0;
        for (var i = 0; i < 3; i++)
        {
            await page.FillAsync($"#item-title-{i}", titles[i]);
            await page.FillAsync($"#item-points-{i}", points[i]);
            sum += int.Parse(points[i], System.Globalization.CultureInfo.InvariantCulture);
            await Expect(rubricTotal).ToContainTextAsync($"Total {sum} of 7 points");
            await page.FillAsync($"#item-description-{i}", i == 1 ? "The direction of $B_AC_A$ is $(c-b)\\omega$." : "");
        }
        await Expect(rubricTotal).ToHaveTextAsync("Total 7 of 7 points");
        await Expect(rubricTotal).ToHaveAttributeAsync("data-state", "equal");
        await BrowserPortal.ShotAsync(page, "04-problem-editor");
        await page.ClickAsync("[data-testid=save-problem]");
        await Expect(page).ToHaveURLAsync(IdUrl("problems"));
        await Expect(page.Locator("#gp-statement .katex").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=current-rubric] [data-testid=rubric-item]")).ToHaveCountAsync(3);
        await BrowserPortal.ShotAsync(page, "05-problem");

        // Add the long proof (15 KB, \( \), \[ \] and $ $ math, lists).
        await page.ClickAsync("[data-testid=add-solution]");
        await page.FillAsync("#solution-author", corpus.Model);
        await page.FillAsync("#solution-external", "opc-2017-17-gemini");
        await page.FillAsync("#solution-text", corpus.Proof);
        await Expect(page.Locator("#solution-text-preview .katex").First).ToBeVisibleAsync();
        await BrowserPortal.ShotAsync(page, "06-add-solution");
        await page.ClickAsync("[data-testid=save-solution]");
        await Expect(page).ToHaveURLAsync(IdUrl("solutions"));
        var solutionId = Guid.Parse(page.Url[^36..]);

        // The proof is typeset by KaTeX (hundreds of formulas), with no raw TeX left behind, once the circuit is up.
        await SolutionPages.WaitInteractiveAsync(page);
        var proofMath = page.Locator("#gp-proof-markdown .gp-math");
        (await proofMath.CountAsync()).ShouldBeGreaterThan(300);
        await Expect(page.Locator("#gp-proof-markdown .gp-math:not([data-rendered])")).ToHaveCountAsync(0);
        (await page.Locator("#gp-proof-markdown .katex").CountAsync()).ShouldBeGreaterThan(300);
        await BrowserPortal.ShotAsync(page, "07-solution");

        // Annotation 1: a sentence that runs through a formula, selected exactly; "a" opens the form.
        const string phrase = "This means \\(B\\) is the apex of the isosceles triangle.";
        corpus.Proof.ShouldContain(phrase);
        await page.EvaluateAsync(SelectAcrossFormulaScript, new[] { "This means ", " is the apex of the isosceles triangle." });
        await page.Keyboard.PressAsync("a");
        var form = page.GetByTestId("annotation-form");
        await Expect(form).ToBeVisibleAsync();
        await Expect(form.GetByTestId("annotation-quote-preview")).ToHaveTextAsync(phrase);
        await form.Locator(".mud-select").First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new LocatorFilterOptions { HasText = "Begging the question" }).First.ClickAsync();
        await Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
        await form.GetByTestId("severity-critical").ClickAsync();
        await form.Locator("#annotation-comment").FillAsync("Which vertex is the apex depends on the orientation of the angle; this is asserted, not derived.");
        await BrowserPortal.ShotAsync(page, "08-annotation-form");
        await form.Locator("#annotation-comment").PressAsync("Control+Enter");
        await Expect(form).ToBeHiddenAsync();
        await Expect(page.GetByTestId("annotation-item")).ToHaveCountAsync(1);
        await Expect(page.Locator("#gp-proof-markdown mark.gp-ann.gp-sev-critical").First).ToBeVisibleAsync();

        // Annotation 2: a passage selected with the mouse, saved with the button.
        var target = page.Locator("#gp-proof-markdown [data-s]", new PageLocatorOptions { HasTextString = "Let's analyze the definitions" }).First;
        var box = (await target.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + 2, box.Y + box.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + box.Width - 2, box.Y + box.Height / 2, new MouseMoveOptions { Steps = 8 });
        await page.Mouse.UpAsync();
        await page.ClickAsync("[data-testid=annotate-button]");
        await Expect(form).ToBeVisibleAsync();
        await Expect(form.GetByTestId("annotation-quote-preview")).ToContainTextAsync("analyze the definitions");
        await form.GetByTestId("severity-minor").ClickAsync();
        await form.Locator("#annotation-comment").FillAsync("Restates the problem; harmless.");
        await form.GetByTestId("save-annotation").ClickAsync();
        await Expect(form).ToBeHiddenAsync();
        await Expect(page.GetByTestId("annotation-item")).ToHaveCountAsync(2);
        await BrowserPortal.ShotAsync(page, "09-annotated");

        // The source view shows the same highlights on the exact text; s switches back and forth.
        await page.Locator("h1").ClickAsync();
        await page.Keyboard.PressAsync("s");
        await Expect(page.Locator(".gp-proof-source mark.gp-ann")).Not.ToHaveCountAsync(0);
        await BrowserPortal.ShotAsync(page, "10-source-view");
        await page.Keyboard.PressAsync("s");
        await Expect(page.Locator("#gp-proof-markdown .katex").First).ToBeVisibleAsync();

        // Grade with the keyboard: g focuses the first item; digits set points (capped) and move on.
        await page.Locator("h1").ClickAsync();
        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("2");
        await page.Keyboard.PressAsync("1");
        await page.Keyboard.PressAsync("9");
        await Expect(page.Locator("#grade-item-0")).ToHaveValueAsync("2");
        await Expect(page.Locator("#grade-item-1")).ToHaveValueAsync("1");
        await Expect(page.Locator("#grade-item-2")).ToHaveValueAsync("2");
        await Expect(page.GetByTestId("grade-total-value")).ToHaveTextAsync("5");
        await page.FillAsync("#grade-comment", "Correct idea; the concurrency theorem is quoted without proof.");
        await page.Locator("#grade-comment").PressAsync("Control+Enter");
        await Expect(page.GetByTestId("grade-saved")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("my-grade-points")).ToHaveTextAsync("5 / 7");
        await Expect(page.GetByTestId("evidence-level")).ToHaveTextAsync("One human grade");
        await BrowserPortal.ShotAsync(page, "11-graded");

        // Adjudicate on top of that grade.
        await page.FillAsync("#adjudication-points", "5");
        await page.FillAsync("#adjudication-rationale", "Agrees with the only grade: the rotation argument is right, the lemma is not proved.");
        await page.ClickAsync("[data-testid=submit-adjudication]");
        await Expect(page.GetByTestId("adjudication-saved")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("final-points")).ToHaveTextAsync("5 / 7");
        await Expect(page.GetByTestId("evidence-level")).ToHaveTextAsync("Adjudicated");

        // History lists the annotations, the grade and the adjudication.
        var history = page.GetByTestId("history-list");
        await Expect(history.Locator("[data-entity=adjudication]")).ToHaveCountAsync(1);
        await Expect(history.Locator("[data-entity=humanGrade]")).ToHaveCountAsync(1);
        await Expect(history.Locator("[data-entity=annotation]")).ToHaveCountAsync(2);
        await BrowserPortal.ShotAsync(page, "12-adjudicated-history");

        // What the browser did is what Api stored: exact offsets and quotes.
        var stored = await GetSolutionAsync(solutionId, ct);
        var text = stored.GetProperty("text").GetString()!;
        text.ShouldBe(corpus.Proof);
        var annotations = stored.GetProperty("annotations").EnumerateArray().ToList();
        annotations.Count.ShouldBe(2);
        foreach (var annotation in annotations)
        {
            var start = annotation.GetProperty("start").GetInt32();
            var end = annotation.GetProperty("end").GetInt32();
            annotation.GetProperty("quote").GetString().ShouldBe(text[start..end]);
        }
        annotations.ShouldContain(a => a.GetProperty("quote").GetString() == phrase && a.GetProperty("severity").GetString() == "critical"
            && a.GetProperty("errorType").GetString() == "begging-the-question");
        stored.GetProperty("adjudication").GetProperty("points").GetDecimal().ShouldBe(5m);
        stored.GetProperty("myGrade").GetProperty("points").GetDecimal().ShouldBe(5m);

        // The help lists the shortcuts.
        await page.Locator("h1").ClickAsync();
        await page.Keyboard.PressAsync("?");
        await Expect(page.GetByTestId("shortcuts")).ToBeVisibleAsync();
        await BrowserPortal.ShotAsync(page, "13-help");
        await page.Keyboard.PressAsync("Escape");

        // The problem and project pages count the graded and adjudicated solution.
        await page.GotoAsync($"/problems/{stored.GetProperty("problemId").GetGuid()}");
        await Expect(page.GetByTestId("solution-row")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("solution-row")).ToContainTextAsync("opc-2017-17-gemini");
        await BrowserPortal.ShotAsync(page, "14-problem-graded");
        await page.GotoAsync($"/projects/{stored.GetProperty("projectId").GetGuid()}");
        await Expect(page.GetByTestId("problem-table")).ToContainTextAsync("1/1 graded");
        await BrowserPortal.ShotAsync(page, "15-project-progress");
        dialogs.ShouldBeEmpty();
        pageErrors.ShouldBeEmpty();
    }

    private const string HostileProof = """
        Proof attempt with hostile markup.

        <script>window.__gpXss = 1; alert('script')</script>

        <img src=x onerror="window.__gpXss = 2; alert('img')">

        Inline <img src=x onerror=alert(3)> and <svg onload=alert(4)></svg> and a [link](javascript:alert(5)) and <javascript:alert(6)>.

        Math still works: $x^2 \ge 0$ and \(y_1 < y_2\).

        A tracking pixel ![pixel](https://tracker.example/p.gif) and an inline ![](data:image/gif;base64,R0lGODlhAQABAAAAACw=) image.
        """;

    [Fact]
    public async Task HostileSolution_RendersInert_InPreviewAndOnTheSolutionPage()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await ApiAsAdminAsync(ct);
        var project = await PostAsync(api, "/api/projects", new { name = "Hostile input", maxPoints = 7 }, ct);
        var problem = await PostAsync(api, $"/api/projects/{project.GetProperty("id").GetGuid()}/problems",
            new { title = "Any problem", statement = "Show that $1 + 1 = 2$." }, ct);
        var problemId = problem.GetProperty("id").GetGuid();
        var page = await SignedInPageAsync();
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };

        // The live preview (rendered in the circuit by the same renderer as the solution page) shows the markup as text.
        await page.GotoAsync($"/problems/{problemId}/solutions/new");
        await page.FillAsync("#solution-author", "hostile-model");
        await page.FillAsync("#solution-text", HostileProof);
        var preview = page.GetByTestId("solution-text-preview");
        await Expect(preview).ToContainTextAsync("<script>window.__gpXss = 1; alert('script')</script>");
        await Expect(preview.Locator(".katex").First).ToBeVisibleAsync();
        await BrowserPortal.ShotAsync(page, "20-hostile-preview");

        // The stored solution renders inert too.
        await page.ClickAsync("[data-testid=save-solution]");
        await Expect(page).ToHaveURLAsync(IdUrl("solutions"));
        var proof = page.Locator("#gp-proof-markdown");
        await Expect(proof).ToContainTextAsync("<script>window.__gpXss = 1; alert('script')</script>");
        await Expect(proof).ToContainTextAsync("<img src=x onerror=\"window.__gpXss = 2; alert('img')\">");
        await Expect(proof.Locator("script, img, svg, iframe, [onerror], [onload]")).ToHaveCountAsync(0);
        await Expect(proof.Locator("a[href^='javascript' i]")).ToHaveCountAsync(0);
        await Expect(proof.Locator(".katex")).ToHaveCountAsync(2);
        await Expect(proof.Locator("a.gp-image-link[href='https://tracker.example/p.gif']")).ToHaveTextAsync("pixel");
        await page.WaitForTimeoutAsync(300);
        (await page.EvaluateAsync<bool>("() => window.__gpXss === undefined")).ShouldBeTrue();
        dialogs.ShouldBeEmpty();
        await BrowserPortal.ShotAsync(page, "21-hostile-solution");

        // j and k move between the problem's solutions; without a rubric the grade is a single total.
        var hostileUrl = page.Url;
        var hostileId = Guid.Parse(hostileUrl[^36..]);
        var next = await PostAsync(api, $"/api/problems/{problemId}/solutions", new { text = "A second, honest attempt: $2 = 1 + 1$.", author = "human" }, ct);
        var nextId = next.GetProperty("id").GetGuid();
        await page.ReloadAsync();
        // Keys are heard once the circuit has attached the page's module (a key pressed before that is not).
        await SolutionPages.WaitInteractiveAsync(page);
        // Ids made in the same second share their first eight characters (version 7), so the proof's own text, not the
        // title, shows which solution the page has loaded; its keys listen again once the marker is back.
        await page.Keyboard.PressAsync("j");
        await Expect(page).ToHaveURLAsync(new Regex(nextId.ToString()));
        await Expect(proof).ToContainTextAsync("A second, honest attempt");
        await Expect(page.GetByTestId("solution-title")).ToContainTextAsync(nextId.ToString()[..8]);
        await SolutionPages.WaitInteractiveAsync(page);
        await page.Keyboard.PressAsync("k");
        await Expect(page).ToHaveURLAsync(hostileUrl);
        await Expect(proof).ToContainTextAsync("<script>window.__gpXss = 1; alert('script')</script>");
        await Expect(page.GetByTestId("solution-title")).ToContainTextAsync(hostileId.ToString()[..8]);
        await SolutionPages.WaitInteractiveAsync(page);
        // The inert rendering holds after the circuit re-rendered the page.
        await Expect(proof.Locator("script, img, svg, iframe, [onerror], [onload]")).ToHaveCountAsync(0);
        await page.FillAsync("#grade-points", "0");
        await page.Locator("#grade-points").PressAsync("Control+Enter");
        await Expect(page.GetByTestId("my-grade-points")).ToHaveTextAsync("0 / 7");
        dialogs.ShouldBeEmpty();
    }

    [Fact]
    public async Task ProblemPages_EditProblemAndRubricVersions_KeepTypedValuesOnErrors()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await ApiAsAdminAsync(ct);
        var project = await PostAsync(api, "/api/projects", new { name = "Rubric versions" }, ct);
        var problem = await PostAsync(api, $"/api/projects/{project.GetProperty("id").GetGuid()}/problems", new
        {
            title = "Digits of n^k",
            statement = "Let $k$ and $d$ be positive integers.",
            referenceSolutions = new[] { new { text = "We claim $N = 2^{k-1}(d+1)$ works.", source = "official" } },
            rubric = new { items = new[] { new { title = "Closed form", points = 3m }, new { title = "Bound", points = 4m } }, zeroCredit = "Only examples." },
        }, ct);
        var problemId = problem.GetProperty("id").GetGuid();
        var page = await SignedInPageAsync();

        // Edit the problem.
        await page.GotoAsync($"/problems/{problemId}/edit");
        await Expect(page.Locator("#reference-text-0")).ToHaveValueAsync("We claim $N = 2^{k-1}(d+1)$ works.");
        await page.FillAsync("#problem-title", "Digits of n^k in base 2n");
        await page.ClickAsync("[data-testid=save-problem]");
        await Expect(page.GetByTestId("problem-title")).ToHaveTextAsync("Digits of n^k in base 2n");

        // A new draft version starts from the approved one; a wrong total comes back with Api's message and the typed values.
        await page.ClickAsync("[data-testid=new-rubric-version]");
        await Expect(page.Locator("#item-title-1")).ToHaveValueAsync("Bound");
        await page.FillAsync("#item-points-1", "5");
        await Expect(page.GetByTestId("rubric-total-live")).ToHaveAttributeAsync("data-state", "over");
        await page.FillAsync("#item-title-0", "Closed form for each digit");
        await page.ClickAsync("[data-testid=save-rubric]");
        await Expect(page.GetByTestId("items-error")).ToContainTextAsync("7");
        await Expect(page.Locator("#item-title-0")).ToHaveValueAsync("Closed form for each digit");
        await Expect(page.Locator("#item-points-1")).ToHaveValueAsync("5");
        await BrowserPortal.ShotAsync(page, "40-rubric-error");
        await page.FillAsync("#item-points-1", "4");
        await page.ClickAsync("[data-testid=save-rubric]");

        // Back on the problem page: v2 is a draft; approving it (over the circuit) makes it the current rubric.
        await Expect(page.GetByTestId("rubric-version")).ToHaveCountAsync(2);
        await page.GetByTestId("approve-rubric").ClickAsync();
        await Expect(page.GetByTestId("rubric-panel")).ToContainTextAsync("Version 2 approved");
        await Expect(page.GetByTestId("current-rubric")).ToContainTextAsync("Version 2");
        await Expect(page.GetByTestId("current-rubric")).ToContainTextAsync("Closed form for each digit");
        await BrowserPortal.ShotAsync(page, "41-rubric-approved");
    }

    private async Task<IPage> SignedInPageAsync()
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", PortalHosts.AdminEmail);
        await page.FillAsync("#password", PortalHosts.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        return page;
    }

    private async Task<HttpClient> ApiAsAdminAsync(CancellationToken ct)
    {
        var http = new HttpClient { BaseAddress = portal.Hosts.ApiUrl };
        var login = await http.PostAsJsonAsync("/api/auth/login", new { email = PortalHosts.AdminEmail, password = PortalHosts.AdminPassword }, ct);
        var tokens = await login.Content.ReadFromJsonAsync<JsonElement>(s_json, ct);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("accessToken").GetString());
        return http;
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string path, object body, CancellationToken ct)
    {
        var response = await http.PostAsJsonAsync(path, body, ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(s_json, ct);
    }

    // Selects from the start of the first text run that begins with args[0] to the end of args[1] in a later run.
    private const string SelectAcrossFormulaScript = """
        ([before, after]) => {
          const runs = [...document.querySelectorAll('#gp-proof-markdown span[data-s]:not(.gp-math)')];
          const first = runs.findIndex(r => r.textContent.includes(before));
          const startRun = runs[first];
          const endRun = runs.slice(first + 1).find(r => r.textContent.includes(after));
          const range = document.createRange();
          range.setStart(startRun.firstChild, startRun.textContent.indexOf(before));
          range.setEnd(endRun.firstChild, endRun.textContent.indexOf(after) + after.length);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }
        """;

    private async Task<JsonElement> GetSolutionAsync(Guid solutionId, CancellationToken ct)
    {
        using var http = await ApiAsAdminAsync(ct);
        return await http.GetFromJsonAsync<JsonElement>($"/api/solutions/{solutionId}", s_json, ct);
    }

    private static Regex SignInUrl() => new("/signin");

    private static Regex IdUrl(string segment) => new($"/{segment}/[0-9a-f-]{{36}}$");
}

/// <summary>A problem of the Open Proof Corpus with its human reference solution and one model's proof.</summary>
public sealed record OpcProblem(string Statement, string Reference, string Proof, string Model)
{
    public static async Task<OpcProblem> LoadAsync(string file, int attempt, CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(Corpora.PathOf(Path.Combine("opc", "BMOSL", file)), ct));
        var root = doc.RootElement;
        var chosen = root.GetProperty("attempts")[attempt];
        return new OpcProblem(
            root.GetProperty("problem").GetString()!,
            root.GetProperty("solutions")[0].GetProperty("solution").GetString()!,
            chosen.GetProperty("solution").GetString()!,
            chosen.GetProperty("model_id").GetString()!);
    }
}
