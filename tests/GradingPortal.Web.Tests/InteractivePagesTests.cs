using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// Browser and hosts for the converted pages, with an Api whose access tokens last five seconds: a circuit outlives its
/// first token within one test, so renewal inside the circuit is exercised rather than assumed.
/// </summary>
public sealed class ShortTokenBrowserPortal : BrowserPortal
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(5);

    protected override Task<PortalHosts> StartHostsAsync() =>
        PortalHosts.StartAsync("web-circuit", services =>
            services.Configure<BearerTokenOptions>(IdentityConstants.BearerScheme, o => o.BearerTokenExpiration = TokenLifetime));
}

/// <summary>
/// The converted (interactive, MudBlazor) pages in Chromium against the real Api and Web: the projects grid and its
/// create form with the Api's field errors, and the signed-in person's token inside the circuit: renewed when it expires,
/// dropped in every tab on sign-out, and a refused renewal ending in the sign-in page with nothing half done.
/// </summary>
public sealed partial class InteractivePagesTests(ShortTokenBrowserPortal portal) : IClassFixture<ShortTokenBrowserPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    private const string MemberPassword = "circuit-password-1";

    [Fact]
    public async Task ProjectList_CreateWithoutName_ShowsTheFieldErrorThenCreatesAndListsTheProject()
    {
        var ct = TestContext.Current.CancellationToken;
        var email = await NewUserAsync(ct);
        var page = await portal.NewPageAsync(bypassCsp: true);
        await SignInAsync(page, email);
        await Expect(page.GetByTestId("no-projects")).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.ClickAsync("[data-testid=create-project] button[type=submit]");
        await Expect(page.Locator(".mud-input-helper-text.mud-input-error")).ToContainTextAsync("name", new() { IgnoreCase = true });
        await Expect(page).ToHaveURLAsync(new Regex("/$"));

        var name = $"Circuit project {Guid.NewGuid():N}";
        await page.FillAsync("#project-name", name);
        await page.FillAsync("#project-description", "Created through the generated client.");
        await page.ClickAsync("[data-testid=create-project] button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/projects/[0-9a-f-]{36}$"));
        await Expect(page.Locator("h1")).ToHaveTextAsync(name);

        await page.GotoAsync("/");
        await Expect(page.GetByTestId("project-list")).ToContainTextAsync(name);
        await page.FillAsync("input[data-testid=project-filter], [data-testid=project-filter] input", "no such project");
        await Expect(page.GetByTestId("project-list")).Not.ToContainTextAsync(name);
        await BrowserPortal.ShotAsync(page, "interactive-projects");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
    }

    [Fact]
    public async Task ProjectList_ThemeToggled_IsRememberedForThisPersonAfterReload()
    {
        var email = await NewUserAsync(TestContext.Current.CancellationToken);
        var page = await portal.NewPageAsync(bypassCsp: true);
        await SignInAsync(page, email);

        await Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "Switch to the dark theme");
        var light = await ThemeBackgroundAsync(page);
        await page.ClickAsync("[data-testid=theme-toggle]");
        await Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "Switch to the light theme");
        var background = await ThemeBackgroundAsync(page);
        background.ShouldNotBe(light);
        await page.ReloadAsync();
        await Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "Switch to the light theme");

        (await ThemeBackgroundAsync(page)).ShouldBe(background);
        await Accessibility.AssertNoSeriousViolationsAsync(page);
    }

    [Fact]
    public async Task CircuitToken_ExpiredWhileThePageIsOpen_IsRenewedAndTheActionSucceeds()
    {
        var ct = TestContext.Current.CancellationToken;
        var email = await NewUserAsync(ct);
        var page = await portal.NewPageAsync();
        await SignInAsync(page, email);
        await Expect(page.GetByTestId("no-projects")).ToBeVisibleAsync();

        // The token the circuit started with is now past its lifetime.
        await Task.Delay(ShortTokenBrowserPortal.TokenLifetime + TimeSpan.FromSeconds(1), ct);
        var name = $"After expiry {Guid.NewGuid():N}";
        await page.FillAsync("#project-name", name);
        await page.ClickAsync("[data-testid=create-project] button[type=submit]");

        await Expect(page.Locator("h1")).ToHaveTextAsync(name);
        using var api = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, email, MemberPassword, ct);
        (await ProjectNamesAsync(api, ct)).ShouldContain(name);
    }

    [Fact]
    public async Task SignOut_InOneTab_EveryOpenCircuitOfTheSessionLeavesForSignIn()
    {
        var ct = TestContext.Current.CancellationToken;
        var email = await NewUserAsync(ct);
        var context = await portal.NewContextAsync();
        var first = await context.NewPageAsync();
        await SignInAsync(first, email);
        var second = await context.NewPageAsync();
        await second.GotoAsync("/");
        await Expect(second.GetByTestId("no-projects")).ToBeVisibleAsync();

        await first.ClickAsync("[data-testid=user-menu]");
        await first.ClickAsync("[data-testid=sign-out]");

        await Expect(first).ToHaveURLAsync(new Regex("/signin$"));
        await Expect(second).ToHaveURLAsync(new Regex("/signin"));
        // The cookie both tabs share is refused from now on.
        await second.GotoAsync("/");
        await Expect(second).ToHaveURLAsync(new Regex("/signin\\?ReturnUrl="));
    }

    [Fact]
    public async Task CircuitSession_RefusedByTheApi_SendsToSignInAndDoesNotCreate()
    {
        var ct = TestContext.Current.CancellationToken;
        var email = await NewUserAsync(ct);
        var page = await portal.NewPageAsync();
        await SignInAsync(page, email);
        await Expect(page.GetByTestId("no-projects")).ToBeVisibleAsync();

        // A password change ends every session of the account at its next renewal.
        using (var own = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, email, MemberPassword, ct))
        {
            await own.PostAsync("/api/me/password", new { currentPassword = MemberPassword, newPassword = "circuit-password-2" }, ct);
        }
        await Task.Delay(ShortTokenBrowserPortal.TokenLifetime + TimeSpan.FromSeconds(1), ct);
        var name = $"Never created {Guid.NewGuid():N}";
        await page.FillAsync("#project-name", name);
        await page.ClickAsync("[data-testid=create-project] button[type=submit]");

        await Expect(page).ToHaveURLAsync(new Regex("/signin\\?expired=1&returnUrl=%2F$"));
        await Expect(page.GetByText("Your session ended.")).ToBeVisibleAsync();
        using var fresh = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, email, "circuit-password-2", ct);
        (await ProjectNamesAsync(fresh, ct)).ShouldNotContain(name);
    }

    private async Task<string> NewUserAsync(CancellationToken ct)
    {
        using var admin = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var email = $"circuit-{Guid.NewGuid():N}@example.org";
        await admin.PostAsync("/api/users", new { email, password = MemberPassword, displayName = "Circe Cuit" }, ct);
        return email;
    }

    private static async Task SignInAsync(IPage page, string email)
    {
        // What the browser saw, in the test output, for when a circuit does not come up.
        var write = BrowserPortal.TestOutput();
        BrowserPortal.EchoConsole(page);
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                write($"http {response.Status}: {response.Url}");
            }
        };
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", MemberPassword);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
    }

    private static async Task<List<string>> ProjectNamesAsync(ApiClient api, CancellationToken ct)
    {
        var projects = await api.SendAsync(HttpMethod.Get, "/api/projects", null, ct);
        return projects.EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToList();
    }

    private static Task<string> ThemeBackgroundAsync(IPage page) =>
        page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).getPropertyValue('--mud-palette-background').trim()");
}
