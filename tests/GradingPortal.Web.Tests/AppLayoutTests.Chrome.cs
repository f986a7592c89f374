using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// What the chrome does without a circuit: on the prerendered solution page, with the circuit's negotiation held back,
/// Sign out ends the sign-in everywhere and the theme toggle switches at once and stays switched when the circuit starts;
/// and folded navigation groups stay folded across navigation and reloads.
/// </summary>
public sealed partial class AppLayoutTests
{
    private const string MemberPassword = "chrome-password-1";

    [Fact]
    public async Task ThemeToggle_ClickedBeforeTheCircuitStarts_SwitchesAtOnceAndTheCircuitKeepsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var (email, solutionId) = await MemberWithSolutionAsync(ct);
        var page = await portal.NewPageAsync(bypassCsp: true);
        BrowserPortal.EchoConsole(page);
        await SignInAsync(page, email);
        var release = await HoldCircuitAsync(page);
        await page.GotoAsync($"/solutions/{solutionId}");
        var solution = page.GetByTestId("solution-page");
        await Expect(solution).ToHaveAttributeAsync("data-interactive", "false");
        var html = page.Locator("html");
        var toggle = page.GetByTestId("theme-toggle");
        await Expect(toggle).ToHaveAttributeAsync("aria-label", "Switch to the dark theme");
        var light = await ThemeBackgroundAsync(page);

        await toggle.ClickAsync();

        await Expect(html).ToHaveClassAsync(new Regex(@"\bgp-dark\b"));
        await Expect(toggle).ToHaveAttributeAsync("aria-label", "Switch to the light theme");
        await Expect(toggle).ToHaveAttributeAsync("title", "Light theme");
        var dark = await ThemeBackgroundAsync(page);
        dark.ShouldNotBe(light);
        await Expect(solution).ToHaveAttributeAsync("data-interactive", "false");

        // The circuit starts and renders the chrome again: the choice stays.
        release.SetResult();
        await SolutionPages.WaitInteractiveAsync(page);
        await Expect(html).ToHaveClassAsync(new Regex(@"\bgp-dark\b"));
        await Expect(toggle).ToHaveAttributeAsync("aria-label", "Switch to the light theme");
        (await ThemeBackgroundAsync(page)).ShouldBe(dark);
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        // Remembered for this person: the next GET is dark before any script runs.
        var reloaded = await page.ReloadAsync();
        (await reloaded!.TextAsync()).ShouldContain("<html lang=\"en\" class=\"gp-dark\">");
        var stylesheet = await page.Locator("link[href^='/theme/dark.css?v=']").GetAttributeAsync("href");
        var css = await page.Context.APIRequest.GetAsync(stylesheet!);
        css.Headers["content-type"].ShouldStartWith("text/css");
        css.Headers["cache-control"].ShouldContain("immutable");
        (await css.TextAsync()).ShouldStartWith("html.gp-dark{");

        // Toggled back in the circuit, the choice is remembered the same way.
        await SolutionPages.WaitInteractiveAsync(page);
        await toggle.ClickAsync();
        await Expect(html).Not.ToHaveClassAsync(new Regex(@"\bgp-dark\b"));
        (await ThemeBackgroundAsync(page)).ShouldBe(light);
        reloaded = await page.ReloadAsync();
        (await reloaded!.TextAsync()).ShouldContain("<html lang=\"en\">");
    }

    [Fact]
    public async Task ThemeToggle_OnePersonChoosesDark_AnotherPersonInTheSameBrowserKeepsTheLightTheme()
    {
        var ct = TestContext.Current.CancellationToken;
        var (dark, _) = await MemberWithSolutionAsync(ct);
        var (other, _) = await MemberWithSolutionAsync(ct);
        var page = await portal.NewPageAsync();
        BrowserPortal.EchoConsole(page);
        await SignInAsync(page, dark);
        await page.GetByTestId("theme-toggle").ClickAsync();
        await Expect(page.Locator("html")).ToHaveClassAsync(new Regex(@"\bgp-dark\b"));

        await page.ClickAsync("[data-testid=user-menu]");
        await page.ClickAsync("[data-testid=sign-out]");
        await Expect(page).ToHaveURLAsync(new Regex("/signin$"));
        await SignInAsync(page, other);

        await Expect(page.Locator("html")).Not.ToHaveClassAsync(new Regex(@"\bgp-dark\b"));
        await Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "Switch to the dark theme");
    }

    [Fact]
    public async Task SignOut_ClickedBeforeTheCircuitStarts_EndsTheSignInInEveryTabAndLandsOnSignIn()
    {
        var ct = TestContext.Current.CancellationToken;
        var (email, solutionId) = await MemberWithSolutionAsync(ct);
        var context = await portal.NewContextAsync();
        var first = await context.NewPageAsync();
        BrowserPortal.EchoConsole(first);
        await SignInAsync(first, email);
        var second = await context.NewPageAsync();
        BrowserPortal.EchoConsole(second);
        await second.GotoAsync("/");
        await Expect(second.Locator("h1")).ToHaveTextAsync("Projects");
        await Expect(second.GetByTestId("project-list")).ToBeVisibleAsync();
        var release = await HoldCircuitAsync(first);
        await first.GotoAsync($"/solutions/{solutionId}");
        await Expect(first.GetByTestId("solution-page")).ToHaveAttributeAsync("data-interactive", "false");
        var signedIn = (await context.CookiesAsync()).Where(c => c.Name.StartsWith("gp.session", StringComparison.Ordinal)).ToList();
        signedIn.ShouldNotBeEmpty();

        await first.ClickAsync("[data-testid=user-menu]");
        await first.ClickAsync("[data-testid=sign-out]");

        await Expect(first).ToHaveURLAsync(new Regex("/signin$"));
        // The other tab's circuit leaves too, and the browser no longer holds the session cookie.
        await Expect(second).ToHaveURLAsync(new Regex("/signin"));
        (await context.CookiesAsync()).ShouldNotContain(c => c.Name.StartsWith("gp.session", StringComparison.Ordinal));
        // A copy of the old cookie is refused.
        var copy = await portal.NewContextAsync();
        await copy.AddCookiesAsync(signedIn.Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
        var replay = await copy.NewPageAsync();
        await replay.GotoAsync("/");
        await Expect(replay).ToHaveURLAsync(new Regex("/signin\\?ReturnUrl="));
        release.SetResult();
    }

    [Fact]
    public async Task NavGroups_FoldedThenNavigatedAndReloaded_StayFoldedUntilUnfolded()
    {
        var page = await SignedInAsync(bypassCsp: true);
        await page.FillAsync("#project-name", $"Folding {Guid.NewGuid():N}");
        await page.ClickAsync("[data-testid=create-project] button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/projects/[0-9a-f-]{36}$"));
        var projectGroup = page.Locator("details[data-gp-group=project]");
        var adminGroup = page.Locator("details[data-gp-group=admin]");
        await Expect(projectGroup).ToHaveJSPropertyAsync("open", true);
        await Expect(adminGroup).ToHaveJSPropertyAsync("open", true);

        await projectGroup.Locator("summary").ClickAsync();
        // The keyboard folds a group too: the summary is focusable and Enter toggles it.
        await adminGroup.Locator("summary").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(projectGroup).ToHaveJSPropertyAsync("open", false);
        await Expect(adminGroup).ToHaveJSPropertyAsync("open", false);
        await page.WaitForFunctionAsync("() => ['project', 'admin'].every(g => (localStorage.getItem('gp.nav.folded') ?? '').includes(g))");

        // Inside the circuit: to a page outside the project (its group leaves the drawer) and back (drawn anew).
        await page.GetByTestId("nav-tokens").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/tokens$"));
        await Expect(projectGroup).ToHaveCountAsync(0);
        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/projects/[0-9a-f-]{36}$"));
        await Expect(projectGroup).ToHaveJSPropertyAsync("open", false);
        await Expect(adminGroup).ToHaveJSPropertyAsync("open", false);

        await page.ReloadAsync();
        await Expect(page.GetByTestId("nav-projects")).ToBeVisibleAsync();
        await Expect(projectGroup).ToHaveJSPropertyAsync("open", false);
        await Expect(adminGroup).ToHaveJSPropertyAsync("open", false);
        await Expect(page.GetByTestId("nav-runs")).ToBeHiddenAsync();
        // axe on the drawer with a folded group, on a page of its own that axe passes (the tokens page).
        await page.GetByTestId("nav-tokens").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/tokens$"));
        await Expect(adminGroup).ToHaveJSPropertyAsync("open", false);
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await page.GoBackAsync();
        await Expect(projectGroup).ToHaveJSPropertyAsync("open", false);

        // Unfolded, a group stays open; the other stays folded.
        await projectGroup.Locator("summary").ClickAsync();
        await Expect(projectGroup).ToHaveJSPropertyAsync("open", true);
        await page.WaitForFunctionAsync("() => !(localStorage.getItem('gp.nav.folded') ?? '').includes('project')");
        await page.ReloadAsync();
        await Expect(page.GetByTestId("nav-runs")).ToBeVisibleAsync();
        await Expect(projectGroup).ToHaveJSPropertyAsync("open", true);
        await Expect(adminGroup).ToHaveJSPropertyAsync("open", false);
    }

    /// <summary>
    /// Holds the circuit's negotiation until the returned source is completed: the page shows what the GET brought and
    /// what layout.js does, with no circuit behind it.
    /// </summary>
    private static async Task<TaskCompletionSource> HoldCircuitAsync(IPage page)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(new Regex("/_blazor/negotiate"), async route =>
        {
            await release.Task;
            await route.ContinueAsync();
        });
        return release;
    }

    /// <summary>A new member with a project of their own holding one solution (a solution page they may open).</summary>
    private async Task<(string Email, Guid SolutionId)> MemberWithSolutionAsync(CancellationToken ct)
    {
        var email = $"chrome-{Guid.NewGuid():N}@example.org";
        using (var admin = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct))
        {
            await admin.PostAsync("/api/users", new { email, password = MemberPassword, displayName = "Chrome Member" }, ct);
        }
        using var member = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, email, MemberPassword, ct);
        var project = await member.PostAsync("/api/projects", new { name = $"Chrome {Guid.NewGuid():N}"[..20] }, ct);
        var problem = await member.PostAsync($"/api/projects/{project.GetProperty("id").GetGuid()}/problems", new
        {
            title = "Odd sums",
            statement = "Show that the sum of two odd numbers is even.",
            rubric = new { items = new[] { new { title = "Parity", points = 7m } } },
        }, ct);
        var solution = await member.PostAsync($"/api/problems/{problem.GetProperty("id").GetGuid()}/solutions",
            new { text = "Write the numbers as $2a+1$ and $2b+1$; their sum is $2(a+b+1)$.", author = "someone" }, ct);
        return (email, solution.GetProperty("id").GetGuid());
    }

    private static async Task SignInAsync(IPage page, string email)
    {
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", MemberPassword);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        await Expect(page.GetByTestId("user-menu")).ToBeVisibleAsync();
    }

    private static Task<string> ThemeBackgroundAsync(IPage page) =>
        page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).getPropertyValue('--mud-palette-background').trim()");
}
