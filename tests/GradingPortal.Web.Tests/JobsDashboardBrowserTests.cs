using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The admin menu's Jobs link in headless Chromium: the Web fetches a one-time ticket with the signed-in session and the
/// browser ends up on the Api's Hangfire dashboard with a cookie of its own; people who are not site admins get neither.
/// </summary>
public sealed class JobsDashboardBrowserTests(BrowserPortal portal) : IClassFixture<BrowserPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    private async Task<IPage> SignedInPageAsync(string email, string password)
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        return page;
    }

    [Fact]
    public async Task JobsLink_SiteAdminClicksIt_OpensTheDashboardInANewTab()
    {
        var page = await SignedInPageAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword);

        var dashboard = await page.Context.RunAndWaitForPageAsync(() => page.ClickAsync("[data-testid=nav-jobs]"));

        await Expect(dashboard).ToHaveURLAsync(new Uri(portal.Hosts.ApiUrl, "/admin/jobs/").ToString());
        await Expect(dashboard).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex("GradingPortal jobs"));
        await Expect(dashboard.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await BrowserPortal.ShotAsync(dashboard, "jobs-dashboard");
        var cookies = await dashboard.Context.CookiesAsync([portal.Hosts.ApiUrl.ToString() + "admin/jobs/"]);
        var cookie = cookies.Single(c => c.Name == "gp.jobs");
        cookie.HttpOnly.ShouldBeTrue();
        cookie.SameSite.ShouldBe(SameSiteAttribute.Strict);
        cookie.Path.ShouldBe("/admin/jobs");
    }

    [Fact]
    public async Task JobsLink_SignedInUserWhoIsNotASiteAdmin_IsNotShownAndTheTicketIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var admin = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var email = $"grader-{Guid.NewGuid():N}@example.org";
        await admin.PostAsync("/api/users", new { email, password = "password-123", displayName = "Plain Grader" }, ct);
        var page = await SignedInPageAsync(email, "password-123");

        await Expect(page.GetByTestId("nav-jobs")).ToHaveCountAsync(0);
        var response = await page.GotoAsync("/admin/jobs");

        response!.Status.ShouldBe(403);
        page.Url.ShouldStartWith(portal.Hosts.WebUrl.ToString());
    }
}
