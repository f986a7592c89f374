using System.Net.Http.Headers;
using System.Net.Http.Json;
using GradingPortal.Api;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Persistence;
using GradingPortal.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Api.Tests;

/// <summary>
/// The real Api over a fresh, migrated PostgreSQL database (one per test class). Requests go through the full
/// ASP.NET Core pipeline (routing, authentication, ProblemDetails).
/// </summary>
public sealed class ApiFactory : WebApplicationFactory<ApiEntryPoint>, IAsyncLifetime
{
    public const string AdminEmail = "admin@example.org";
    public const string AdminPassword = "admin-password-1";

    public const string UserPassword = "password-123";

    public const string SectionKeyName = "APITEST";
    public const string SectionKey = "sk-section-3c9e-never-show-me";
    public const string VariableKeyName = "GP_MODEL_KEY_APITEST_VARIABLE";
    public const string VariableKey = "sk-variable-5d1a-never-show-me";

    private readonly SemaphoreSlim _usersLock = new(1, 1);
    private string? _adminAccessToken;
    private readonly Dictionary<string, TestUser> _users = new(StringComparer.Ordinal);

    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await TestDatabase.CreateAsync("api");
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        await FirstAdmin.EnsureAsync(db, AdminEmail, AdminPassword, DateTimeOffset.UtcNow);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Db", ConnectionString);
        // Every test request comes from the same (absent) address; the throttle's own tests set their limits.
        builder.UseSetting("SignInThrottle:PermitsPerAddress", "100000");
        // Model keys the profile tests resolve: one in the ModelKeys section, one under its own GP_MODEL_KEY_ name.
        builder.UseSetting($"ModelKeys:{SectionKeyName}", SectionKey);
        builder.UseSetting(VariableKeyName, VariableKey);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _usersLock.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A client signed in as the first admin (signed in once per factory; each call gets its own client).</summary>
    public async Task<HttpClient> AdminAsync()
    {
        if (_adminAccessToken is null)
        {
            var client = await SignInAsync(AdminEmail, AdminPassword);
            _adminAccessToken = client.DefaultRequestHeaders.Authorization!.Parameter;
            return client;
        }
        return ClientWith(_adminAccessToken);
    }

    public async Task<HttpClient> SignInAsync(string email, string password)
    {
        var client = CreateClient();
        var response = await client.PostAsJsonAsync("/api/auth/login", new { email, password });
        response.EnsureSuccessStatusCode();
        var tokens = await response.Content.ReadFromJsonAsync<TokenPair>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens!.AccessToken);
        return client;
    }

    /// <summary>Creates a user (through the admin API) and returns a client signed in as them, with their id.</summary>
    public async Task<(HttpClient Client, Guid UserId)> NewUserAsync(string name)
    {
        var admin = await AdminAsync();
        var email = $"{name}-{Guid.NewGuid():N}@example.org";
        var created = await admin.PostAsJsonAsync("/api/users", new { email, password = "password-123", displayName = name });
        created.EnsureSuccessStatusCode();
        var user = await created.Content.ReadFromJsonAsync<IdOnly>();
        return (await SignInAsync(email, "password-123"), user!.Id);
    }

    /// <summary>
    /// A user shared by the tests of one class (created once per factory, then reused): tests create fresh projects and
    /// give these users roles in them, which keeps the suite from paying a password hash per test.
    /// </summary>
    public async Task<TestUser> UserAsync(string displayName, bool isAdmin = false)
    {
        await _usersLock.WaitAsync();
        try
        {
            if (!_users.TryGetValue(displayName, out var user))
            {
                var admin = await AdminAsync();
                var email = $"{displayName.Replace(' ', '.').ToLowerInvariant()}-{Guid.NewGuid():N}@example.org";
                var created = await admin.PostAsJsonAsync("/api/users", new { email, password = UserPassword, displayName, isAdmin });
                created.EnsureSuccessStatusCode();
                var id = (await created.Content.ReadFromJsonAsync<IdOnly>())!.Id;
                user = new TestUser(await SignInAsync(email, UserPassword), id, displayName, email);
                _users[displayName] = user;
            }
            return user;
        }
        finally
        {
            _usersLock.Release();
        }
    }

    /// <summary>A client that sends <paramref name="bearer"/> (a login token or a personal API token), or nothing.</summary>
    public HttpClient ClientWith(string? bearer)
    {
        var client = CreateClient();
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return client;
    }

    /// <summary>Direct access to Identity for setup that has no API (none today; kept for symmetry with Web tests).</summary>
    public UserManager<AppUser> Users(IServiceScope scope) => scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();

    public sealed record TokenPair(string AccessToken, string RefreshToken, long ExpiresIn);

    public sealed record IdOnly(Guid Id);
}

/// <summary>A signed-in user of the Api under test.</summary>
public sealed record TestUser(HttpClient Client, Guid Id, string Name, string Email);
