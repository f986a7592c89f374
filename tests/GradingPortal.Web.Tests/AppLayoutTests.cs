using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The app's chrome in Chromium (plain markup and layout.js, not MudBlazor components): the active link follows
/// navigation inside the circuit, the drawer on wide and tablet screens, the user menu by keyboard, and axe in both
/// themes; sign-out, the theme toggle and folded navigation groups in AppLayoutTests.Chrome.cs.
/// </summary>
public sealed partial class AppLayoutTests(BrowserPortal portal) : IClassFixture<BrowserPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    [Fact]
    public async Task NavMenu_NavigatingInsideTheCircuit_MarksOnlyTheCurrentPagesLink()
    {
        var page = await SignedInAsync();
        var projects = page.GetByTestId("nav-projects");
        var tokens = page.GetByTestId("nav-tokens");
        await Expect(projects).ToHaveAttributeAsync("aria-current", "page");
        await Expect(tokens).Not.ToHaveAttributeAsync("aria-current", "page");
        // A mark on the window survives navigation inside the circuit only, not a full load.
        await page.EvaluateAsync("() => window.gpSameDocument = true");

        await tokens.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/tokens$"));
        await Expect(tokens).ToHaveAttributeAsync("aria-current", "page");
        await Expect(tokens).ToHaveClassAsync(new Regex("\\bactive\\b"));
        await Expect(projects).Not.ToHaveAttributeAsync("aria-current", "page");

        // "Projects" ("/") matches only itself, and so does a project's overview, not the project's other pages.
        await projects.ClickAsync();
        await Expect(projects).ToHaveAttributeAsync("aria-current", "page");
        await page.FillAsync("#project-name", $"Layout {Guid.NewGuid():N}");
        await page.ClickAsync("[data-testid=create-project] button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/projects/[0-9a-f-]{36}$"));
        await Expect(page.GetByTestId("nav-overview")).ToHaveAttributeAsync("aria-current", "page");
        await Expect(projects).Not.ToHaveAttributeAsync("aria-current", "page");
        await page.GetByTestId("nav-runs").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/runs$"));
        await Expect(page.GetByTestId("nav-runs")).ToHaveAttributeAsync("aria-current", "page");
        await Expect(page.GetByTestId("nav-overview")).Not.ToHaveAttributeAsync("aria-current", "page");
        await Expect(page.Locator("[aria-current=page]:is(#gp-drawer *)")).ToHaveCountAsync(1);

        (await page.EvaluateAsync<bool>("() => window.gpSameDocument === true")).ShouldBeTrue();
    }

    [Fact]
    public async Task Drawer_ToggledOnAWideScreen_HidesAndShowsWithAriaExpanded()
    {
        var page = await SignedInAsync();
        var toggle = page.GetByTestId("nav-toggle");
        var drawer = page.Locator("#gp-drawer");
        await Expect(toggle).ToHaveAttributeAsync("aria-controls", "gp-drawer");
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(drawer).ToBeVisibleAsync();
        var beside = await LeftOfMainAsync(page);
        beside.ShouldBeGreaterThan(200);

        await toggle.ClickAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(drawer).ToBeHiddenAsync();
        // The page takes the drawer's room once its transition ends.
        await Expect(page.Locator("main.gp-main")).ToHaveCSSAsync("margin-left", "0px");
        (await LeftOfMainAsync(page)).ShouldBeLessThan(50);

        await toggle.ClickAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(drawer).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Drawer_AtTabletWidth_OverlaysThePageAndClosesAfterALinkIsChosen()
    {
        var page = await SignedInAsync();
        await page.SetViewportSizeAsync(900, 1200);
        var toggle = page.GetByTestId("nav-toggle");
        var drawer = page.Locator("#gp-drawer");
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(drawer).ToBeHiddenAsync();
        var left = await LeftOfMainAsync(page);

        await toggle.ClickAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(drawer).ToBeVisibleAsync();
        // Over the page, not beside it: the page did not move.
        (await LeftOfMainAsync(page)).ShouldBe(left);

        await page.GetByTestId("nav-tokens").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/tokens$"));
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(drawer).ToBeHiddenAsync();
    }

    [Fact]
    public async Task UserMenu_OpenedWithTheKeyboard_MovesFocusAndEscapeClosesIt()
    {
        var page = await SignedInAsync();
        var button = page.GetByTestId("user-menu");
        var menu = page.Locator("#gp-user-menu");
        await Expect(button).ToHaveAttributeAsync("aria-haspopup", "menu");
        await Expect(button).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(menu).ToBeHiddenAsync();

        await button.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(button).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(menu).ToBeVisibleAsync();
        await Expect(page.GetByTestId("nav-account")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(menu.GetByRole(AriaRole.Menuitem, new() { Name = "API tokens" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(page.GetByTestId("sign-out")).ToBeFocusedAsync();

        await page.Keyboard.PressAsync("Escape");
        await Expect(menu).ToBeHiddenAsync();
        await Expect(button).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(button).ToBeFocusedAsync();

        // "Change password" is the static account page: loaded in full, not routed inside the circuit.
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(page.GetByTestId("nav-account")).ToBeFocusedAsync();
        await page.EvaluateAsync("() => window.gpSameDocument = true");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("/account$"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("Your account");
        (await page.EvaluateAsync<bool>("() => window.gpSameDocument === true")).ShouldBeFalse();
    }

    [Fact]
    public async Task Layout_DarkThemeWithTheMenuOpen_HasNoSeriousAccessibilityViolations()
    {
        var page = await SignedInAsync(bypassCsp: true);
        await page.ClickAsync("[data-testid=theme-toggle]");
        var toggle = page.GetByTestId("theme-toggle");
        await Expect(toggle).ToHaveAttributeAsync("aria-label", "Switch to the light theme");
        await Expect(toggle).ToHaveAttributeAsync("title", "Light theme");
        await Expect(page.Locator("html.gp-dark")).ToHaveCountAsync(1);
        await page.ClickAsync("[data-testid=user-menu]");
        await Expect(page.Locator("#gp-user-menu")).ToBeVisibleAsync();

        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await BrowserPortal.ShotAsync(page, "layout-dark");

        // A click elsewhere closes the menu.
        await page.Locator("h1").ClickAsync();
        await Expect(page.Locator("#gp-user-menu")).ToBeHiddenAsync();
    }

    private async Task<IPage> SignedInAsync(bool bypassCsp = false)
    {
        var page = await portal.NewPageAsync(bypassCsp);
        BrowserPortal.EchoConsole(page);
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", PortalHosts.AdminEmail);
        await page.FillAsync("#password", PortalHosts.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        // The chrome's module listens once the toggle's state is the browser's (set on load).
        await Expect(page.GetByTestId("user-menu")).ToBeVisibleAsync();
        return page;
    }

    private static Task<double> LeftOfMainAsync(IPage page) =>
        page.EvaluateAsync<double>("() => document.querySelector('main.gp-main h1').getBoundingClientRect().left");
}
