using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>The Api's Swagger UI page in headless Chromium, under the Content Security Policy the Api sends with it.</summary>
public sealed class ApiDocsBrowserTests(BrowserPortal portal) : IClassFixture<BrowserPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    [Fact]
    public async Task SwaggerUi_UnderItsSecurityPolicy_RendersAndTriesARequest()
    {
        var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = portal.Hosts.ApiUrl.ToString() });
        await using var _ = context;
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var blocked = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)
                || message.Text.Contains("Refused to", StringComparison.OrdinalIgnoreCase))
            {
                blocked.Add(message.Text);
            }
        };
        var pageErrors = new List<string>();
        page.PageError += (_, error) => pageErrors.Add(error);

        var response = await page.GotoAsync("/api/docs/index.html");

        response!.Status.ShouldBe(200);
        ((await response.HeaderValueAsync("content-security-policy")) ?? "").ShouldContain("script-src 'self'");
        await Expect(page.Locator(".swagger-ui .info .title")).ToContainTextAsync("GradingPortal API");
        var listProjects = page.Locator(".opblock-get:has([data-path='/api/projects'])").First;
        await listProjects.Locator(".opblock-summary").ClickAsync();
        await listProjects.Locator("button.try-out__btn").ClickAsync();
        await listProjects.Locator("button.execute").ClickAsync();
        // No token: the Api answers 401, which proves the page could call its origin ("Try it out").
        await Expect(listProjects.Locator(".live-responses-table tbody .response-col_status").First).ToContainTextAsync("401");
        await BrowserPortal.ShotAsync(page, "api-docs");

        blocked.ShouldBeEmpty();
        pageErrors.ShouldBeEmpty();
    }
}
