using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>The Api of <see cref="SolutionPrerenderTests"/>, counting the reads of each solution it answers.</summary>
public sealed partial class CountingBrowserPortal : BrowserPortal
{
    /// <summary><c>GET /api/solutions/{id}</c> requests the Api received, by solution id.</summary>
    public ConcurrentDictionary<Guid, int> SolutionReads { get; } = new();

    protected override Task<PortalHosts> StartHostsAsync() => PortalHosts.StartAsync("web-prerender",
        services => services.AddSingleton<IStartupFilter>(new CountSolutionReads(SolutionReads)));

    private sealed partial class CountSolutionReads(ConcurrentDictionary<Guid, int> reads) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, then) =>
            {
                if (HttpMethods.IsGet(context.Request.Method) && SolutionPath().Match(context.Request.Path.Value ?? "") is { Success: true } match)
                {
                    reads.AddOrUpdate(Guid.Parse(match.Groups[1].Value), 1, (_, n) => n + 1);
                }
                return then(context);
            });
            next(app);
        };

        [GeneratedRegex("^/api/solutions/([0-9a-fA-F-]{36})$")]
        private static partial Regex SolutionPath();
    }
}

/// <summary>
/// The prerendered solution page (ADR 018's amendment): a plain GET carries the proof and its annotations with every
/// control disabled, the circuit takes the solution over without reading it again, input typed as soon as the page
/// says it is interactive lands, and the GET answers a signed-out visitor or a solution out of reach as the interactive
/// page does.
/// </summary>
public sealed class SolutionPrerenderTests(CountingBrowserPortal portal) : IClassFixture<CountingBrowserPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    private const string Proof = "Suppose $n$ is even. Then $n^2$ is even. Marker-sentence-for-the-prerender: hence the claim.";

    private sealed record Setup(ApiClient Admin, Guid ProjectId, Guid SolutionId);

    private async Task<Setup> CreateSetupAsync(CancellationToken ct)
    {
        var admin = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var project = await admin.PostAsync("/api/projects", new { name = $"Prerender {Guid.NewGuid():N}"[..20] }, ct);
        var projectId = project.GetProperty("id").GetGuid();
        var problem = await admin.PostAsync($"/api/projects/{projectId}/problems", new
        {
            title = "Even squares",
            statement = "Show that the square of an even number is even.",
            rubric = new { items = new[] { new { title = "Setup", points = 3m }, new { title = "Conclusion", points = 4m } } },
        }, ct);
        var solution = await admin.PostAsync($"/api/problems/{problem.GetProperty("id").GetGuid()}/solutions", new { text = Proof, author = "model-x" }, ct);
        var solutionId = solution.GetProperty("id").GetGuid();
        foreach (var (quote, comment) in new[] { ("Suppose", "First-annotation-comment"), ("hence the claim", "Second-annotation-comment") })
        {
            var start = Proof.IndexOf(quote, StringComparison.Ordinal);
            await admin.PostAsync($"/api/solutions/{solutionId}/annotations", new
            {
                start, end = start + quote.Length, quote, errorType = "calculation-mistake", severity = "major", comment,
            }, ct);
        }
        return new Setup(admin, projectId, solutionId);
    }

    private async Task<WebClient> SignedInWebAsync(string email, string password, CancellationToken ct)
    {
        var web = new WebClient(portal.Hosts.WebUrl);
        (await web.SignInAsync(email, password, ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return web;
    }

    [Fact]
    public async Task SolutionPage_PlainGetWithSessionCookie_CarriesProofAndAnnotationsWithControlsDisabled()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(ct);
        using var admin = setup.Admin;
        using var web = await SignedInWebAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);

        var response = await web.Http.GetAsync($"/solutions/{setup.SolutionId}", ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync(ct);
        html.ShouldContain("Marker-sentence-for-the-prerender");
        html.ShouldContain("First-annotation-comment");
        html.ShouldContain("Second-annotation-comment");
        html.ShouldContain("data-testid=\"annotation-item\"");
        // Nothing takes input before the circuit has the page: one disabled fieldset holds every control.
        html.ShouldMatch("<fieldset[^>]*class=\"gp-page\"[^>]*disabled");
        // The final grade's fields are plain inputs in MudBlazor's markup (ADR 022), inside that fieldset like every other.
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
        document.QuerySelector("fieldset.gp-page[disabled] #adjudication-points").ShouldNotBeNull();
        document.QuerySelector("fieldset.gp-page[disabled] #adjudication-rationale").ShouldNotBeNull();
        document.QuerySelector("fieldset.gp-page[disabled] [data-testid=submit-adjudication]").ShouldNotBeNull();
        html.ShouldContain("data-interactive=\"false\"");
        // The circuit's copy of what was read travels with the page.
        html.ShouldContain("Blazor-Server-Component-State:");
        portal.SolutionReads.GetValueOrDefault(setup.SolutionId).ShouldBe(1);
    }

    [Fact]
    public async Task SolutionPage_PrerenderAndCircuitStart_ReadTheSolutionOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(ct);
        using var admin = setup.Admin;
        var page = await SignedInPageAsync();

        await SolutionPages.OpenAsync(page, setup.SolutionId);

        // The circuit loaded what only it loads (history) and showed the restored solution.
        await Expect(page.GetByTestId("history-list")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("annotation-item")).ToHaveCountAsync(2);
        portal.SolutionReads.GetValueOrDefault(setup.SolutionId).ShouldBe(1);
    }

    [Fact]
    public async Task SolutionPage_KeysAndTypingRightAfterInteractive_Land()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(ct);
        using var admin = setup.Admin;
        var page = await SignedInPageAsync();

        await SolutionPages.OpenAsync(page, setup.SolutionId);
        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("2");
        await page.Keyboard.PressAsync("3");
        await page.FillAsync("#grade-comment", "Typed the moment the page took input.");
        await page.Locator("#grade-comment").PressAsync("Control+Enter");

        await Expect(page.GetByTestId("grade-saved")).ToHaveTextAsync("Grade saved.");
        await Expect(page.GetByTestId("my-grade-points")).ToHaveTextAsync("5 / 7");
        var stored = await admin.SendAsync(HttpMethod.Get, $"/api/solutions/{setup.SolutionId}", null, ct);
        stored.GetRawText().ShouldContain("Typed the moment the page took input.");
    }

    [Fact]
    public async Task SolutionPage_SignedOutGet_RedirectsToSignIn()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = new WebClient(portal.Hosts.WebUrl);

        var response = await anonymous.Http.GetAsync($"/solutions/{Guid.NewGuid()}", ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldContain("/signin");
    }

    [Fact]
    public async Task SolutionPage_SolutionOutOfReach_ShowsThePagesMessageNotAnError()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(ct);
        using var admin = setup.Admin;
        var email = $"outsider-{Guid.NewGuid():N}@example.org";
        await admin.PostAsync("/api/users", new { email, password = "outsider-password-1", displayName = "Outsider" }, ct);
        using var web = await SignedInWebAsync(email, "outsider-password-1", ct);

        var response = await web.Http.GetAsync($"/solutions/{setup.SolutionId}", ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync(ct);
        html.ShouldContain("data-testid=\"load-error\"");
        html.ShouldNotContain("Marker-sentence-for-the-prerender");
        html.ShouldNotContain("page-error");
    }

    [Fact]
    public async Task SolutionPage_BeforeTheCircuitStarts_DrawerAndUserMenuWorkInTheBrowser()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(ct);
        using var admin = setup.Admin;
        var page = await SignedInPageAsync();
        // No Blazor script: the page stays its prerendered markup, with no circuit behind it.
        await page.RouteAsync("**/_framework/blazor.web.js*", route => route.AbortAsync());

        await page.GotoAsync($"/solutions/{setup.SolutionId}");
        await Expect(page.GetByTestId("solution-page")).ToHaveAttributeAsync("data-interactive", "false");

        var toggle = page.GetByTestId("nav-toggle");
        await toggle.ClickAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(page.Locator("#gp-drawer")).ToBeHiddenAsync();
        await page.ClickAsync("[data-testid=user-menu]");
        await Expect(page.GetByTestId("sign-out")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByTestId("sign-out")).ToBeHiddenAsync();
        await Expect(page.GetByTestId("solution-page")).ToHaveAttributeAsync("data-interactive", "false");
    }

    private async Task<IPage> SignedInPageAsync()
    {
        var page = await portal.NewPageAsync();
        BrowserPortal.EchoConsole(page);
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", PortalHosts.AdminEmail);
        await page.FillAsync("#password", PortalHosts.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        return page;
    }
}
