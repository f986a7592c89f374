using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GradingPortal.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The interactive editors in Chromium against the real Api and Web: the problem editor (live preview in the circuit, raw
/// HTML inert, marking scheme, rubric with deductions, field errors, an edit made elsewhere refused), the rubric editor
/// (reorder, remove, half points, the Api's errors on their row) and the new-solution page (file, long paste, field
/// error), each checked with axe.
/// </summary>
public sealed class EditorPagesTests(BrowserPortal portal) : IClassFixture<BrowserPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task ProblemEditor_NewProblem_PreviewsLiveInertAndSavesSchemeRubricAndDeductions()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await ApiAsAdminAsync(ct);
        var project = await PostAsync(api, "/api/projects", new { name = $"Editors {Guid.NewGuid():N}", maxPoints = 7 }, ct);
        var page = await SignedInPageAsync();

        await page.GotoAsync($"/projects/{project.GetProperty("id").GetGuid()}/problems/new");
        await Expect(page.Locator("h1")).ToHaveTextAsync("New problem");
        await Expect(page.GetByTestId("problem-statement-preview")).ToContainTextAsync("Nothing to preview yet.");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.FillAsync("#problem-title", "Squares are nonnegative");
        await page.FillAsync("#problem-statement", "Show that $x^2 \\ge 0$. <script>window.__gpXss = 1</script> <img src=x onerror=\"window.__gpXss = 2\">");
        var preview = page.GetByTestId("problem-statement-preview");
        await Expect(preview.Locator(".katex").First).ToBeVisibleAsync();
        await Expect(preview).ToContainTextAsync("<script>window.__gpXss = 1</script>");
        await Expect(preview.Locator("script, img, [onerror]")).ToHaveCountAsync(0);
        await page.FillAsync("#problem-scheme", "1 point for the case $x < 0$.");
        await Expect(page.GetByTestId("problem-scheme-preview").Locator(".katex").First).ToBeVisibleAsync();
        await page.FillAsync("#reference-text-0", "Either $x \\ge 0$ or $-x > 0$; in both cases $x^2 = |x|^2 \\ge 0$.");

        // The total follows the points as they are typed; quarter points are refused before the Api sees them.
        await page.FillAsync("#item-title-0", "Splits into cases");
        await page.FillAsync("#item-points-0", "2.25");
        await Expect(page.GetByTestId("item-row").First).ToContainTextAsync("Points must be whole or half points.");
        await page.FillAsync("#item-points-0", "2.5");
        await Expect(page.GetByTestId("rubric-total-live")).ToHaveTextAsync("Total 2.5 of 7 points · 4.5 to go");
        await page.ClickAsync("[data-testid=add-item]");
        await Expect(page.Locator("#item-title-1")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("Handles both cases");
        await page.FillAsync("#item-points-1", "4.5");
        await Expect(page.GetByTestId("rubric-total-live")).ToHaveAttributeAsync("data-state", "equal");
        await page.ClickAsync("[data-testid=add-deduction]");
        await page.FillAsync("#deduction-description-0", "Arithmetic slip");
        await page.FillAsync("#deduction-points-0", "1");
        await BrowserPortal.ShotAsync(page, "50-problem-editor-live");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        // Ctrl+Enter saves from any field.
        await page.Locator("#problem-title").PressAsync("Control+Enter");
        await Expect(page).ToHaveURLAsync(new Regex("/problems/[0-9a-f-]{36}$"));
        await Expect(page.GetByTestId("current-rubric").GetByTestId("rubric-deductions")).ToContainTextAsync("Arithmetic slip");
        await Expect(page.Locator("#gp-statement")).ToContainTextAsync("<script>window.__gpXss = 1</script>");
        (await page.EvaluateAsync<bool>("() => window.__gpXss === undefined")).ShouldBeTrue();
        var problem = await api.GetFromJsonAsync<JsonElement>($"/api/problems/{page.Url[^36..]}", s_json, ct);
        problem.GetProperty("markingScheme").GetString().ShouldBe("1 point for the case $x < 0$.");
        problem.GetProperty("referenceSolutions").GetArrayLength().ShouldBe(1);
        var items = problem.GetProperty("currentRubric").GetProperty("items");
        items[0].GetProperty("points").GetDecimal().ShouldBe(2.5m);
        items[1].GetProperty("title").GetString().ShouldBe("Handles both cases");
    }

    [Fact]
    public async Task ProblemEditor_FieldErrorThenEditedElsewhere_ShowsBothAndKeepsWhatWasTyped()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await ApiAsAdminAsync(ct);
        var project = await PostAsync(api, "/api/projects", new { name = $"Conflicts {Guid.NewGuid():N}" }, ct);
        var created = await PostAsync(api, $"/api/projects/{project.GetProperty("id").GetGuid()}/problems",
            new { title = "Original title", statement = "Prove $1 < 2$.", markingScheme = "Old scheme" }, ct);
        var problemId = created.GetProperty("id").GetGuid();
        var page = await SignedInPageAsync();

        await page.GotoAsync($"/problems/{problemId}/edit");
        await Expect(page.Locator("#problem-title")).ToHaveValueAsync("Original title");
        await Expect(page.Locator("#problem-scheme")).ToHaveValueAsync("Old scheme");
        await Expect(page.GetByTestId("problem-statement-preview").Locator(".katex").First).ToBeVisibleAsync();
        await page.FillAsync("#problem-title", "");
        await page.ClickAsync("[data-testid=save-problem]");
        await Expect(page.Locator(".mud-input-helper-text.mud-input-error").First).ToContainTextAsync("Title is required");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        // Someone else saves first: this save is refused, not written over theirs, and the typed text stays.
        var patch = await api.PatchAsJsonAsync($"/api/problems/{problemId}", new { title = "Their title", rowVersion = created.GetProperty("rowVersion").GetInt64() }, ct);
        patch.EnsureSuccessStatusCode();
        await page.FillAsync("#problem-title", "My title");
        await page.FillAsync("#problem-scheme", "");
        await page.ClickAsync("[data-testid=save-problem]");
        await Expect(page.GetByTestId("save-error")).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/problems/{problemId}/edit$"));
        await Expect(page.Locator("#problem-title")).ToHaveValueAsync("My title");
        (await api.GetFromJsonAsync<JsonElement>($"/api/problems/{problemId}", s_json, ct)).GetProperty("title").GetString().ShouldBe("Their title");

        // Reloaded, the page edits their version; clearing the scheme is saved as cleared.
        await page.ReloadAsync();
        await Expect(page.Locator("#problem-title")).ToHaveValueAsync("Their title");
        await page.FillAsync("#problem-scheme", "");
        await page.ClickAsync("[data-testid=save-problem]");
        await Expect(page).ToHaveURLAsync(new Regex($"/problems/{problemId}$"));
        (await api.GetFromJsonAsync<JsonElement>($"/api/problems/{problemId}", s_json, ct)).GetProperty("markingScheme").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task RubricEditor_EditDraft_ReordersRemovesDeductionsAndShowsTheApisRowErrors()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await ApiAsAdminAsync(ct);
        var project = await PostAsync(api, "/api/projects", new { name = $"Rubric drafts {Guid.NewGuid():N}", maxPoints = 7 }, ct);
        var problem = await PostAsync(api, $"/api/projects/{project.GetProperty("id").GetGuid()}/problems", new { title = "Any", statement = "Prove it." }, ct);
        var problemId = problem.GetProperty("id").GetGuid();
        var draft = await PostAsync(api, $"/api/problems/{problemId}/rubrics", new
        {
            items = new[] { new { title = "First idea", points = 3m }, new { title = "Second idea", points = 4m } },
            deductions = new[] { new { description = "Sign error", points = 1m }, new { description = "Missing case", points = 2m } },
            notes = "Be generous with notation.",
        }, ct);
        var page = await SignedInPageAsync();

        await page.GotoAsync($"/rubrics/{draft.GetProperty("id").GetGuid()}/edit");
        await Expect(page.Locator("#deduction-description-1")).ToHaveValueAsync("Missing case");
        await Expect(page.Locator("#rubric-notes")).ToHaveValueAsync("Be generous with notation.");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        // Keyboard: move the second item up with its button, reached by Tab like every other action.
        await page.GetByTestId("item-up").Nth(1).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#item-title-0")).ToHaveValueAsync("Second idea");
        await page.GetByTestId("deduction-remove").First.ClickAsync();
        await Expect(page.GetByTestId("deduction-row")).ToHaveCountAsync(1);
        await page.FillAsync("#item-points-1", "2.5");
        await page.ClickAsync("[data-testid=add-item]");
        await page.FillAsync("#item-points-2", "0.5");
        await Expect(page.GetByTestId("rubric-total-live")).ToHaveAttributeAsync("data-state", "equal");

        // The third item has points but no title: the Api's message lands on that row.
        await page.ClickAsync("[data-testid=save-rubric]");
        await Expect(page.GetByTestId("item-row").Nth(2)).ToContainTextAsync("Title is required");
        await Expect(page.GetByTestId("item-row").Nth(0)).Not.ToContainTextAsync("Title is required");
        await BrowserPortal.ShotAsync(page, "51-rubric-editor-errors");
        await page.FillAsync("#item-title-2", "Neat write-up");
        await page.ClickAsync("[data-testid=save-rubric]");
        await Expect(page).ToHaveURLAsync(new Regex($"/problems/{problemId}$"));

        var saved = await api.GetFromJsonAsync<JsonElement>($"/api/rubrics/{draft.GetProperty("id").GetGuid()}", s_json, ct);
        saved.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString()).ShouldBe(["Second idea", "First idea", "Neat write-up"]);
        saved.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("points").GetDecimal()).ShouldBe([4m, 2.5m, 0.5m]);
        saved.GetProperty("deductions").EnumerateArray().Select(d => d.GetProperty("description").GetString()).ShouldBe(["Missing case"]);
    }

    [Fact]
    public async Task SolutionNew_FileThenLongPaste_FieldErrorFirstThenSavedAndOpened()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await ApiAsAdminAsync(ct);
        var project = await PostAsync(api, "/api/projects", new { name = $"New solutions {Guid.NewGuid():N}" }, ct);
        var problem = await PostAsync(api, $"/api/projects/{project.GetProperty("id").GetGuid()}/problems", new { title = "Any", statement = "Prove it." }, ct);
        var problemId = problem.GetProperty("id").GetGuid();
        var page = await SignedInPageAsync();

        await page.GotoAsync($"/problems/{problemId}/solutions/new");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Add a solution");
        await page.ClickAsync("[data-testid=save-solution]");
        await Expect(page.Locator(".mud-input-helper-text.mud-input-error")).ToContainTextAsync("Solution text is required.");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        // A text file fills the field and its preview.
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "proof.md",
            MimeType = "text/markdown",
            Buffer = Encoding.UTF8.GetBytes("By induction on $n$.\r\n\r\nThe base case $n = 1$ holds."),
        });
        await Expect(page.GetByTestId("file-message")).ToContainTextAsync("Loaded proof.md");
        await Expect(page.Locator("#solution-text")).ToHaveValueAsync(new Regex("^By induction on \\$n\\$\\."));
        await Expect(page.GetByTestId("solution-text-preview").Locator(".katex")).ToHaveCountAsync(2);

        // A long paste (far above SignalR's default message size) reaches the circuit and is saved whole.
        var line = "Consider $a_k = k^2$ and note that $\\sum_{k=1}^{n} a_k$ grows like $n^3/3$. ";
        var longText = string.Concat(Enumerable.Repeat(line, 900)) + "\n\nThe end: $\\blacksquare$.";
        longText.Length.ShouldBeGreaterThan(60_000);
        await page.FillAsync("#solution-text", longText);
        await page.FillAsync("#solution-author", "human");
        await page.FillAsync("#solution-external", "long-paste-1");
        await Expect(page.GetByTestId("solution-text-preview")).ToContainTextAsync("The end:");
        await page.ClickAsync("[data-testid=save-solution]");
        await Expect(page).ToHaveURLAsync(new Regex("/solutions/[0-9a-f-]{36}$"));
        var solution = await api.GetFromJsonAsync<JsonElement>($"/api/solutions/{page.Url[^36..]}", s_json, ct);
        solution.GetProperty("text").GetString().ShouldBe(longText);
        solution.GetProperty("author").GetString().ShouldBe("human");
        solution.GetProperty("externalId").GetString().ShouldBe("long-paste-1");
    }

    [Fact]
    public async Task SolutionNew_SlowServerAndMovingOnToTheNextField_KeepsTheFocusAndEachFieldsText()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await ApiAsAdminAsync(ct);
        var project = await PostAsync(api, "/api/projects", new { name = $"Slow typing {Guid.NewGuid():N}" }, ct);
        var problem = await PostAsync(api, $"/api/projects/{project.GetProperty("id").GetGuid()}/problems", new { title = "Any", statement = "Prove it." }, ct);
        var page = await SignedInPageAsync();
        var slow = await SlowCircuit.DelayServerMessagesAsync(page, TimeSpan.FromMilliseconds(400));
        await page.GotoAsync($"/problems/{problem.GetProperty("id").GetGuid()}/solutions/new");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Add a solution");

        // The author field's answer to being focused arrives after the person moved on to the next field: it must not
        // take the focus back, or what they type next replaces the author.
        await page.FillAsync("#solution-author", "human");
        await page.ClickAsync("#solution-external");
        await slow.QuietAsync(ct);
        await Expect(page.Locator("#solution-external")).ToBeFocusedAsync(new() { Timeout = 1_000 });
        await page.Keyboard.InsertTextAsync("long-paste-1");

        await Expect(page.Locator("#solution-author")).ToHaveValueAsync("human");
        await Expect(page.Locator("#solution-external")).ToHaveValueAsync("long-paste-1");
    }

    private async Task<IPage> SignedInPageAsync()
    {
        var page = await portal.NewPageAsync(bypassCsp: true);
        BrowserPortal.EchoConsole(page);
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
}
