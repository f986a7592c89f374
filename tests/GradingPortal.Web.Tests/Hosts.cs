using GradingPortal.Api;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Persistence;
using GradingPortal.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GradingPortal.Web.Tests;

/// <summary>The real Api on a Kestrel port, over a fresh migrated database.</summary>
public sealed class ApiHost : WebApplicationFactory<ApiEntryPoint>
{
    private readonly string _connectionString;
    private readonly Action<IServiceCollection>? _configureServices;

    public ApiHost(string connectionString, Action<IServiceCollection>? configureServices = null)
    {
        _connectionString = connectionString;
        _configureServices = configureServices;
        UseKestrel(0);
    }

    /// <summary>What the Api logged (at the levels its settings allow).</summary>
    public LogSink Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.UseSetting("ConnectionStrings:Db", _connectionString);
        // The Web signs every test user in from one address, and a class's tests sign the same admin in many times
        // within the throttle's window (20 per account by default).
        builder.UseSetting("SignInThrottle:PermitsPerAddress", "100000");
        builder.UseSetting("SignInThrottle:PermitsPerAccount", "100000");
        if (_configureServices is not null)
        {
            builder.ConfigureTestServices(_configureServices);
        }
    }
}

/// <summary>Web on a Kestrel port, talking to <see cref="ApiHost"/> over HTTP like in production.</summary>
public sealed class WebHost : WebApplicationFactory<WebEntryPoint>
{
    private readonly Uri _apiUrl;
    private readonly IReadOnlyDictionary<string, string>? _settings;

    public WebHost(Uri apiUrl, IReadOnlyDictionary<string, string>? settings = null)
    {
        _apiUrl = apiUrl;
        _settings = settings;
        UseKestrel(0);
    }

    /// <summary>What the Web logged (at the levels its settings allow).</summary>
    public LogSink Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.UseSetting("Api:BaseUrl", _apiUrl.ToString());
        builder.UseSetting("SignInThrottle:PermitsPerAddress", "100000");
        foreach (var (key, value) in _settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
    }
}

/// <summary>Api and Web side by side on real ports, with the first admin created.</summary>
public sealed class PortalHosts : IAsyncDisposable
{
    public const string AdminEmail = "grader-admin@example.org";
    public const string AdminPassword = "correct-horse-battery-7";

    private PortalHosts(ApiHost api, WebHost web, Uri apiUrl, Uri webUrl)
    {
        Api = api;
        Web = web;
        ApiUrl = apiUrl;
        WebUrl = webUrl;
    }

    public ApiHost Api { get; }
    public WebHost Web { get; }
    public Uri ApiUrl { get; }
    public Uri WebUrl { get; }

    public static async Task<PortalHosts> StartAsync(string hint, Action<IServiceCollection>? configureApi = null,
        IReadOnlyDictionary<string, string>? webSettings = null)
    {
        var connectionString = await TestDatabase.CreateAsync(hint);
        var api = new ApiHost(connectionString, configureApi);
        api.StartServer();
        using (var scope = api.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            await FirstAdmin.EnsureAsync(db, AdminEmail, AdminPassword, DateTimeOffset.UtcNow);
        }
        var apiUrl = AddressOf(api.Services);
        var web = new WebHost(apiUrl, webSettings);
        web.StartServer();
        return new PortalHosts(api, web, apiUrl, AddressOf(web.Services));
    }

    private static Uri AddressOf(IServiceProvider services)
    {
        var addresses = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        // Kestrel reports 127.0.0.1 or [::1] (or localhost); any of them is reachable from this process.
        return new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        await Web.DisposeAsync();
        await Api.DisposeAsync();
    }
}
