using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradingPortal.Api;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Persistence;
using GradingPortal.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Export.Tests;

/// <summary>Every test class shares one Api (and its database); test classes seed their own projects.</summary>
[CollectionDefinition(Name)]
public sealed class ExportCollection : ICollectionFixture<ExportFactory>
{
    public const string Name = "Export";
}

/// <summary>
/// The real Api over a fresh, migrated PostgreSQL database (one per test run). Export pages are tiny (3 solutions or
/// 120 bytes of text) and flushes frequent, so a handful of seeded solutions crosses page and problem boundaries the way 50,000 would.
/// </summary>
public sealed class ExportFactory : WebApplicationFactory<ApiEntryPoint>, IAsyncLifetime
{
    public const string AdminEmail = "admin@example.org";
    public const string AdminPassword = "admin-password-1";
    public const int PageSize = 3;

    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await TestDatabase.CreateAsync("export");
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        await FirstAdmin.EnsureAsync(db, AdminEmail, AdminPassword, DateTimeOffset.UtcNow);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Db", ConnectionString);
        // Every test signs in from the same address, and the same admin signs in for each test's data; the throttle's own
        // tests (in the Api tests) set their limits.
        builder.UseSetting("SignInThrottle:PermitsPerAddress", "100000");
        builder.UseSetting("SignInThrottle:PermitsPerAccount", "100000");
        builder.UseSetting("Export:PageSize", PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Export:FlushBytes", "1024");
        // A1's text alone passes the page budget; A2..A4 fit three to a page: both ways a page ends are exercised.
        builder.UseSetting("Export:PageBytes", "120");
        builder.UseSetting("Export:ReadBufferBytes", "8192");
    }

    public override async ValueTask DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private readonly SemaphoreSlim _workerLock = new(1, 1);
    private WorkerProcess? _worker;

    /// <summary>What the Worker printed (for failure messages).</summary>
    public string WorkerLog => _worker?.Log ?? "";

    /// <summary>
    /// Starts one Worker process on this database (jobs such as imports run there, as deployed), once; only tests that
    /// need jobs pay for it.
    /// </summary>
    public async Task EnsureWorkerAsync()
    {
        await _workerLock.WaitAsync();
        try
        {
            if (_worker is { HasExited: false })
            {
                return;
            }
            if (_worker is not null)
            {
                await _worker.DisposeAsync();
            }
            _worker = WorkerProcess.Start(ConnectionString, logLimit: 100_000);
        }
        finally
        {
            _workerLock.Release();
        }
    }

    /// <summary>A client signed in as the first admin.</summary>
    public Task<HttpClient> AdminAsync() => SignInAsync(AdminEmail, AdminPassword);

    public async Task<HttpClient> SignInAsync(string email, string password)
    {
        var client = CreateClient();
        var response = await client.PostAsJsonAsync("/api/auth/login", new { email, password });
        response.EnsureSuccessStatusCode();
        var tokens = await response.Content.ReadFromJsonAsync<JsonElement>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("accessToken").GetString());
        return client;
    }

    /// <summary>Creates a user through the admin API; returns a client signed in as them and their id.</summary>
    public async Task<(HttpClient Client, Guid UserId)> NewUserAsync(string displayName)
    {
        var admin = await AdminAsync();
        var email = $"{displayName.ToLowerInvariant().Replace(' ', '-')}-{Guid.NewGuid():N}@example.org";
        var user = await admin.PostJsonAsync("/api/users", new { email, password = "password-123", displayName });
        return (await SignInAsync(email, "password-123"), user.GetProperty("id").GetGuid());
    }
}

/// <summary>Small JSON helpers that fail with the server's ProblemDetails in the message.</summary>
public static class Http
{
    public static async Task<JsonElement> PostJsonAsync(this HttpClient client, string url, object body) =>
        await ReadAsync(await client.PostAsJsonAsync(url, body), url);

    public static async Task<JsonElement> PutJsonAsync(this HttpClient client, string url, object body) =>
        await ReadAsync(await client.PutAsJsonAsync(url, body), url);

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url) =>
        await ReadAsync(await client.GetAsync(url), url);

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, string url)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{url} answered {(int)response.StatusCode}: {body}");
        }
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>GETs an export and returns its lines (JSON objects for JSON Lines).</summary>
    public static async Task<List<JsonObject>> ExportLinesAsync(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/x-ndjson");
        if (body.Length > 0)
        {
            body.ShouldEndWith("\n", customMessage: "JSON Lines end every line with a line feed");
        }
        return body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
    }
}
