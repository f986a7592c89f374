using System.Text.RegularExpressions;
using GradingPortal.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The pages that stay statically rendered (sign-in, error, not found) in Chromium: styled by MudBlazor's CSS with the
/// app theme, with neither Bootstrap nor htmx loaded, axe-clean, the sign-in messages readable and <c>?returnUrl=</c> kept.
/// </summary>
public sealed class StaticPagesTests(BrowserPortal portal) : IClassFixture<BrowserPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    private const string LegacyAssets = "link[href*='bootstrap'], script[src*='bootstrap'], script[src*='htmx'], script[src*='blazor.web.js']";

    [Fact]
    public async Task SignIn_WrongPasswordThenRight_ShowsTheErrorAndFollowsReturnUrlWithoutBootstrap()
    {
        var page = await portal.NewPageAsync(bypassCsp: true);
        var requested = new List<string>();
        page.Request += (_, request) => requested.Add(request.Url);

        await page.GotoAsync("/signin?returnUrl=%2Ftokens");
        await Expect(page.Locator("h1")).ToHaveTextAsync("GradingPortal");
        await Expect(page.Locator(LegacyAssets)).ToHaveCountAsync(0);
        await Expect(page.Locator("link[href*='MudBlazor']")).ToHaveCountAsync(1);
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.FillAsync("#email", PortalHosts.AdminEmail);
        await page.FillAsync("#password", "not-the-password");
        await page.ClickAsync("button[type=submit]");
        var error = page.GetByTestId("signin-error");
        await Expect(error).ToHaveTextAsync(new Regex("That email and password do not match an account\\."));
        await Expect(page.Locator("#email")).ToHaveValueAsync(PortalHosts.AdminEmail);
        // The MudBlazor theme's colours reached the static page (the alert is not unstyled black on white).
        (await error.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor")).ShouldNotBe("rgba(0, 0, 0, 0)");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await BrowserPortal.ShotAsync(page, "60-signin-error");

        await page.FillAsync("#password", PortalHosts.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/tokens$"));
        requested.ShouldNotContain(u => u.Contains("bootstrap", StringComparison.OrdinalIgnoreCase) && u.Contains("/signin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SignIn_SessionExpired_SaysSoReadably()
    {
        var page = await portal.NewPageAsync(bypassCsp: true);

        await page.GotoAsync("/signin?expired=1&returnUrl=%2F");

        await Expect(page.GetByTestId("signin-expired")).ToHaveTextAsync(new Regex("Your session ended"));
        await Accessibility.AssertNoSeriousViolationsAsync(page);
    }

    [Fact]
    public async Task NotFoundAndError_StaticPages_StyledWithoutBootstrapAndAxeClean()
    {
        var page = await portal.NewPageAsync(bypassCsp: true);
        // Signed in: an unknown address asks an anonymous visitor to sign in first.
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", PortalHosts.AdminEmail);
        await page.FillAsync("#password", PortalHosts.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");

        var missing = await page.GotoAsync($"/no-such-page-{Guid.NewGuid():N}");
        missing!.Status.ShouldBe(404);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Page not found");
        await Expect(page.Locator(LegacyAssets)).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.GotoAsync("/error");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Something went wrong");
        await Expect(page.Locator(LegacyAssets)).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(page);
    }
}
