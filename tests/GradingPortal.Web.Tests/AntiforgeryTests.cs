using System.Net;
using System.Net.Http.Json;
using GradingPortal.Web.Auth;
using GradingPortal.Web.Hosting;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GradingPortal.Web.Tests;

/// <summary>Api and Web for the antiforgery and account tests.</summary>
public sealed class AccountPortal : IAsyncLifetime
{
    public PortalHosts Hosts { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Hosts = await PortalHosts.StartAsync("web-account");

    public async ValueTask DisposeAsync() => await Hosts.DisposeAsync();
}

/// <summary>
/// Every unsafe request to Web needs the page's antiforgery token; sign-out ends the Api session; the account page
/// changes the password. (The users page works over the circuit: <see cref="AccountPagesTests"/>.)
/// </summary>
public sealed class AntiforgeryTests(AccountPortal portal) : IClassFixture<AccountPortal>
{
    private static readonly string[] s_unsafeMethods = ["POST", "PUT", "PATCH", "DELETE"];

    /// <summary>The only endpoint allowed to check the token itself: the streamed import upload.</summary>
    private const string UploadRoute = "/projects/{projectId:guid}/imports/upload";

    private async Task<WebClient> SignedInAsync(string email, string password, CancellationToken ct)
    {
        var web = new WebClient(portal.Hosts.WebUrl);
        (await web.SignInAsync(email, password, ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return web;
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{what} answered {(int)response.StatusCode}: {body}");
        body.ShouldBe(AntiforgeryEnforcement.RefusedMessage, what);
    }

    /// <summary>Sends what a forged request would: the victim's cookies, no token; with an empty form, or no body at all.</summary>
    private static async Task<HttpResponseMessage> ForgedAsync(WebClient web, string method, string path, bool withForm, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = withForm ? new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "forged" }) : null,
        };
        return await web.Http.SendAsync(request, ct);
    }

    [Fact]
    public async Task EveryUnsafeEndpoint_WithoutToken_IsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        using var web = await SignedInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var endpoints = portal.Hosts.Web.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var checkedRoutes = new List<string>();

        foreach (var endpoint in endpoints)
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? s_unsafeMethods;
            var route = "/" + endpoint.RoutePattern.RawText?.TrimStart('/');
            if (endpoint.Metadata.GetMetadata<ValidatesAntiforgeryInHandlerAttribute>() is not null)
            {
                route.ShouldBe(UploadRoute, "only the streamed upload may check the token in its handler");
                continue;
            }
            if (AntiforgeryEnforcement.IsCircuitHub(endpoint))
            {
                route.ShouldStartWith("/_blazor", Case.Sensitive, "only the circuit's SignalR endpoints are hubs");
                continue;
            }
            foreach (var method in methods.Where(m => s_unsafeMethods.Contains(m, StringComparer.OrdinalIgnoreCase)))
            {
                var path = Concrete(endpoint.RoutePattern);
                await AssertRefusedAsync(await ForgedAsync(web, method, path, withForm: true, ct), $"{method} {route} with a form");
                await AssertRefusedAsync(await ForgedAsync(web, method, path, withForm: false, ct), $"{method} {route} without a body");
                checkedRoutes.Add(route);
            }
        }

        // The finding's routes are among those checked (so the enumeration is not silently empty), and pages are too.
        checkedRoutes.ShouldContain("/signout");
        checkedRoutes.ShouldContain("/signin");
        checkedRoutes.ShouldContain("/account");
        checkedRoutes.ShouldContain("/");
    }

    [Theory]
    [InlineData("/signout")]
    public async Task UnsafeRoute_WithoutToken_IsRefused(string route)
    {
        var ct = TestContext.Current.CancellationToken;
        using var web = await SignedInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var path = string.Format(System.Globalization.CultureInfo.InvariantCulture, route, Guid.NewGuid(), Guid.NewGuid());

        await AssertRefusedAsync(await ForgedAsync(web, "POST", path, withForm: false, ct), path);
        await AssertRefusedAsync(await ForgedAsync(web, "POST", path, withForm: true, ct), path);
    }

    [Fact]
    public async Task SignOut_WithoutToken_IsRefused_WithTokenTheApiRefusesTheSessionsRefreshToken()
    {
        var ct = TestContext.Current.CancellationToken;
        using var web = await SignedInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        // A static page's form carries the token (pages over the circuit sign out through it instead).
        var (_, pageToken) = await web.PageAsync("/account", ct);
        var refreshToken = SessionOf(web).RefreshToken;

        await AssertRefusedAsync(await ForgedAsync(web, "POST", "/signout", withForm: false, ct), "sign out");
        (await web.Http.GetAsync("/", ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var signOut = await web.Http.PostAsync("/signout",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = pageToken }), ct);

        signOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await web.Http.GetAsync("/", ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        // A copy of the cookie taken before signing out is worth nothing either: its refresh token is refused.
        using var http = new HttpClient { BaseAddress = portal.Hosts.ApiUrl };
        var refresh = await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken }, ct);
        refresh.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AccountPage_ChangePassword_KeepsThisBrowserSignedInAndTheNewPasswordWorks()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var email = $"cp-{Guid.NewGuid():N}@example.org";
        await admin.PostAsync("/api/users", new { email, password = "first-password-1", displayName = "Chris" }, ct);
        using var web = await SignedInAsync(email, "first-password-1", ct);
        var oldRefresh = SessionOf(web).RefreshToken;

        var wrong = await PostAccountFormAsync(web, "not-my-password-1", "second-password-2", ct);
        wrong.ShouldContain("The current password is wrong.");
        var changed = await PostAccountFormAsync(web, "first-password-1", "second-password-2", ct);

        changed.ShouldContain("data-testid=\"password-changed\"");
        (await web.Http.GetAsync("/", ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var http = new HttpClient { BaseAddress = portal.Hosts.ApiUrl };
        (await http.PostAsJsonAsync("/api/auth/login", new { email, password = "second-password-2" }, ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await http.PostAsJsonAsync("/api/auth/login", new { email, password = "first-password-1" }, ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = oldRefresh }, ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SignInForm_TooManyPostsFromOneAddress_Returns429()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hosts = await PortalHosts.StartAsync("web-throttle",
            webSettings: new Dictionary<string, string> { ["SignInThrottle:PermitsPerAddress"] = "2" });
        using var web = new WebClient(hosts.WebUrl);

        (await web.SignInAsync(PortalHosts.AdminEmail, "wrong-password-1", ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await web.SignInAsync(PortalHosts.AdminEmail, "wrong-password-2", ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var third = await web.SignInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);

        third.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
    }

    private static async Task<string> PostAccountFormAsync(WebClient web, string current, string next, CancellationToken ct)
    {
        var (html, _) = await web.PageAsync("/account", ct);
        var form = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value),
            ["_handler"] = "change-password",
            ["Form.CurrentPassword"] = current,
            ["Form.NewPassword"] = next,
        };
        var response = await web.Http.PostAsync("/account", new FormUrlEncodedContent(form), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return body;
    }

    /// <summary>The session inside the browser's cookie, read with Web's own keys (the test plays a thief who copied it).</summary>
    private Session SessionOf(WebClient web)
    {
        var cookies = web.Cookies.GetCookies(portal.Hosts.WebUrl);
        var value = cookies["gp.session"]!.Value;
        if (value.StartsWith("chunks-", StringComparison.Ordinal))
        {
            var count = int.Parse(value["chunks-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            value = string.Concat(Enumerable.Range(1, count).Select(i => cookies[$"gp.sessionC{i}"]!.Value));
        }
        var options = portal.Hosts.Web.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(Session.Scheme);
        return Session.From(options.TicketDataFormat.Unprotect(value)!.Principal)!;
    }

    /// <summary>A request path for a route pattern, with a fresh id for every parameter.</summary>
    private static string Concrete(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart => Guid.NewGuid().ToString(),
            RoutePatternSeparatorPart separator => separator.Content,
            _ => "",
        }))));
}
