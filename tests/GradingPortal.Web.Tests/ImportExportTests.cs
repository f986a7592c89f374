using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GradingPortal.Domain.Imports;
using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
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

/// <summary>
/// The interactive import pages (upload one file or several, live progress, the failures grid) and export (choices,
/// a streamed download through the Web), in Chromium against the real Api, Web and a Worker.
/// </summary>
public sealed class ImportExportTests(ImportExportPortal portal) : IClassFixture<ImportExportPortal>
{
    [Fact]
    public async Task ImportPage_UploadWithOneBadLine_ShowsSucceededAndTheFailure()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await AdminApiAsync();
        var project = await api.PostAsync("/api/projects", new { name = "Imported olympiad proofs", maxPoints = 7 }, ct);
        var projectId = project.GetProperty("id").GetGuid();
        var page = await SignedInPageAsync(bypassCsp: true);

        await page.GotoAsync($"/projects/{projectId}");
        await page.ClickAsync("[data-testid=project-import]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Import");
        await Expect(page.GetByTestId("no-imports")).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        var lines = string.Join('\n',
            """{"kind":"problem","externalId":"p1","title":"Odd squares","statement":"Show that $n^2$ is odd for odd $n$.","maxPoints":7}""",
            """{"kind":"solution","problemExternalId":"p1","externalId":"s1","text":"Let $n = 2k+1$; then $n^2 = 4k^2+4k+1$ is odd.","author":"gpt-5"}""",
            """{"kind":"solution","problemExternalId":"p1","externalId":"s2","text":42}""");
        await page.GetByLabel("GradingPortal JSON Lines").CheckAsync();
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
        await Expect(page.GetByTestId("import-live")).ToHaveAttributeAsync("data-live", "off");
        await Expect(page.GetByTestId("count-created")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("count-failed")).ToHaveTextAsync("1");
        var failures = page.Locator("[data-testid=failure-table] tbody tr");
        await Expect(failures).ToHaveCountAsync(1);
        await Expect(failures.First).ToContainTextAsync("line 3");
        await Expect(page.GetByTestId("import-progress-text")).ToHaveTextAsync("Done, 1 record not imported");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await BrowserPortal.ShotAsync(page, "io-02-import-status");

        // The import is listed on the project's import page, reached from the status page without a reload.
        await page.GetByTestId("import-another").ClickAsync();
        await Expect(page.GetByTestId("import-row")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("import-list")).ToContainTextAsync("odd-squares.jsonl");
        await Expect(page.GetByTestId("import-list")).ToContainTextAsync("Succeeded");
        await BrowserPortal.ShotAsync(page, "io-03-import-list");
    }

    [Fact]
    public async Task ImportPage_FileTheFormatRefuses_ShowsTheApiMessageAndKeepsTheFile()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await AdminApiAsync();
        var project = await api.PostAsync("/api/projects", new { name = "Refused upload" }, ct);
        var page = await SignedInPageAsync(bypassCsp: true);
        await page.GotoAsync($"/projects/{project.GetProperty("id").GetGuid()}/import?format=matharena");
        await Expect(page.GetByLabel("MathArena (.zip)")).ToBeCheckedAsync();

        // Nothing chosen yet: the page says so without sending anything.
        await page.GetByTestId("import-upload").ClickAsync();
        await Expect(page.GetByTestId("file-error")).ToHaveTextAsync("Choose a file to upload.");

        await page.GetByTestId("import-file").SetInputFilesAsync(new FilePayload { Name = "answers.jsonl", MimeType = "text/plain", Buffer = "{}\n"u8.ToArray() });
        await page.GetByTestId("import-upload").ClickAsync();

        await Expect(page.GetByTestId("problem")).ToContainTextAsync("A MathArena import is a .zip of the competition folder");
        await Expect(page.GetByTestId("problem")).ToContainTextAsync("answers.jsonl");
        (await page.GetByTestId("import-file").EvaluateAsync<int>("input => input.files.length")).ShouldBe(1);
        await Expect(page).ToHaveURLAsync(new Regex("/import\\?format=matharena$"));
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await BrowserPortal.ShotAsync(page, "io-04-import-refused");
    }

    [Fact]
    public async Task ImportPage_TwoFiles_ImportsEachAndListsThemWithLinks()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await AdminApiAsync();
        var project = await api.PostAsync("/api/projects", new { name = "Bulk upload", maxPoints = 7 }, ct);
        var projectId = project.GetProperty("id").GetGuid();
        var page = await SignedInPageAsync();
        await page.GotoAsync($"/projects/{projectId}/import");
        await Expect(page.GetByTestId("no-imports")).ToBeVisibleAsync();

        FilePayload File(string name, string problem) => new()
        {
            Name = name,
            MimeType = "application/x-ndjson",
            Buffer = Encoding.UTF8.GetBytes(
                $$"""{"kind":"problem","externalId":"{{problem}}","title":"Problem {{problem}}","statement":"Prove it.","maxPoints":7}""" + "\n"),
        };
        await page.GetByTestId("import-file").SetInputFilesAsync([File("first.jsonl", "a"), File("second.jsonl", "b")]);
        await page.GetByTestId("import-upload").ClickAsync();

        var outcomes = page.GetByTestId("upload-outcomes");
        await Expect(outcomes.Locator("a")).ToHaveCountAsync(2);
        await Expect(outcomes).ToContainTextAsync("first.jsonl");
        await Expect(outcomes).ToContainTextAsync("second.jsonl");
        await Expect(page.GetByTestId("import-row")).ToHaveCountAsync(2);
        // Newest first.
        await Expect(page.GetByTestId("import-row").First).ToContainTextAsync("second.jsonl");
        await outcomes.Locator("a", new() { HasText = "first.jsonl" }).ClickAsync();
        await Expect(page.GetByTestId("import-title")).ToContainTextAsync("first.jsonl");
    }

    [Fact]
    public async Task ImportStatusPage_RunningImport_ShowsProgressLiveAndPagesTheFailures()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await AdminApiAsync();
        var project = await api.PostAsync("/api/projects", new { name = "Live import" }, ct);
        var projectId = project.GetProperty("id").GetGuid();
        var adminId = (await api.SendAsync(HttpMethod.Get, "/api/me", null, ct)).GetProperty("id").GetGuid();
        // The rows a Worker writes, put in place directly: the page must show each change without being reloaded.
        var import = Import.Receive(projectId, ImportFormat.Jsonl, "big.jsonl", 1 << 20, adminId, DateTimeOffset.UtcNow);
        import.Staged(48_000, DateTimeOffset.UtcNow);
        import.Start(DateTimeOffset.UtcNow);
        await WithDbAsync(async db =>
        {
            db.Imports.Add(import);
            db.ImportFailures.AddRange(import.Checkpoint(120, 118, 0, 0, [new("line 7", "text", "text must be a string")], DateTimeOffset.UtcNow));
            await db.SaveChangesAsync(ct);
        });
        var page = await SignedInPageAsync(bypassCsp: true);

        await page.GotoAsync($"/imports/{import.Id}");
        await Expect(page.GetByTestId("import-state")).ToHaveTextAsync("Running");
        await Expect(page.GetByTestId("import-live")).ToHaveAttributeAsync("data-live", "on");
        await Expect(page.GetByTestId("import-progress-text")).ToHaveTextAsync("Reading… 120 records so far");
        await Expect(page.Locator("[data-testid=failure-table] tbody tr")).ToHaveCountAsync(1);
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await WithDbAsync(async db =>
        {
            var stored = await db.Imports.SingleAsync(i => i.Id == import.Id, ct);
            var more = Enumerable.Range(0, 29).Select(i => new ImportFailureInput($"line {200 + i}", null, "unknown problem")).ToList();
            db.ImportFailures.AddRange(stored.Checkpoint(400, 100, 1, 2, more, DateTimeOffset.UtcNow));
            stored.Succeed(DateTimeOffset.UtcNow);
            await db.SaveChangesAsync(ct);
        });

        await Expect(page.GetByTestId("import-state")).ToHaveTextAsync("Succeeded");
        await Expect(page.GetByTestId("import-live")).ToHaveAttributeAsync("data-live", "off");
        await Expect(page.GetByTestId("count-created")).ToHaveTextAsync("218");
        await Expect(page.GetByTestId("count-failed")).ToHaveTextAsync("30");
        await Expect(page.GetByTestId("import-progress-text")).ToHaveTextAsync("Done, 30 records not imported");
        var rows = page.Locator("[data-testid=failure-table] tbody tr");
        await Expect(rows).ToHaveCountAsync(25);
        await Expect(rows.First).ToContainTextAsync("line 7");
        await page.GetByTestId("failure-table").GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(5);
        await Expect(rows.Last).ToContainTextAsync("line 228");
        await BrowserPortal.ShotAsync(page, "io-06-import-live");
    }

    [Fact]
    public async Task UploadEndpoint_BadFormatOrNoToken_AnswersProblemDetails()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await AdminApiAsync();
        var projectId = (await api.PostAsync("/api/projects", new { name = "Upload endpoint" }, ct)).GetProperty("id").GetGuid();
        using var web = new WebClient(portal.Browser.Hosts.WebUrl);
        (await web.SignInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var (_, token) = await web.PageAsync($"/projects/{projectId}/import", ct);
        token.ShouldNotBeEmpty();
        async Task<HttpResponseMessage> PostAsync(string? requestToken, string format)
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent(format), "format" },
                { new ByteArrayContent("""{"kind":"problem"}"""u8.ToArray()), "file", "x.jsonl" },
            };
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/projects/{projectId}/imports/upload") { Content = form };
            if (requestToken is not null)
            {
                request.Headers.Add("RequestVerificationToken", requestToken);
            }
            return await web.Http.SendAsync(request, ct);
        }

        var refused = await PostAsync(token, "xml");
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(ct)).RootElement;
        problem.GetProperty("errors").GetProperty("format")[0].GetString()!.ShouldStartWith("Format is one of");

        var forged = await PostAsync(null, "jsonl");
        forged.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await forged.Content.ReadAsStringAsync(ct)).ShouldContain("The page has expired");

        var accepted = await PostAsync(token, "jsonl");
        accepted.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetGuid();
        (await api.SendAsync(HttpMethod.Get, $"/api/imports/{id}", null, ct)).GetProperty("fileName").GetString().ShouldBe("x.jsonl");
    }

    [Fact]
    public async Task UploadAndExportEndpoints_ProjectThatIsNotThere_AnswerNotFoundBeforeSendingAnything()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await AdminApiAsync();
        var projectId = (await api.PostAsync("/api/projects", new { name = "Upload to nowhere" }, ct)).GetProperty("id").GetGuid();
        using var web = new WebClient(portal.Browser.Hosts.WebUrl);
        (await web.SignInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var (_, token) = await web.PageAsync($"/projects/{projectId}/import", ct);
        var missing = Guid.CreateVersion7();

        using var form = new MultipartFormDataContent
        {
            { new StringContent("jsonl"), "format" },
            { new ByteArrayContent("""{"kind":"problem"}"""u8.ToArray()), "file", "x.jsonl" },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/projects/{missing}/imports/upload") { Content = form };
        request.Headers.Add("RequestVerificationToken", token);
        using var upload = await web.Http.SendAsync(request, ct);
        upload.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        upload.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");

        using var export = await web.Http.GetAsync($"/projects/{missing}/export/download?format=jsonl", ct);
        export.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var back = Uri.UnescapeDataString(export.Headers.Location!.ToString());
        back.ShouldStartWith($"/projects/{missing}/export?format=jsonl&error=");
        back.ShouldContain("not found", Case.Insensitive);
    }

    [Fact]
    public async Task Export_DownloadsJsonlThroughWeb()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await AdminApiAsync();
        var project = await api.PostAsync("/api/projects", new { name = "Export me", maxPoints = 7 }, ct);
        var projectId = project.GetProperty("id").GetGuid();
        var problem = await api.PostAsync($"/api/projects/{projectId}/problems", new { title = "Sum of two odds", statement = "Show that the sum of two odd numbers is even." }, ct);
        var problemId = problem.GetProperty("id").GetGuid();
        var other = await api.PostAsync($"/api/projects/{projectId}/problems", new { title = "Another problem", statement = "Not chosen." }, ct);
        await api.PostAsync($"/api/problems/{other.GetProperty("id").GetGuid()}/solutions", new { text = "Other.", externalId = "other-1" }, ct);
        await api.PostAsync($"/api/problems/{problemId}/solutions", new { text = "Write them as $2a+1$ and $2b+1$.", author = "model-a", externalId = "ex-1" }, ct);
        await api.PostAsync($"/api/problems/{problemId}/solutions", new { text = "Odd plus odd is even by parity.", author = "model-b", externalId = "ex-2" }, ct);

        using var web = new WebClient(portal.Browser.Hosts.WebUrl);
        (await web.SignInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        using var download = await web.Http.GetAsync($"/projects/{projectId}/export/download?format=jsonl&flavor=records&problemIds={problemId}",
            HttpCompletionOption.ResponseHeadersRead, ct);
        download.StatusCode.ShouldBe(HttpStatusCode.OK);
        download.Content.Headers.ContentType!.MediaType.ShouldBe("application/x-ndjson");
        download.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
        // Streamed through as the Api writes it: no length known up front.
        download.Headers.TransferEncodingChunked.ShouldBe(true);
        download.Content.Headers.ContentLength.ShouldBeNull();
        var records = (await download.Content.ReadAsStringAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        records.Count.ShouldBe(2);
        records.Select(r => r.GetRawText()).ShouldContain(r => r.Contains("ex-1", StringComparison.Ordinal));
        records.Select(r => r.GetRawText()).ShouldContain(r => r.Contains("ex-2", StringComparison.Ordinal));

        // A refused request comes back to the page with the Api's message and the choices kept.
        using var refused = await web.Http.GetAsync($"/projects/{projectId}/export/download?format=xml", ct);
        refused.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var back = refused.Headers.Location!.ToString();
        back.ShouldStartWith($"/projects/{projectId}/export?format=xml&error=");
        var page = await SignedInPageAsync(bypassCsp: true);
        await page.GotoAsync(back);
        await Expect(page.GetByTestId("problem")).ToContainTextAsync("Format is jsonl or csv.");

        // The export page: one problem and an evidence level chosen, the file arrives as a download.
        await page.GotoAsync($"/projects/{projectId}");
        await page.ClickAsync("[data-testid=project-export]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Export");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await page.GetByLabel("Sum of two odds (2 solutions)").CheckAsync();
        await page.GetByLabel("Not graded").CheckAsync();
        await BrowserPortal.ShotAsync(page, "io-05-export");
        var waited = page.WaitForDownloadAsync();
        await page.GetByTestId("export-download").ClickAsync();
        var file = await waited;
        file.Url.ShouldContain($"problemIds={problemId}");
        file.Url.ShouldContain("evidence=none");
        var path = await file.PathAsync();
        var lines = (await System.IO.File.ReadAllLinesAsync(path, ct)).Where(l => l.Length > 0).ToList();
        lines.Count.ShouldBe(2);
        lines.ShouldAllBe(l => !l.Contains("other-1"));
        // The page is still there (the download did not replace it) and still answers.
        await Expect(page.Locator("h1")).ToHaveTextAsync("Export");
    }

    [Fact]
    public async Task ExportPage_DateTheApiRefuses_ShowsTheMessageAndStartsNoDownload()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await AdminApiAsync();
        var projectId = (await api.PostAsync("/api/projects", new { name = "Export refusal" }, ct)).GetProperty("id").GetGuid();
        var page = await SignedInPageAsync();
        // What a browser without a date picker would let through.
        await page.GotoAsync($"/projects/{projectId}/export?updatedSince=yesterday");
        var downloads = 0;
        page.Download += (_, _) => downloads++;

        await page.GetByTestId("export-download").ClickAsync();

        await Expect(page.GetByTestId("problem")).ToContainTextAsync("updatedSince is an ISO 8601 time");
        await Expect(page).ToHaveURLAsync(new Regex($"/projects/{projectId}/export\\?updatedSince=yesterday$"));
        downloads.ShouldBe(0);
    }

    [Fact]
    public async Task ImportAndExportPages_Viewer_SeesWhyNotAndNoForm()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await AdminApiAsync();
        var projectId = (await api.PostAsync("/api/projects", new { name = "Viewer only" }, ct)).GetProperty("id").GetGuid();
        var email = $"viewer-{Guid.NewGuid():N}@example.org";
        var userId = (await api.PostAsync("/api/users", new { email, password = "viewer-password-1", displayName = "Vera" }, ct)).GetProperty("id").GetGuid();
        await api.SendAsync(HttpMethod.Put, $"/api/projects/{projectId}/members/{userId}", new { role = "viewer" }, ct);
        var page = await SignedInPageAsync(email: email, password: "viewer-password-1");

        await page.GotoAsync($"/projects/{projectId}/import");
        await Expect(page.GetByTestId("import-not-allowed")).ToContainTextAsync("Only adjudicators and project admins can import.");
        await Expect(page.GetByTestId("import-form")).ToHaveCountAsync(0);
        await page.GotoAsync($"/projects/{projectId}/export");
        await Expect(page.GetByTestId("export-not-allowed")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("export-form")).ToHaveCountAsync(0);
    }

    /// <summary>A project with three finished imports, oldest first: first-good.jsonl, broken-header.csv (failed) and second-good.jsonl.</summary>
    private async Task<Guid> ThreeFinishedImportsAsync(ApiClient api)
    {
        var ct = TestContext.Current.CancellationToken;
        var projectId = (await api.PostAsync("/api/projects", new { name = $"Import filter {Guid.NewGuid():N}"[..24] }, ct)).GetProperty("id").GetGuid();
        var adminId = (await api.SendAsync(HttpMethod.Get, "/api/me", null, ct)).GetProperty("id").GetGuid();
        // Finished imports written as a Worker leaves them: no job is queued, so nothing changes them meanwhile.
        await WithDbAsync(async db =>
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var (name, fails) in new[] { ("first-good.jsonl", false), ("broken-header.csv", true), ("second-good.jsonl", false) })
            {
                var import = GradingPortal.Domain.Imports.Import.Receive(projectId, name.EndsWith(".csv", StringComparison.Ordinal)
                    ? GradingPortal.Domain.Imports.ImportFormat.Csv : GradingPortal.Domain.Imports.ImportFormat.Jsonl, name, 1 << 20, adminId, now);
                import.Staged(100, now);
                import.Start(now);
                if (fails)
                {
                    import.Fail("Unrecognised CSV header.", now);
                }
                else
                {
                    import.Succeed(now);
                }
                db.Imports.Add(import);
                await db.SaveChangesAsync();
            }
        });
        return projectId;
    }

    [Fact]
    public async Task ImportPage_StatusFilter_ListsOnlyTheImportsInThatState()
    {
        using var api = await AdminApiAsync();
        var projectId = await ThreeFinishedImportsAsync(api);
        var page = await SignedInPageAsync(bypassCsp: true);

        await page.GotoAsync($"/projects/{projectId}/import");
        await Expect(page.GetByTestId("import-row")).ToHaveCountAsync(3);
        await ChooseAsync(page, "import-status-filter", "Failed");

        await Expect(page.GetByTestId("import-row")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("import-list")).ToContainTextAsync("broken-header.csv");
        await ChooseAsync(page, "import-status-filter", "Succeeded");
        await Expect(page.GetByTestId("import-row")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("import-list")).Not.ToContainTextAsync("broken-header.csv");
        await ChooseAsync(page, "import-status-filter", "Uploading");
        await Expect(page.GetByTestId("no-imports")).ToHaveTextAsync("No imports with this status.");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
    }

    [Fact]
    public async Task ImportPage_FilterAndSortInTheAddress_ReloadShowsTheSameImportsAndBadValuesFallBack()
    {
        using var api = await AdminApiAsync();
        var projectId = await ThreeFinishedImportsAsync(api);
        var page = await SignedInPageAsync(bypassCsp: true);
        var statuses = page.GetByTestId("import-row-status");

        await page.GotoAsync($"/projects/{projectId}/import?format=csv");
        await Expect(statuses).ToHaveCountAsync(3);
        // Status sorts by the lifecycle: succeeded before failed (by name, failed would come first).
        var status = page.Locator("[data-testid=import-list] th", new() { HasText = "Status" }).Locator(".sortable-column-header");
        await status.ClickAsync();
        await Expect(statuses).ToHaveTextAsync(["Succeeded", "Succeeded", "Failed"]);
        await ChooseAsync(page, "import-status-filter", "Succeeded");
        await Expect(statuses).ToHaveCountAsync(2);
        foreach (var part in new[] { "status=succeeded", "sort=status", "format=csv" })
        {
            await Expect(page).ToHaveURLAsync(new Regex($"[?&]{part}(&|$)"));
        }

        await page.ReloadAsync();
        await Expect(statuses).ToHaveTextAsync(["Succeeded", "Succeeded"]);
        await Expect(page.GetByTestId("import-status-filter")).ToContainTextAsync("Succeeded");
        await Expect(page.Locator("[data-testid=import-list] th", new() { HasText = "Status" }).Locator(".mud-direction-asc")).ToHaveCountAsync(1);

        await page.GotoAsync($"/projects/{projectId}/import?status=broken&sort=-line&page=-1&pageSize=0");
        await Expect(statuses).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("imports-error")).ToHaveCountAsync(0);
        await Expect(page).ToHaveURLAsync(new Regex($"/projects/{projectId}/import$"));
    }

    /// <summary>Opens a MudSelect (inside the element with <paramref name="testId"/>) and picks the option showing <paramref name="text"/>.</summary>
    private static async Task ChooseAsync(IPage page, string testId, string text)
    {
        await page.GetByTestId(testId).Locator(".mud-select").First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new LocatorFilterOptions { HasText = text }).First.ClickAsync();
        await Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
    }

    private Task<ApiClient> AdminApiAsync() =>
        ApiClient.SignInAsync(portal.Browser.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, TestContext.Current.CancellationToken);

    private async Task WithDbAsync(Func<GradingDbContext, Task> action)
    {
        using var scope = portal.Browser.Hosts.Api.Services.CreateScope();
        await action(scope.ServiceProvider.GetRequiredService<GradingDbContext>());
    }

    private async Task<IPage> SignedInPageAsync(string email = PortalHosts.AdminEmail, string password = PortalHosts.AdminPassword, bool bypassCsp = false)
    {
        var page = await portal.Browser.NewPageAsync(bypassCsp);
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        return page;
    }
}
