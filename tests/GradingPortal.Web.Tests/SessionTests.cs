using System.Net;
using GradingPortal.Domain.Identity;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Web.Tests;

/// <summary>Hosts whose Api issues access tokens that are always "about to expire", so every Web request renews them.</summary>
public sealed class ShortTokenPortal : IAsyncLifetime
{
    public PortalHosts Hosts { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Hosts = await PortalHosts.StartAsync("web-session", services =>
            services.Configure<BearerTokenOptions>(IdentityConstants.BearerScheme, o => o.BearerTokenExpiration = TimeSpan.FromSeconds(30)));

    public async ValueTask DisposeAsync() => await Hosts.DisposeAsync();
}

/// <summary>
/// Web's cookie session over HTTP (no browser): sign-in through the real form with antiforgery, redirects for
/// anonymous page requests, token renewal on the way into a request, and the end of a session Api refuses.
/// </summary>
public sealed class SessionTests(ShortTokenPortal portal) : IClassFixture<ShortTokenPortal>
{
    [Fact]
    public async Task Health_Anonymous_Returns200()
    {
        using var web = new WebClient(portal.Hosts.WebUrl);
        var response = await web.Http.GetAsync("/health", TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task UnknownAddress_SignedIn_Returns404Page()
    {
        var ct = TestContext.Current.CancellationToken;
        using var web = new WebClient(portal.Hosts.WebUrl);
        await web.SignInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);

        var response = await web.Http.GetAsync("/no/such/page", ct);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync(ct)).ShouldContain("There is nothing at this address.");
    }

    [Fact]
    public async Task Pages_Anonymous_RedirectToSignIn()
    {
        var ct = TestContext.Current.CancellationToken;
        using var web = new WebClient(portal.Hosts.WebUrl);

        var page = await web.Http.GetAsync("/projects/" + Guid.NewGuid(), ct);
        page.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        page.Headers.Location!.ToString().ShouldContain("/signin?ReturnUrl=");

    }

    [Fact]
    public async Task SignIn_WrongPassword_ShowsMessageAndKeepsEmail()
    {
        var ct = TestContext.Current.CancellationToken;
        using var web = new WebClient(portal.Hosts.WebUrl);

        var response = await web.SignInAsync(PortalHosts.AdminEmail, "not-the-password", ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync(ct);
        html.ShouldContain("That email and password do not match an account.");
        html.ShouldContain($"value=\"{PortalHosts.AdminEmail}\"");
    }

    [Fact]
    public async Task Session_ExpiringAccessToken_IsRenewedAndTheCookieReissued()
    {
        var ct = TestContext.Current.CancellationToken;
        using var web = new WebClient(portal.Hosts.WebUrl);
        var signedIn = await web.SignInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var firstCookie = SessionCookie(web.Cookies);

        // The access token expires within the renewal window, so this request refreshes it before the page calls Api.
        var projects = await web.Http.GetAsync("/account", ct);

        projects.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await projects.Content.ReadAsStringAsync(ct)).ShouldContain("Your account");
        projects.Headers.TryGetValues("Set-Cookie", out var setCookies).ShouldBeTrue();
        setCookies!.ShouldContain(c => c.StartsWith("gp.session=", StringComparison.Ordinal));
        SessionCookie(web.Cookies).ShouldNotBe(firstCookie);
    }

    [Fact]
    public async Task Session_RefreshRefusedByApi_SignsOutToSignIn()
    {
        var ct = TestContext.Current.CancellationToken;
        using var web = new WebClient(portal.Hosts.WebUrl);
        var email = $"leaver-{Guid.NewGuid():N}@example.org";
        using (var scope = portal.Hosts.Api.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var created = await users.CreateAsync(FirstAdmin.NewUser(email, "Leaver", isAdmin: false, DateTimeOffset.UtcNow), "leaver-password-1");
            created.Succeeded.ShouldBeTrue(string.Join("; ", created.Errors.Select(e => e.Description)));
        }
        (await web.SignInAsync(email, "leaver-password-1", ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        // A changed security stamp (password reset, account locked) makes Api refuse the refresh token.
        using (var scope = portal.Hosts.Api.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var user = await users.FindByEmailAsync(email);
            await users.UpdateSecurityStampAsync(user!);
        }
        var response = await web.Http.GetAsync("/", ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldContain("/signin");
    }

    private string? SessionCookie(CookieContainer cookies) =>
        cookies.GetCookies(portal.Hosts.WebUrl).FirstOrDefault(c => c.Name == "gp.session")?.Value;
}
