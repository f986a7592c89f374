using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using GradingPortal.Testing.FakeOpenAi;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>Hosts for the account and admin pages, with the Web logging everything its circuits do.</summary>
public sealed class AccountBrowserPortal : BrowserPortal
{
    protected override Task<PortalHosts> StartHostsAsync() =>
        PortalHosts.StartAsync("web-accounts", webSettings: new Dictionary<string, string>
        {
            // The most detailed levels of the categories that see what a circuit sends and receives.
            ["Logging:LogLevel:Microsoft.AspNetCore.Components"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore.SignalR"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore.Http.Connections"] = "Trace",
            ["Logging:LogLevel:System.Net.Http"] = "Trace",
            ["Logging:LogLevel:GradingPortal"] = "Trace",
        });
}

/// <summary>
/// The converted model profiles, API tokens and users pages in Chromium against the real Api and Web: secrets are
/// shown once (tokens) or never (model keys), neither in the page nor in the Web's logs; axe finds nothing serious.
/// </summary>
public sealed partial class AccountPagesTests(AccountBrowserPortal portal) : IClassFixture<AccountBrowserPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    private const string SecretKey = "sk-web-5e2f9a10-never-echoed";

    private async Task<IPage> SignedInPageAsync(string email = PortalHosts.AdminEmail, string password = PortalHosts.AdminPassword)
    {
        var page = await portal.NewPageAsync(bypassCsp: true);
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        return page;
    }

    private Task<ApiClient> AdminApiAsync() =>
        ApiClient.SignInAsync(portal.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, TestContext.Current.CancellationToken);

    private void LogsShouldNotContain(string secret) =>
        portal.Hosts.Web.Logs.Lines.Where(line => line.Contains(secret, StringComparison.Ordinal)).ShouldBeEmpty();

    private static ILocator ProfileRow(IPage page, string name) => page.Locator("tr.gp-profile-row").Filter(new() { HasText = name });

    /// <summary>Confirms a MudBlazor message box by its button.</summary>
    private static Task ConfirmAsync(IPage page, string button) =>
        page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = button, Exact = true }).ClickAsync();

    [Fact]
    public async Task ModelProfilesPage_CreateTestEditDelete_NeverShowsOrLogsTheKey()
    {
        await using var fake = await FakeOpenAiServer.StartAsync();
        fake.ScriptFallback(_ => new FakeReply("ok"));
        var page = await SignedInPageAsync();
        var name = $"Fake endpoint {Guid.NewGuid():N}"[..24];

        await page.ClickAsync("[data-testid=nav-model-profiles]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Model profiles");
        await Expect(page.Locator("#profile-key")).ToHaveAttributeAsync("type", "password");

        // A refused save shows the Api's message, keeps the other fields as typed and drops the key.
        await page.FillAsync("#profile-name", name);
        await page.FillAsync("#profile-url", "not a url");
        await page.FillAsync("#profile-model", "fake-model-1");
        await page.FillAsync("#profile-key", SecretKey);
        await page.ClickAsync("[data-testid=save-profile]");
        await Expect(page.GetByTestId("problem")).ToContainTextAsync("base URL");
        await Expect(page.Locator("#profile-name")).ToHaveValueAsync(name);
        await Expect(page.Locator("#profile-model")).ToHaveValueAsync("fake-model-1");
        await Expect(page.Locator("#profile-key")).ToHaveValueAsync("");
        (await page.ContentAsync()).ShouldNotContain(SecretKey);

        await page.FillAsync("#profile-url", fake.BaseUrl);
        await page.FillAsync("#profile-key", SecretKey);
        await page.FillAsync("#profile-price-output", "10");
        await page.ClickAsync("[data-testid=save-profile]");
        await Expect(page.GetByTestId("profile-saved")).ToContainTextAsync(name);
        var row = ProfileRow(page, name);
        await Expect(row.GetByTestId("profile-key")).ToHaveTextAsync("stored (encrypted)");
        await Expect(page.Locator("#profile-name")).ToHaveValueAsync("");
        (await page.ContentAsync()).ShouldNotContain(SecretKey);
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await BrowserPortal.ShotAsync(page, "runs-01-model-profiles");

        // Test: a real call to the fake endpoint with the stored key, its answer shown in the row.
        await row.GetByTestId("test-connection").ClickAsync();
        await Expect(row.GetByTestId("test-ok")).ToContainTextAsync("Connected");
        fake.Requests.Single().Authorization.ShouldBe($"Bearer {SecretKey}");

        // Edit: the key field starts empty; saving other fields keeps the stored key.
        await row.GetByTestId("profile-name").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/model-profiles/[0-9a-f-]{36}$"));
        await Expect(page.GetByTestId("profile-form-card")).ToContainTextAsync("Edit " + name);
        await Expect(page.Locator("#profile-key")).ToHaveValueAsync("");
        await Expect(page.Locator("#profile-model")).ToHaveValueAsync("fake-model-1");
        await page.FillAsync("#profile-model", "fake-model-2");
        await page.FillAsync("#profile-concurrency", "3");
        await page.ClickAsync("[data-testid=save-profile]");
        await Expect(page.GetByTestId("profile-saved")).ToHaveTextAsync("Saved.");
        await Expect(page.Locator("#profile-model")).ToHaveValueAsync("fake-model-2");
        await Expect(ProfileRow(page, name)).ToContainTextAsync("fake-model-2");
        await Expect(ProfileRow(page, name)).ToContainTextAsync("3 at once");
        await Expect(ProfileRow(page, name).GetByTestId("profile-key")).ToHaveTextAsync("stored (encrypted)");
        (await page.ContentAsync()).ShouldNotContain(SecretKey);

        await page.ClickAsync("[data-testid=delete-profile]");
        await ConfirmAsync(page, "Delete");
        await Expect(page).ToHaveURLAsync(new Regex("/admin/model-profiles$"));
        await Expect(ProfileRow(page, name)).ToHaveCountAsync(0);
        LogsShouldNotContain(SecretKey);
    }

    [Fact]
    public async Task ModelProfilesPage_AllowedProjectsAndSpendingCaps_AreSavedAndEditedThroughTheForm()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = await AdminApiAsync();
        var project = await admin.PostAsync("/api/projects", new { name = $"Allowed {Guid.NewGuid():N}"[..16] }, ct);
        var projectId = project.GetProperty("id").GetGuid();
        var page = await SignedInPageAsync();
        var name = $"Capped endpoint {Guid.NewGuid():N}"[..24];

        await page.GotoAsync("/admin/model-profiles");
        await page.FillAsync("#profile-name", name);
        await page.FillAsync("#profile-url", "http://127.0.0.1:9/v1");
        await page.FillAsync("#profile-model", "fake-model-1");
        await page.FillAsync("#profile-daily-cap", "25");
        await page.FillAsync("#profile-run-cap", "2.5");
        await page.CheckAsync($"[data-testid=profile-project-{projectId}] input");
        await page.ClickAsync("[data-testid=save-profile]");
        await Expect(page.GetByTestId("profile-saved")).ToBeVisibleAsync();

        var row = ProfileRow(page, name);
        await Expect(row.GetByTestId("profile-projects")).ToContainTextAsync(project.GetProperty("name").GetString()!);
        await Expect(row.GetByTestId("profile-caps")).ToHaveTextAsync("25/day · 2.5/run");
        var profileId = Guid.Parse((await row.GetByTestId("profile-name").GetAttributeAsync("data-profile-id"))!);
        var saved = await admin.SendAsync(HttpMethod.Get, $"/api/model-profiles/{profileId}", null, ct);
        saved.GetProperty("allowedProjectIds").EnumerateArray().Select(e => e.GetGuid()).ShouldBe([projectId]);
        saved.GetProperty("dailySpendingCap").GetDecimal().ShouldBe(25m);
        saved.GetProperty("runSpendingCap").GetDecimal().ShouldBe(2.5m);

        // Editing: the form shows what is stored; an emptied cap and an unticked project are removed.
        await row.GetByTestId("profile-name").ClickAsync();
        await Expect(page.Locator($"[data-testid=profile-project-{projectId}] input")).ToBeCheckedAsync();
        await Expect(page.Locator("#profile-run-cap")).ToHaveValueAsync("2.5");
        await page.FillAsync("#profile-run-cap", "");
        await page.UncheckAsync($"[data-testid=profile-project-{projectId}] input");
        await page.ClickAsync("[data-testid=save-profile]");
        await Expect(page.GetByTestId("profile-saved")).ToBeVisibleAsync();
        await Expect(ProfileRow(page, name).GetByTestId("profile-caps")).ToHaveTextAsync("25/day");
        await Expect(ProfileRow(page, name).GetByTestId("profile-projects")).ToHaveTextAsync("site admins only");
        var edited = await admin.SendAsync(HttpMethod.Get, $"/api/model-profiles/{profileId}", null, ct);
        edited.GetProperty("allowedProjectIds").GetArrayLength().ShouldBe(0);
        edited.GetProperty("runSpendingCap").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        edited.GetProperty("dailySpendingCap").GetDecimal().ShouldBe(25m);
        await Accessibility.AssertNoSeriousViolationsAsync(page);
    }

    [Fact]
    public async Task TokensPage_NewToken_IsShownOnceCopiedAndRevoked()
    {
        var ct = TestContext.Current.CancellationToken;
        var page = await SignedInPageAsync();
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = portal.Hosts.WebUrl.GetLeftPart(UriPartial.Authority) });
        var name = $"export script {Guid.NewGuid():N}"[..20];

        await page.GotoAsync("/tokens");
        await Expect(page.Locator("h1")).ToHaveTextAsync("API tokens");
        await page.FillAsync("#token-name", name);
        await page.ClickAsync("[data-testid=create-token-submit]");
        await Expect(page.GetByTestId("token-created")).ToContainTextAsync(name);
        var secret = await page.Locator("#token-secret").InputValueAsync();
        secret.ShouldStartWith("gpt_");
        secret.Length.ShouldBeGreaterThan(20);
        await Expect(page.GetByTestId("token-table")).ToContainTextAsync(name);
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await BrowserPortal.ShotAsync(page, "30-token-created");

        await page.ClickAsync("[data-testid=copy-token]");
        await Expect(page.GetByTestId("copy-token")).ToHaveTextAsync("Copied");
        (await page.EvaluateAsync<string>("() => navigator.clipboard.readText()")).ShouldBe(secret);

        using var script = new HttpClient { BaseAddress = portal.Hosts.ApiUrl };
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        (await script.GetAsync("/api/me", ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Only this once: a new load of the page shows the hint, never the secret.
        await page.ReloadAsync();
        await Expect(page.GetByTestId("token-table")).ToContainTextAsync(name);
        await Expect(page.Locator("#token-secret")).ToHaveCountAsync(0);
        (await page.ContentAsync()).ShouldNotContain(secret);

        var row = page.Locator("tr.gp-token-row").Filter(new() { HasText = name });
        await row.GetByTestId("revoke-token").ClickAsync();
        await ConfirmAsync(page, "Revoke");
        await Expect(page.GetByTestId("token-message")).ToContainTextAsync("revoked");
        await Expect(row).ToHaveCountAsync(0);
        (await script.GetAsync("/api/me", ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        LogsShouldNotContain(secret);
    }

    [Fact]
    public async Task TokensPage_ExpiryDateAndMissingName_AreSentAndShown()
    {
        var page = await SignedInPageAsync();
        var day = DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var name = $"monthly {Guid.NewGuid():N}"[..16];

        await page.GotoAsync("/tokens");
        await page.FillAsync("#token-expiry", day);
        await page.ClickAsync("[data-testid=create-token-submit]");
        await Expect(page.Locator(".mud-input-helper-text.mud-input-error")).ToContainTextAsync("name", new() { IgnoreCase = true });
        await Expect(page.GetByTestId("token-created")).ToHaveCountAsync(0);

        await page.FillAsync("#token-name", name);
        await page.ClickAsync("[data-testid=create-token-submit]");
        await Expect(page.GetByTestId("token-created")).ToContainTextAsync(name);
        var row = page.Locator("tr.gp-token-row").Filter(new() { HasText = name });
        await Expect(row.GetByTestId("token-expires")).ToHaveTextAsync($"{day} 00:00 UTC");
        // The form is empty again for the next token.
        await Expect(page.Locator("#token-name")).ToHaveValueAsync("");
    }

    [Fact]
    public async Task UsersPage_CreateDisableResetEnableMakeAdmin_ChangesWhatTheUserCanDo()
    {
        var ct = TestContext.Current.CancellationToken;
        var page = await SignedInPageAsync();
        var email = $"du-{Guid.NewGuid():N}@example.org";
        var name = $"Dana {Guid.NewGuid():N}"[..12];
        using var http = new HttpClient { BaseAddress = portal.Hosts.ApiUrl };
        Task<HttpResponseMessage> Login(string password) => http.PostAsJsonAsync("/api/auth/login", new { email, password }, ct);

        await page.ClickAsync("a[href='/admin/users']");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Users");
        // A site admin's own row offers no actions (the Api refuses them on oneself anyway).
        await Expect(page.Locator("tr.gp-user-row").Filter(new() { HasText = PortalHosts.AdminEmail }).GetByTestId("user-toggle-disabled")).ToHaveCountAsync(0);

        // Create: a refused password shows the Api's message on the field; then the user is created and listed.
        await page.FillAsync("#user-email", email);
        await page.FillAsync("#user-name", name);
        await page.FillAsync("#user-password", "x");
        await page.ClickAsync("[data-testid=create-user-submit]");
        await Expect(page.Locator(".mud-input-helper-text.mud-input-error, [data-testid=create-error]").First).ToBeVisibleAsync();
        await Expect(page.Locator("#user-email")).ToHaveValueAsync(email);
        await page.FillAsync("#user-password", "first-password-1");
        await page.ClickAsync("[data-testid=create-user-submit]");
        await Expect(page.GetByTestId("user-created")).ToContainTextAsync(name);
        // The Api pages and searches: other tests' users may fill the first page, so look the new one up by part of its email.
        var filter = page.Locator("input[data-testid=user-filter], [data-testid=user-filter] input");
        await filter.FillAsync(email[..12].ToUpperInvariant());
        var row = page.Locator("tr.gp-user-row").Filter(new() { HasText = email });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(page.Locator("tr.gp-user-row")).ToHaveCountAsync(1);
        (await Login("first-password-1")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await row.GetByTestId("user-toggle-disabled").ClickAsync();
        await Expect(page.GetByTestId("user-done")).ToContainTextAsync("disabled");
        await Expect(row.GetByTestId("user-disabled")).ToBeVisibleAsync();
        (await Login("first-password-1")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        // Reset: a too-short password is refused with the Api's message, a good one is accepted.
        await row.GetByTestId("user-reset").ClickAsync();
        await Expect(page.GetByTestId("reset-password")).ToContainTextAsync(name);
        await page.FillAsync("#reset-password-input", "x");
        await page.ClickAsync("[data-testid=reset-password-submit]");
        await Expect(page.GetByTestId("reset-password").Locator(".mud-input-helper-text.mud-input-error, .mud-alert")).ToBeVisibleAsync();
        await page.FillAsync("#reset-password-input", "reset-password-3");
        await page.ClickAsync("[data-testid=reset-password-submit]");
        await Expect(page.GetByTestId("user-done")).ToContainTextAsync("was reset");
        await Expect(page.GetByTestId("reset-password")).ToHaveCountAsync(0);

        await row.GetByTestId("user-toggle-disabled").ClickAsync();
        await Expect(page.GetByTestId("user-done")).ToContainTextAsync("can sign in again");
        await Expect(row.GetByTestId("user-disabled")).ToHaveCountAsync(0);
        (await Login("reset-password-3")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Login("first-password-1")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        await row.GetByTestId("user-toggle-admin").ClickAsync();
        await Expect(page.GetByTestId("user-done")).ToContainTextAsync("now a site administrator");
        await Expect(row.GetByTestId("user-admin")).ToBeVisibleAsync();
        using var promoted = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, email, "reset-password-3", ct);
        (await promoted.SendAsync(HttpMethod.Get, "/api/me", null, ct)).GetProperty("isAdmin").GetBoolean().ShouldBeTrue();

        await filter.FillAsync("no-such-user");
        await Expect(row).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        LogsShouldNotContain("reset-password-3");
        LogsShouldNotContain("first-password-1");
    }
}
