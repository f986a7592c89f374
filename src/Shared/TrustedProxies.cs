using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GradingPortal.Hosting;

// Compiled into both the Api and the Web as a linked file: either may sit behind the same TLS-terminating proxy, and
// both must agree on when a request counts as HTTPS.

/// <summary>
/// The reverse proxies (usually the TLS terminator) whose <c>X-Forwarded-For</c>, <c>-Proto</c> and <c>-Host</c> headers
/// a host believes. Empty by default: then those headers are ignored, because any client could send them and claim
/// another address or HTTPS.
/// </summary>
public sealed class TrustedProxyOptions
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Addresses of trusted proxies, separated by commas (e.g. <c>10.0.0.5, fd00::5</c>).</summary>
    public string KnownProxies { get; set; } = "";

    /// <summary>Networks of trusted proxies in CIDR notation, separated by commas (e.g. <c>10.0.0.0/8</c>).</summary>
    public string KnownNetworks { get; set; } = "";

    /// <summary>How many proxies of a chain are believed, counted from the one that connected.</summary>
    public int ForwardLimit { get; set; } = 1;

    public bool Enabled => Split(KnownProxies).Length > 0 || Split(KnownNetworks).Length > 0;

    internal IEnumerable<IPAddress> Proxies => Split(KnownProxies).Select(IPAddress.Parse);

    internal IEnumerable<System.Net.IPNetwork> Networks => Split(KnownNetworks).Select(n => System.Net.IPNetwork.Parse(n));

    internal bool IsValid() =>
        ForwardLimit > 0
        && Split(KnownProxies).All(p => IPAddress.TryParse(p, out _))
        && Split(KnownNetworks).All(n => System.Net.IPNetwork.TryParse(n, out _));

    private static string[] Split(string? list) =>
        (list ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// What a host needs to be served over HTTPS by a proxy: forwarded headers from trusted proxies only, HSTS on HTTPS
/// responses, and Secure cookies whenever the request is HTTPS (directly or, through a trusted proxy, as the proxy says).
/// </summary>
public static class TrustedProxies
{
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services)
    {
        services.AddOptions<TrustedProxyOptions>().BindConfiguration(TrustedProxyOptions.SectionName)
            .Validate(o => o.IsValid(), $"{TrustedProxyOptions.SectionName}: KnownProxies must be IP addresses, KnownNetworks CIDR networks, ForwardLimit at least 1.")
            .ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((forwarded, trusted) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            forwarded.ForwardLimit = trusted.Value.ForwardLimit;
            // The framework trusts loopback by default; only what the operator named is trusted here.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in trusted.Value.Proxies)
            {
                forwarded.KnownProxies.Add(proxy);
            }
            foreach (var network in trusted.Value.Networks)
            {
                forwarded.KnownIPNetworks.Add(network);
            }
        });
        // HSTS's own rules keep it off plain http and off localhost, so local runs are unaffected.
        services.AddHsts(options => options.MaxAge = TimeSpan.FromDays(180));
        // Every cookie (session, antiforgery, anything added later) is Secure when the request is HTTPS.
        services.Configure<CookiePolicyOptions>(options => options.Secure = CookieSecurePolicy.SameAsRequest);
        return services;
    }

    /// <summary>Goes first in the pipeline: everything after it sees the client's address and scheme.</summary>
    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetRequiredService<IOptions<TrustedProxyOptions>>().Value.Enabled)
        {
            app.UseForwardedHeaders();
        }
        app.UseHsts();
        app.UseCookiePolicy();
        return app;
    }
}
