using System.Net;
using GradingPortal.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Api.Tests;

/// <summary>
/// The Api behind a TLS-terminating proxy, on real Kestrel sockets (the test client connects from loopback): forwarded
/// headers count only from the proxies configured under <c>ForwardedHeaders</c>, and HSTS is sent only on HTTPS.
/// </summary>
public sealed class TrustedProxyTests(TrustedProxyHosts hosts) : IClassFixture<TrustedProxyHosts>
{
    private static HttpRequestMessage ThroughProxy(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "grading.example.org");
        return request;
    }

    [Fact]
    public async Task ForwardedHeaders_FromAConfiguredProxy_AreHonouredAndHttpsGetsHsts()
    {
        using var response = await hosts.Trusting.SendAsync(ThroughProxy("/health"), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues(ConnectionEcho.RemoteIpHeader).Single().ShouldBe("203.0.113.7");
        response.Headers.GetValues(ConnectionEcho.SchemeHeader).Single().ShouldBe("https");
        response.Headers.GetValues(ConnectionEcho.HostHeader).Single().ShouldBe("grading.example.org");
        response.Headers.GetValues("Strict-Transport-Security").Single().ShouldStartWith("max-age=");
    }

    [Fact]
    public async Task ForwardedHeaders_NoProxyConfigured_AreIgnored()
    {
        using var response = await hosts.Unconfigured.SendAsync(ThroughProxy("/health"), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        IPAddress.Parse(response.Headers.GetValues(ConnectionEcho.RemoteIpHeader).Single()).IsLoopback().ShouldBeTrue();
        response.Headers.GetValues(ConnectionEcho.SchemeHeader).Single().ShouldBe("http");
        response.Headers.GetValues(ConnectionEcho.HostHeader).Single().ShouldNotBe("grading.example.org");
        response.Headers.Contains("Strict-Transport-Security").ShouldBeFalse();
    }

    [Fact]
    public async Task ForwardedHeaders_FromAnAddressThatIsNotTheConfiguredProxy_AreIgnored()
    {
        using var response = await hosts.TrustingAnother.SendAsync(ThroughProxy("/health"), TestContext.Current.CancellationToken);

        IPAddress.Parse(response.Headers.GetValues(ConnectionEcho.RemoteIpHeader).Single()).IsLoopback().ShouldBeTrue();
        response.Headers.GetValues(ConnectionEcho.SchemeHeader).Single().ShouldBe("http");
        response.Headers.Contains("Strict-Transport-Security").ShouldBeFalse();
    }
}

/// <summary>Three Api hosts on one database: trusting loopback as its proxy, trusting some other address, trusting none.</summary>
public sealed class TrustedProxyHosts : IAsyncLifetime
{
    private readonly List<KestrelApi> _hosts = [];

    public HttpClient Trusting { get; private set; } = null!;
    public HttpClient TrustingAnother { get; private set; } = null!;
    public HttpClient Unconfigured { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var connectionString = await TestDatabase.CreateAsync("proxy");
        Trusting = Start(connectionString, ("ForwardedHeaders:KnownProxies", "127.0.0.1, ::1"));
        TrustingAnother = Start(connectionString, ("ForwardedHeaders:KnownNetworks", "192.0.2.0/24"));
        Unconfigured = Start(connectionString);
    }

    private HttpClient Start(string connectionString, params (string Key, string Value)[] settings)
    {
        var host = new KestrelApi(connectionString, settings);
        _hosts.Add(host);
        host.StartServer();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HttpClient { BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)) };
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    private sealed class KestrelApi : WebApplicationFactory<ApiEntryPoint>
    {
        private readonly string _connectionString;
        private readonly (string Key, string Value)[] _settings;

        public KestrelApi(string connectionString, (string Key, string Value)[] settings)
        {
            _connectionString = connectionString;
            _settings = settings;
            UseKestrel(0);
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:Db", _connectionString);
            foreach (var (key, value) in _settings)
            {
                builder.UseSetting(key, value);
            }
            builder.ConfigureTestServices(services => services.AddSingleton<IStartupFilter, ConnectionEcho>());
        }
    }
}

internal static class AddressExtensions
{
    public static bool IsLoopback(this IPAddress address) => IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
