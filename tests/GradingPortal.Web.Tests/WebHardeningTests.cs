using System.Net;
using System.Text.RegularExpressions;
using GradingPortal.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Web.Tests;

/// <summary>
/// Web behind a TLS-terminating proxy (forwarded headers only from configured proxies, HSTS and Secure cookies under
/// HTTPS), its security headers, and edit forms whose row version is stale or missing.
/// </summary>
public sealed partial class WebHardeningTests(HardeningPortal portal) : IClassFixture<HardeningPortal>
{
    private const string ClientAddress = "203.0.113.9";
    private const string PublicHost = "grading.example.org";

    /// <summary>What the proxy adds to a request it received over HTTPS.</summary>
    private static void ViaHttpsProxy(HttpRequestMessage request)
    {
        request.Headers.Add("X-Forwarded-For", ClientAddress);
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", PublicHost);
    }

    [Fact]
    public async Task SignIn_ThroughAConfiguredProxyOverHttps_SendsHstsAndOnlySecureCookies()
    {
        var ct = TestContext.Current.CancellationToken;
        // Cookies are carried by hand: a cookie jar would not send Secure cookies back over the plain-http test socket.
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = portal.TrustingWeb };

        using var formRequest = new HttpRequestMessage(HttpMethod.Get, "/signin");
        ViaHttpsProxy(formRequest);
        using var form = await http.SendAsync(formRequest, ct);

        form.StatusCode.ShouldBe(HttpStatusCode.OK);
        form.Headers.GetValues(ConnectionEcho.RemoteIpHeader).Single().ShouldBe(ClientAddress);
        form.Headers.GetValues(ConnectionEcho.SchemeHeader).Single().ShouldBe("https");
        form.Headers.GetValues("Strict-Transport-Security").Single().ShouldStartWith("max-age=");
        var antiforgeryCookies = SetCookies(form);
        antiforgeryCookies.ShouldNotBeEmpty();
        antiforgeryCookies.ShouldAllBe(c => IsSecure(c));

        var html = await form.Content.ReadAsStringAsync(ct);
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(AntiforgeryField().Match(html).Groups[1].Value),
                ["_handler"] = HandlerField().Match(html).Groups[1].Value,
                ["Form.Email"] = PortalHosts.AdminEmail,
                ["Form.Password"] = PortalHosts.AdminPassword,
                ["Form.ReturnUrl"] = "/",
            }),
        };
        ViaHttpsProxy(signIn);
        signIn.Headers.Add("Cookie", string.Join("; ", antiforgeryCookies.Select(c => c.Split(';')[0])));
        using var signedIn = await http.SendAsync(signIn, ct);

        signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        signedIn.Headers.GetValues("Strict-Transport-Security").Single().ShouldStartWith("max-age=");
        var sessionCookies = SetCookies(signedIn).Where(c => c.StartsWith("gp.session", StringComparison.Ordinal)).ToList();
        sessionCookies.ShouldNotBeEmpty();
        sessionCookies.ShouldAllBe(c => IsSecure(c));
    }

    [Fact]
    public async Task ForwardedHeaders_NoProxyConfigured_AreIgnoredAndPlainHttpGetsNoHsts()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = portal.UnconfiguredWeb };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/signin");
        ViaHttpsProxy(request);

        using var response = await http.SendAsync(request, ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var seen = IPAddress.Parse(response.Headers.GetValues(ConnectionEcho.RemoteIpHeader).Single());
        IPAddress.IsLoopback(seen.IsIPv4MappedToIPv6 ? seen.MapToIPv4() : seen).ShouldBeTrue();
        response.Headers.GetValues(ConnectionEcho.SchemeHeader).Single().ShouldBe("http");
        response.Headers.GetValues(ConnectionEcho.HostHeader).Single().ShouldNotBe(PublicHost);
        response.Headers.Contains("Strict-Transport-Security").ShouldBeFalse();
        SetCookies(response).ShouldNotBeEmpty();
        SetCookies(response).ShouldAllBe(c => !IsSecure(c));
    }

    [Fact]
    public async Task AnyPage_CarriesThePolicyAndTheOtherSecurityHeaders()
    {
        using var web = new WebClient(portal.Hosts.WebUrl);

        using var response = await web.Http.GetAsync("/signin", TestContext.Current.CancellationToken);

        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        policy.ShouldContain("frame-ancestors 'none'");
        // Proofs show images as links; the policy backs that up by loading no image from elsewhere.
        policy.ShouldContain("img-src 'self' data:;");
        response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
        response.Headers.GetValues("X-Frame-Options").Single().ShouldBe("DENY");
        response.Headers.GetValues("Referrer-Policy").Single().ShouldNotBeNullOrWhiteSpace();
    }

    private static List<string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values] : [];

    private static bool IsSecure(string setCookie) =>
        setCookie.Split(';').Skip(1).Any(a => a.Trim().Equals("secure", StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("name=\"_handler\" value=\"([^\"]+)\"")]
    private static partial Regex HandlerField();




}

/// <summary>
/// Api and Web as usual, plus two more Web hosts on the same Api that report what they saw of each request
/// (<see cref="ConnectionEcho"/>): one trusts loopback (where the tests connect from) as its proxy, one trusts nothing.
/// </summary>
public sealed class HardeningPortal : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _extraHosts = [];

    public PortalHosts Hosts { get; private set; } = null!;
    public Uri TrustingWeb { get; private set; } = null!;
    public Uri UnconfiguredWeb { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Hosts = await PortalHosts.StartAsync("web-hardening");
        TrustingWeb = Start(("ForwardedHeaders:KnownProxies", "127.0.0.1, ::1"));
        UnconfiguredWeb = Start();
    }

    private Uri Start(params (string Key, string Value)[] settings)
    {
        var host = new EchoingWebHost(Hosts.ApiUrl, settings);
        _extraHosts.Add(host);
        host.StartServer();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _extraHosts)
        {
            await host.DisposeAsync();
        }
        if (Hosts is not null)
        {
            await Hosts.DisposeAsync();
        }
    }

    private sealed class EchoingWebHost : WebApplicationFactory<WebEntryPoint>
    {
        private readonly Uri _apiUrl;
        private readonly (string Key, string Value)[] _settings;

        public EchoingWebHost(Uri apiUrl, (string Key, string Value)[] settings)
        {
            _apiUrl = apiUrl;
            _settings = settings;
            UseKestrel(0);
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Api:BaseUrl", _apiUrl.ToString());
            foreach (var (key, value) in _settings)
            {
                builder.UseSetting(key, value);
            }
            builder.ConfigureTestServices(services => services.AddSingleton<IStartupFilter, ConnectionEcho>());
        }
    }
}
