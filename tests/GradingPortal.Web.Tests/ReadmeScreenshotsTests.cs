using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GradingPortal.Testing;
using GradingPortal.Testing.FakeOpenAi;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The README's demo, built the way a person builds it: IMO-GradingBench imported through the Api, graded by two
/// workflows that a real Worker runs against the fake model, then one proof annotated and graded item by item.
/// Seeded once, on first use, for the tests of <see cref="ReadmeScreenshotsTests"/>.
/// </summary>
public sealed class ReadmeDemoPortal : IAsyncLifetime
{
    /// <summary>A response of the corpus whose proof opens with inline and display formulas (a functional equation).</summary>
    public const string SolutionExternalId = "GB-0795";

    /// <summary>The sentence the fake model reports as a finding on that proof.</summary>
    public const string FindingQuote = "This implies $P$ is a bijection (surjective and injective).";

    private const string CorpusFile = "imo-gradingbench/gradingbench_train.csv";

    private readonly SemaphoreSlim _seedLock = new(1, 1);
    private WorkerProcess? _worker;
    private Demo? _demo;

    public BrowserPortal Browser { get; } = new();
    public FakeOpenAiServer Fake { get; private set; } = null!;

    public sealed record Demo(Guid Project, Guid Solution, string[] Workflows);

    public async ValueTask InitializeAsync()
    {
        await Browser.InitializeAsync();
        Fake = await FakeOpenAiServer.StartAsync();
        GradingScripts.RegisterAll(Fake);
        // The stock scripts report findings only for marked proofs; the corpus has none, so one proof gets a finding here.
        Fake.ScriptJson(GradingScripts.Grade, GradeWithFinding);
        var connectionString = Browser.Hosts.Api.Services.GetRequiredService<IConfiguration>().GetConnectionString("Db")
            ?? throw new InvalidOperationException("The Api host has no connection string.");
        _worker = WorkerProcess.Start(connectionString, new Dictionary<string, string>
        {
            ["Worker__MaxConcurrency"] = "4",
            ["Logging__LogLevel__Default"] = "Warning",
        }, logLimit: 200_000);
    }

    private static object GradeWithFinding(FakeChatRequest request)
    {
        var answer = JsonSerializer.SerializeToNode(GradingScripts.GradeAnswer(request))!.AsObject();
        if (!GradingScripts.Solution(request).Contains(FindingQuote, StringComparison.Ordinal))
        {
            return answer;
        }
        answer["errors"] = new JsonArray(new JsonObject
        {
            ["type"] = "proposal-without-verification",
            ["severity"] = "major",
            ["quote"] = FindingQuote,
            ["explanation"] = "Injectivity is asserted, not shown: it needs P(b) = P(b') to give b = b'.",
        });
        answer["errorPropagation"] = "Step 1.2 leans on the bijection.";
        answer["conclusionSurvives"] = true;
        return answer;
    }

    /// <summary>What the Worker printed (for failure messages).</summary>
    public string WorkerLog => _worker?.Log ?? "";

    public async Task<Demo> DemoAsync(CancellationToken ct)
    {
        await _seedLock.WaitAsync(ct);
        try
        {
            return _demo ??= await SeedAsync(ct);
        }
        finally
        {
            _seedLock.Release();
        }
    }

    private async Task<Demo> SeedAsync(CancellationToken ct)
    {
        using var api = await SignInAsync(ct);
        var project = await SendAsync(api, HttpMethod.Post, "/api/projects", new { name = "GradingBench demo", maxPoints = 7 }, ct);
        var projectId = project.GetProperty("id").GetGuid();

        // The corpus file goes up as it is, like the README's curl.
        using var csv = new StreamContent(File.OpenRead(Corpora.PathOf(CorpusFile)));
        csv.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var upload = await api.PostAsync($"/api/projects/{projectId}/imports?format=imo-gradingbench&fileName=gradingbench_train.csv", csv, ct);
        var import = await ReadAsync(upload, "import", ct);
        var importId = import.GetProperty("id").GetGuid();
        var imported = await WaitForAsync(api, $"/api/imports/{importId}", ["succeeded", "failed"], TimeSpan.FromMinutes(3), ct);
        imported.GetProperty("status").GetString().ShouldBe("succeeded", $"import: {imported}\n{WorkerLog}");
        imported.GetProperty("failed").GetInt32().ShouldBe(0, imported.ToString());

        var problems = (await SendAsync(api, HttpMethod.Get, $"/api/projects/{projectId}/problems", null, ct)).EnumerateArray().ToList();
        var solutionId = await FindSolutionAsync(api, problems.Select(p => p.GetProperty("id").GetGuid()), ct);
        var solution = await SendAsync(api, HttpMethod.Get, $"/api/solutions/{solutionId}", null, ct);
        var problemId = solution.GetProperty("problemId").GetGuid();
        var text = solution.GetProperty("text").GetString()!;

        // An approved rubric for that problem, so that a person can award points item by item.
        var rubric = await SendAsync(api, HttpMethod.Post, $"/api/problems/{problemId}/rubrics", new
        {
            items = new object[]
            {
                new { title = "P vanishes only at 0 and P(−P(a)) = −a", points = 2m, description = "Both facts proved from the equation." },
                new { title = "Each value of L lies in {0, −s(b)}", points = 2m, description = "The two factors related through s." },
                new { title = "At most two values, and an example with two", points = 3m, description = "The bound and a P reaching it." },
            },
            zeroCredit = "Substituting values without a conclusion.",
        }, ct);
        await SendAsync(api, HttpMethod.Post, $"/api/rubrics/{rubric.GetProperty("id").GetGuid()}/approve",
            new { rowVersion = rubric.GetProperty("rowVersion").GetUInt32() }, ct);
        var items = rubric.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToArray();

        // The README's two runs, on every problem.
        var profile = await SendAsync(api, HttpMethod.Post, "/api/model-profiles", new
        {
            name = "Fake model", baseUrl = Fake.BaseUrl, model = "fake-model", timeoutSeconds = 60, maxConcurrency = 4,
            prices = new { input = 1.0m, cachedInput = 0.1m, output = 4.0m }, structuredOutput = "jsonSchema",
        }, ct);
        string[] workflows = ["absolute", "five-stage"];
        var runs = new List<Guid>();
        foreach (var workflow in workflows)
        {
            var run = await SendAsync(api, HttpMethod.Post, "/api/grading-runs", new
            {
                projectId, problemIds = problems.Select(p => p.GetProperty("id").GetGuid()).ToArray(), workflow,
                modelProfileId = profile.GetProperty("id").GetGuid(), samples = 1,
            }, ct);
            runs.Add(run.GetProperty("id").GetGuid());
        }
        foreach (var run in runs)
        {
            var done = await WaitForAsync(api, $"/api/grading-runs/{run}", ["completed", "cancelled", "failed"], TimeSpan.FromMinutes(8), ct);
            done.GetProperty("status").GetString().ShouldBe("completed", $"run: {done}\n{WorkerLog}");
        }

        // Two marks across inline formulas (apart from the model's finding), then the importer's expert grade revised with item awards.
        await AnnotateAsync(api, solutionId, text, "This also confirms $P$ is a bijection.", "proposal-without-verification", "minor",
            "Say why: P(−P(a)) = −a makes P onto, and P(a) = P(a') then gives a = a'.", ct);
        await AnnotateAsync(api, solutionId, text, "$P(-P(a))=-a$ for all $a \\in \\mathbb{Q}$", "begging-the-question", "major",
            "Uses that P(X) = 0 forces X = 0 before the case k ≠ 0 is settled for every k.", ct);
        var mine = (await SendAsync(api, HttpMethod.Get, $"/api/solutions/{solutionId}/human-grades", null, ct)).EnumerateArray().Single();
        await SendAsync(api, HttpMethod.Post, $"/api/solutions/{solutionId}/human-grades", new
        {
            points = 2.5m,
            items = new object[]
            {
                new { rubricItemId = items[0], points = 2m, comment = "Clean." },
                new { rubricItemId = items[1], points = 0.5m, comment = "Right idea, the case split is not closed." },
                new { rubricItemId = items[2], points = 0m, comment = "No example, no bound." },
            },
            comment = "Steps 1 and 2 hold; the count of S is never finished.",
            rowVersion = mine.GetProperty("rowVersion").GetUInt32(),
        }, ct);
        return new Demo(projectId, solutionId, workflows);
    }

    private static async Task<Guid> FindSolutionAsync(HttpClient api, IEnumerable<Guid> problems, CancellationToken ct)
    {
        foreach (var problem in problems)
        {
            string? after = null;
            do
            {
                var page = await SendAsync(api, HttpMethod.Get, $"/api/problems/{problem}/solutions?limit=100{(after is null ? "" : $"&after={after}")}", null, ct);
                foreach (var item in page.GetProperty("items").EnumerateArray())
                {
                    if (item.GetProperty("externalId").GetString() == SolutionExternalId)
                    {
                        return item.GetProperty("id").GetGuid();
                    }
                }
                after = page.GetProperty("next").ValueKind == JsonValueKind.String ? page.GetProperty("next").GetString() : null;
            }
            while (after is not null);
        }
        throw new InvalidOperationException($"The import brought no solution {SolutionExternalId}.");
    }

    private static async Task AnnotateAsync(HttpClient api, Guid solutionId, string text, string quote, string type, string severity, string comment,
        CancellationToken ct)
    {
        var start = text.IndexOf(quote, StringComparison.Ordinal);
        start.ShouldBeGreaterThanOrEqualTo(0, $"'{quote}' is not in the proof");
        await SendAsync(api, HttpMethod.Post, $"/api/solutions/{solutionId}/annotations", new
        {
            start, end = start + quote.Length, quote, errorType = type, severity, comment,
        }, ct);
    }

    private async Task<HttpClient> SignInAsync(CancellationToken ct)
    {
        var http = new HttpClient { BaseAddress = Browser.Hosts.ApiUrl };
        var login = await ReadAsync(await http.PostAsJsonAsync("/api/auth/login",
            new { email = PortalHosts.AdminEmail, password = PortalHosts.AdminPassword }, ct), "sign-in", ct);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.GetProperty("accessToken").GetString());
        return http;
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        return await ReadAsync(await http.SendAsync(request, ct), $"{method} {path}", ct);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            response.IsSuccessStatusCode.ShouldBeTrue($"{what}: {(int)response.StatusCode} {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    private static async Task<JsonElement> WaitForAsync(HttpClient http, string path, string[] finished, TimeSpan limit, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        while (true)
        {
            var state = await SendAsync(http, HttpMethod.Get, path, null, timeout.Token);
            if (finished.Contains(state.GetProperty("status").GetString()?.ToLowerInvariant()))
            {
                return state;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }
        await Fake.DisposeAsync();
        await Browser.DisposeAsync();
        _seedLock.Dispose();
    }
}

/// <summary>
/// The pictures in the README, taken from the demo project at 1280×800: the solution page in the light and the dark
/// theme, and the Evaluation page. Each test asserts what its picture must show and runs the accessibility check; with
/// <c>UPDATE_SCREENSHOTS=1</c> it also writes its picture into docs/images.
/// </summary>
public sealed class ReadmeScreenshotsTests(ReadmeDemoPortal portal) : IClassFixture<ReadmeDemoPortal>
{
    private static bool Update => Environment.GetEnvironmentVariable("UPDATE_SCREENSHOTS") == "1";

    [Fact]
    public async Task SolutionPage_LightTheme_ShowsTypesetProofMarksGradeAndModelFindings()
    {
        var demo = await portal.DemoAsync(TestContext.Current.CancellationToken);
        var page = await OpenSolutionAsync(demo);

        await SaveAsync(page, "solution.png");
    }

    [Fact]
    public async Task SolutionPage_DarkTheme_ShowsTheSamePageInTheDarkTheme()
    {
        var demo = await portal.DemoAsync(TestContext.Current.CancellationToken);
        var page = await OpenSolutionAsync(demo);

        var light = await BackgroundAsync(page);
        await page.ClickAsync("[data-testid=theme-toggle]");
        await Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "Switch to the light theme");
        (await BackgroundAsync(page)).ShouldNotBe(light);
        // Buttons and chips fade to their new colours; contrast is checked on the colours they end with.
        await page.WaitForFunctionAsync("() => document.getAnimations().every(a => !(a instanceof CSSTransition) || a.playState !== 'running')");
        // The proof stays typeset and marked across the re-render the theme causes.
        await Expect(page.Locator("#gp-proof-markdown .gp-math:not([data-rendered])")).ToHaveCountAsync(0);
        await Expect(page.Locator("#gp-proof-markdown mark.gp-ann").First).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await SaveAsync(page, "solution-dark.png");
    }

    [Fact]
    public async Task EvaluationPage_LightTheme_ShowsBothRunsAndWhereTheGradesCameFrom()
    {
        var demo = await portal.DemoAsync(TestContext.Current.CancellationToken);
        var page = await SignedInPageAsync();

        await page.GotoAsync($"/projects/{demo.Project}/evaluation");

        var table = page.GetByTestId("graders-table");
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(demo.Workflows.Length);
        foreach (var workflow in demo.Workflows)
        {
            await Expect(table.Locator("tbody tr", new() { HasText = workflow })).ToHaveCountAsync(1);
        }
        await Expect(page.GetByTestId("grade-origin")).ToContainTextAsync("Where the model grades came from");
        await Expect(page.GetByTestId("grade-origin")).ToContainTextAsync("stand-in model");
        await Expect(page.GetByTestId("calibration-chart").Locator("svg").First).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await SaveAsync(page, "evaluation.png");
    }

    private static Task<string> BackgroundAsync(IPage page) =>
        page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).getPropertyValue('--mud-palette-background').trim()");

    private async Task<IPage> SignedInPageAsync()
    {
        var page = await portal.Browser.NewPageAsync(bypassCsp: true);
        BrowserPortal.EchoConsole(page);
        await page.SetViewportSizeAsync(1280, 800);
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", PortalHosts.AdminEmail);
        await page.FillAsync("#password", PortalHosts.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        return page;
    }

    /// <summary>The demo's annotated proof, once it is typeset and marked and every panel shows its data.</summary>
    private async Task<IPage> OpenSolutionAsync(ReadmeDemoPortal.Demo demo)
    {
        var page = await SignedInPageAsync();
        await page.GotoAsync($"/solutions/{demo.Solution}");

        await SolutionPages.WaitInteractiveAsync(page);
        var proof = page.Locator("#gp-proof-markdown");
        await Expect(proof.Locator(".katex").First).ToBeVisibleAsync();
        await Expect(proof.Locator(".gp-math:not([data-rendered])")).ToHaveCountAsync(0);
        // People's two marks and the model's finding (dashed) are drawn on the proof, the first across formulas.
        await Expect(proof.Locator("mark.gp-ann:not(.gp-origin-model)").First).ToBeVisibleAsync();
        await Expect(proof.Locator("mark.gp-ann:not(.gp-origin-model) .katex").First).ToBeAttachedAsync();
        await Expect(proof.Locator("mark.gp-ann.gp-origin-model").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("annotation-item")).ToHaveCountAsync(2);
        // The grade panel holds the revised grade with its item awards.
        await Expect(page.GetByTestId("my-grade-points")).ToHaveTextAsync("2.5 / 7");
        await Expect(page.GetByTestId("grade-item")).ToHaveCountAsync(3);
        // One model grade per run, each with its finding.
        await Expect(page.GetByTestId("model-grade")).ToHaveCountAsync(demo.Workflows.Length);
        await Expect(page.GetByTestId("model-finding")).ToHaveCountAsync(demo.Workflows.Length);
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        return page;
    }

    /// <summary>With UPDATE_SCREENSHOTS=1, what the window shows goes to docs/images; else it lands with the other test pictures.</summary>
    private static async Task SaveAsync(IPage page, string name)
    {
        var path = Update ? Path.Combine(RepositoryRoot(), "docs", "images", name) : Path.Combine(BrowserPortal.ScreenshotDirectory, "readme-" + name);
        // No hover effect and no focus ring of the heading a page focuses on arrival: the picture shows the page at rest.
        await page.Mouse.MoveAsync(0, 799);
        await page.EvaluateAsync("() => document.activeElement?.blur()");
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = path, Type = ScreenshotType.Png, Animations = ScreenshotAnimations.Disabled, Caret = ScreenshotCaret.Hide,
        });
        new FileInfo(path).Length.ShouldBeLessThan(400_000, $"{name} is too large for the README");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GradingPortal.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("Could not find the repository root (GradingPortal.sln) above " + AppContext.BaseDirectory);
    }
}
