using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GradingPortal.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>Browser, Api and Web as for <see cref="BrowserTests"/>, plus one real Worker process that carries out imports.</summary>
public sealed class ImportExportPortal : IAsyncLifetime
{
    private WorkerProcess? _worker;

    public BrowserPortal Browser { get; } = new();

    /// <summary>What the Worker printed (for failure messages).</summary>
    public string WorkerLog => _worker?.Log ?? "";

    public async ValueTask InitializeAsync()
    {
        await Browser.InitializeAsync();
        var connectionString = Browser.Hosts.Api.Services.GetRequiredService<IConfiguration>().GetConnectionString("Db")
            ?? throw new InvalidOperationException("The Api host has no connection string.");
        _worker = WorkerProcess.Start(connectionString, logLimit: 100_000);
    }

    public async ValueTask DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }
        await Browser.DisposeAsync();
    }
}

/// <summary>Import through the page (upload, progress, failures), dataset export and one solution's record through Web.</summary>
public sealed class ImportExportTests(ImportExportPortal portal) : IClassFixture<ImportExportPortal>
{
    [Fact]
    public async Task ImportPage_UploadWithOneBadLine_ShowsSucceededAndTheFailure()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await ApiClient.SignInAsync(portal.Browser.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var project = await api.PostAsync("/api/projects", new { name = "Imported olympiad proofs", maxPoints = 7 }, ct);
        var projectId = project.GetProperty("id").GetGuid();
        var page = await SignedInPageAsync();

        await page.GotoAsync($"/projects/{projectId}");
        await page.ClickAsync("[data-testid=project-import]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Import");
        await Expect(page.GetByTestId("import-list")).ToHaveCountAsync(0);
        var lines = string.Join('\n',
            """{"kind":"problem","externalId":"p1","title":"Odd squares","statement":"Show that $n^2$ is odd for odd $n$.","maxPoints":7}""",
            """{"kind":"solution","problemExternalId":"p1","externalId":"s1","text":"Let $n = 2k+1$; then $n^2 = 4k^2+4k+1$ is odd.","author":"gpt-5"}""",
            """{"kind":"solution","problemExternalId":"p1","externalId":"s2","text":42}""");
        await page.GetByTestId("import-format").SelectOptionAsync("jsonl");
        await page.GetByTestId("import-file").SetInputFilesAsync(new FilePayload
        {
            Name = "odd-squares.jsonl",
            MimeType = "application/x-ndjson",
            Buffer = Encoding.UTF8.GetBytes(lines + "\n"),
        });
        await BrowserPortal.ShotAsync(page, "io-01-import-form");
        await page.GetByTestId("import-upload").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/imports/[0-9a-f-]{36}$"));
        await Expect(page.GetByTestId("import-state")).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("count-created")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("count-failed")).ToHaveTextAsync("1");
        var failures = page.Locator("[data-testid=failure-table] tbody tr");
        await Expect(failures).ToHaveCountAsync(1);
        await Expect(failures.First).ToContainTextAsync("line 3");
        await BrowserPortal.ShotAsync(page, "io-02-import-status");

        // The import is listed on the project's import page.
        await page.GotoAsync($"/projects/{projectId}/import");
        await Expect(page.Locator("[data-testid=import-list] tbody tr")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("import-list")).ToContainTextAsync("odd-squares.jsonl");
        await BrowserPortal.ShotAsync(page, "io-03-import-list");
    }

    [Fact]
    public async Task ImportPage_UnknownFormat_ShowsTheApiMessageAndKeepsTheFile()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await ApiClient.SignInAsync(portal.Browser.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var project = await api.PostAsync("/api/projects", new { name = "Refused upload" }, ct);
        var page = await SignedInPageAsync();
        await page.GotoAsync($"/projects/{project.GetProperty("id").GetGuid()}/import");
        // A format the page does not offer, as a stale form would send it.
        await page.EvalOnSelectorAsync("#import-format", "select => { const o = document.createElement('option'); o.value = 'xml'; o.text = 'xml'; select.add(o); select.value = 'xml'; }");
        await page.GetByTestId("import-file").SetInputFilesAsync(new FilePayload { Name = "x.xml", MimeType = "text/xml", Buffer = "<x/>"u8.ToArray() });
        await page.GetByTestId("import-upload").ClickAsync();
        await Expect(page.GetByTestId("problem")).ToContainTextAsync("Format is one of");
        (await page.GetByTestId("import-file").EvaluateAsync<int>("input => input.files.length")).ShouldBe(1);
        await BrowserPortal.ShotAsync(page, "io-04-import-refused");
    }

    [Fact]
    public async Task Export_DownloadsJsonlThroughWeb()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await ApiClient.SignInAsync(portal.Browser.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var project = await api.PostAsync("/api/projects", new { name = "Export me", maxPoints = 7 }, ct);
        var projectId = project.GetProperty("id").GetGuid();
        var problem = await api.PostAsync($"/api/projects/{projectId}/problems", new { title = "Sum of two odds", statement = "Show that the sum of two odd numbers is even." }, ct);
        var problemId = problem.GetProperty("id").GetGuid();
        await api.PostAsync($"/api/problems/{problemId}/solutions", new { text = "Write them as $2a+1$ and $2b+1$.", author = "model-a", externalId = "ex-1" }, ct);
        await api.PostAsync($"/api/problems/{problemId}/solutions", new { text = "Odd plus odd is even by parity.", author = "model-b", externalId = "ex-2" }, ct);

        using var web = new WebClient(portal.Browser.Hosts.WebUrl);
        (await web.SignInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        using var download = await web.Http.GetAsync($"/projects/{projectId}/export/download?format=jsonl&flavor=records&problemIds={problemId}",
            HttpCompletionOption.ResponseHeadersRead, ct);
        download.StatusCode.ShouldBe(HttpStatusCode.OK);
        download.Content.Headers.ContentType!.MediaType.ShouldBe("application/x-ndjson");
        download.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
        var records = (await download.Content.ReadAsStringAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        records.Count.ShouldBe(2);
        records.Select(r => r.GetRawText()).ShouldContain(r => r.Contains("ex-1", StringComparison.Ordinal));
        records.Select(r => r.GetRawText()).ShouldContain(r => r.Contains("ex-2", StringComparison.Ordinal));

        // A refused request comes back to the form with the Api's message and the choices kept.
        using var refused = await web.Http.GetAsync($"/projects/{projectId}/export/download?format=xml", ct);
        refused.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var back = refused.Headers.Location!.ToString();
        back.ShouldStartWith($"/projects/{projectId}/export?format=xml&error=");
        var (html, _) = await web.PageAsync(back, ct);
        html.ShouldContain("Format is jsonl or csv.");

        // The export page. (One solution's JSON download is the solution page's: SolutionPageFlowTests.)
        var page = await SignedInPageAsync();
        await page.GotoAsync($"/projects/{projectId}");
        await page.ClickAsync("[data-testid=project-export]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Export");
        await page.GetByTestId("export-problems").SelectOptionAsync(problemId.ToString());
        await page.CheckAsync("#export-evidence-none");
        await BrowserPortal.ShotAsync(page, "io-05-export");
        var waited = page.WaitForDownloadAsync();
        await page.GetByTestId("export-download").ClickAsync();
        var file = await waited;
        var path = await file.PathAsync();
        (await File.ReadAllLinesAsync(path, ct)).Count(l => l.Length > 0).ShouldBe(2);
    }

    private async Task<IPage> SignedInPageAsync()
    {
        var page = await portal.Browser.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", PortalHosts.AdminEmail);
        await page.FillAsync("#password", PortalHosts.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        return page;
    }
}
