using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Api.Tests;

/// <summary>
/// Credentials beyond plain sign-in: throttling, answers that do not reveal accounts, sign-out, changing and resetting
/// passwords, disabled accounts, expiring API tokens, and the audit of account changes.
/// </summary>
public sealed class CredentialTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private Task<HttpResponseMessage> LoginAsync(string email, string password, HttpClient? client = null) =>
        (client ?? api.CreateClient()).PostAsJsonAsync("/api/auth/login", new { email, password });

    private Task<HttpResponseMessage> RefreshAsync(string? refreshToken) =>
        api.CreateClient().PostAsJsonAsync("/api/auth/refresh", new { refreshToken });

    /// <summary>A fresh user (not shared), so disabling or changing passwords does not disturb other tests.</summary>
    private async Task<(Guid Id, string Email, string Password)> FreshUserAsync(string name, bool isAdmin = false)
    {
        var admin = await api.AdminAsync();
        var email = $"{name.ToLowerInvariant()}-{Guid.NewGuid():N}@example.org";
        var created = await admin.PostAsJsonAsync("/api/users", new { email, password = "first-password-1", displayName = name, isAdmin })
            .ExpectAsync(HttpStatusCode.Created);
        return (created.Id(), email, "first-password-1");
    }

    private async Task<JsonElement> TokensOfAsync(string email, string password) =>
        await LoginAsync(email, password).ExpectAsync(HttpStatusCode.OK);

    private async Task<List<(string EntityType, string Action, string? ActorName, JsonDocument Data)>> AuditOfAsync(Guid userId)
    {
        using var scope = api.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        var events = await db.AuditEvents.AsNoTracking().Where(e => e.EntityId == userId).OrderBy(e => e.Id).ToListAsync();
        return [.. events.Select(e => (e.EntityType, e.Action, (string?)e.ActorName, e.Data))];
    }

    private WebApplicationFactory<ApiEntryPoint> WithSettings(params (string Key, string Value)[] settings) =>
        api.WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        });

    // --- sign-in -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Login_MoreAttemptsFromOneAddressThanAllowed_Returns429()
    {
        await using var throttled = WithSettings(("SignInThrottle:PermitsPerAddress", "3"));
        var client = throttled.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            await LoginAsync($"guess-{i}@example.org", "whatever-123", client).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        }

        var problem = await LoginAsync("another@example.org", "whatever-123", client).ExpectProblemAsync(HttpStatusCode.TooManyRequests);

        problem.Str("detail").ShouldBe("Too many sign-in attempts; wait a few minutes and try again.");
        // Even the right password waits: the limit is on attempts, not on failures.
        await LoginAsync(ApiFactory.AdminEmail, ApiFactory.AdminPassword, client).ExpectProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Login_MoreAttemptsOnOneAccountThanAllowed_Returns429ForThatAccountOnly()
    {
        var user = await FreshUserAsync("Thea");
        await using var throttled = WithSettings(("SignInThrottle:PermitsPerAccount", "3"));
        var client = throttled.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            await LoginAsync(user.Email, $"wrong-{i}-password", client).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        }

        // Another spelling of the same email is the same account.
        await LoginAsync("  " + user.Email.ToUpperInvariant(), user.Password, client).ExpectProblemAsync(HttpStatusCode.TooManyRequests);
        // Unknown emails are counted the same way, so a 429 says nothing about whether an account exists.
        for (var i = 0; i < 3; i++)
        {
            await LoginAsync("ghost@example.org", "whatever-123", client).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        }
        await LoginAsync("ghost@example.org", "whatever-123", client).ExpectProblemAsync(HttpStatusCode.TooManyRequests);
        await LoginAsync(ApiFactory.AdminEmail, ApiFactory.AdminPassword, client).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Login_UnknownEmail_AnswersLikeAWrongPasswordAndStillHashes()
    {
        var hasher = new CountingHasher();
        await using var counted = api.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<IPasswordHasher<AppUser>>(hasher)));
        var client = counted.CreateClient();
        var known = await FreshUserAsync("Kim");

        using var wrong = await LoginAsync(known.Email, "not-her-password-1", client);
        var afterWrong = hasher.Verifications;
        using var unknown = await LoginAsync($"nobody-{Guid.NewGuid():N}@example.org", "not-her-password-1", client);

        unknown.StatusCode.ShouldBe(wrong.StatusCode);
        unknown.Content.Headers.ContentType!.ToString().ShouldBe(wrong.Content.Headers.ContentType!.ToString());
        WithoutTraceId(await unknown.Content.ReadAsStringAsync()).ShouldBe(WithoutTraceId(await wrong.Content.ReadAsStringAsync()));
        // An unknown email costs a password hash like a known one, so response time does not tell them apart.
        afterWrong.ShouldBe(1);
        hasher.Verifications.ShouldBe(2);
    }

    [Fact]
    public async Task Login_LockedOutAccount_AnswersLikeAWrongPassword()
    {
        var user = await FreshUserAsync("Lou");
        for (var i = 0; i < 10; i++)
        {
            await LoginAsync(user.Email, $"wrong-password-{i}").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        }
        var locked = await LoginAsync(user.Email, user.Password).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        var unknown = await LoginAsync($"nobody-{Guid.NewGuid():N}@example.org", user.Password).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        locked.Str("detail").ShouldBe(unknown.Str("detail"));
    }

    // --- sign-out ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Logout_RefreshTokenOfThatSession_IsRefusedAfterwardsButOtherSessionsGoOn()
    {
        var user = await FreshUserAsync("Otto");
        var session = await TokensOfAsync(user.Email, user.Password);
        var other = await TokensOfAsync(user.Email, user.Password);
        // A refresh token obtained from the session before sign-out belongs to it too.
        var renewed = await RefreshAsync(session.Str("refreshToken")).ExpectAsync(HttpStatusCode.OK);

        await api.CreateClient().PostAsJsonAsync("/api/auth/logout", new { refreshToken = session.Str("refreshToken") }).ExpectAsync(HttpStatusCode.NoContent);

        await RefreshAsync(session.Str("refreshToken")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await RefreshAsync(renewed.Str("refreshToken")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await RefreshAsync(other.Str("refreshToken")).ExpectAsync(HttpStatusCode.OK);
        // Signing out twice, or with a token that means nothing, is not an error.
        await api.CreateClient().PostAsJsonAsync("/api/auth/logout", new { refreshToken = session.Str("refreshToken") }).ExpectAsync(HttpStatusCode.NoContent);
        await api.CreateClient().PostAsJsonAsync("/api/auth/logout", new { refreshToken = "garbage" }).ExpectAsync(HttpStatusCode.NoContent);
        await api.CreateClient().PostAsJsonAsync("/api/auth/logout", new { refreshToken = "" }).ExpectValidationAsync("refreshToken");
    }

    // --- passwords -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task ChangePassword_WithCurrentPassword_NewOneWorksAndOldSessionsMustSignInAgain()
    {
        var user = await FreshUserAsync("Cara");
        var tokens = await TokensOfAsync(user.Email, user.Password);
        var client = api.ClientWith(tokens.Str("accessToken"));

        await client.PostAsJsonAsync("/api/me/password", new { currentPassword = "not-it-123", newPassword = "second-password-2" })
            .ExpectValidationAsync("currentPassword");
        await client.PostAsJsonAsync("/api/me/password", new { currentPassword = user.Password, newPassword = "short" })
            .ExpectValidationAsync("newPassword");
        await client.PostAsJsonAsync("/api/me/password", new { currentPassword = "", newPassword = "" })
            .ExpectValidationAsync("currentPassword", "newPassword");
        await client.PostAsJsonAsync("/api/me/password", new { currentPassword = user.Password, newPassword = "second-password-2" })
            .ExpectAsync(HttpStatusCode.NoContent);

        await LoginAsync(user.Email, user.Password).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await LoginAsync(user.Email, "second-password-2").ExpectAsync(HttpStatusCode.OK);
        await RefreshAsync(tokens.Str("refreshToken")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        (await AuditOfAsync(user.Id)).Select(e => e.Action).ShouldContain("passwordChanged");
    }

    [Fact]
    public async Task ChangePassword_MoreAttemptsOnTheAccountThanAllowed_Returns429AndKeepsThePassword()
    {
        var user = await FreshUserAsync("Pia");
        await using var throttled = WithSettings(("SignInThrottle:PermitsPerAccount", "3"));
        var client = throttled.CreateClient();
        var session = await LoginAsync(user.Email, user.Password, client).ExpectAsync(HttpStatusCode.OK);
        client.DefaultRequestHeaders.Authorization = new("Bearer", session.Str("accessToken"));

        // The sign-in was the first attempt on the account; two guesses of the current password use up the rest.
        for (var i = 0; i < 2; i++)
        {
            await client.PostAsJsonAsync("/api/me/password", new { currentPassword = $"guess-{i}-password", newPassword = "second-password-2" })
                .ExpectValidationAsync("currentPassword");
        }
        await client.PostAsJsonAsync("/api/me/password", new { currentPassword = user.Password, newPassword = "second-password-2" })
            .ExpectProblemAsync(HttpStatusCode.TooManyRequests);

        await LoginAsync(user.Email, user.Password).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ChangePassword_WithAnApiToken_Returns403()
    {
        var user = await FreshUserAsync("Tara");
        var client = api.ClientWith((await TokensOfAsync(user.Email, user.Password)).Str("accessToken"));
        var secret = (await client.PostAsJsonAsync("/api/tokens", new { name = "script" }).ExpectAsync(HttpStatusCode.Created)).Str("token");

        await api.ClientWith(secret).PostAsJsonAsync("/api/me/password", new { currentPassword = user.Password, newPassword = "second-password-2" })
            .ExpectProblemAsync(HttpStatusCode.Forbidden);
        await LoginAsync(user.Email, user.Password).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ResetPassword_ByAdmin_SetsThePasswordAndEndsSessions_OthersGet403()
    {
        var user = await FreshUserAsync("Rosa");
        var tokens = await TokensOfAsync(user.Email, user.Password);
        var grader = await api.UserAsync("Greta Grader");
        var admin = await api.AdminAsync();

        await grader.Client.PostAsJsonAsync($"/api/users/{user.Id}/password", new { newPassword = "taken-over-1" }).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await admin.PostAsJsonAsync($"/api/users/{user.Id}/password", new { newPassword = "short" }).ExpectValidationAsync("newPassword");
        await admin.PostAsJsonAsync($"/api/users/{Guid.NewGuid()}/password", new { newPassword = "reset-password-3" }).ExpectProblemAsync(HttpStatusCode.NotFound);
        await admin.PostAsJsonAsync($"/api/users/{user.Id}/password", new { newPassword = "reset-password-3" }).ExpectAsync(HttpStatusCode.NoContent);

        await LoginAsync(user.Email, user.Password).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await LoginAsync(user.Email, "reset-password-3").ExpectAsync(HttpStatusCode.OK);
        await RefreshAsync(tokens.Str("refreshToken")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        var reset = (await AuditOfAsync(user.Id)).Last(e => e.Action == "passwordChanged");
        reset.ActorName.ShouldBe("Administrator");
    }

    // --- disabling -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task DisableUser_ByAdmin_StopsSignInRefreshAndApiTokensUntilEnabledAgain()
    {
        var user = await FreshUserAsync("Dora");
        var tokens = await TokensOfAsync(user.Email, user.Password);
        var secret = (await api.ClientWith(tokens.Str("accessToken")).PostAsJsonAsync("/api/tokens", new { name = "script" })
            .ExpectAsync(HttpStatusCode.Created)).Str("token");
        var admin = await api.AdminAsync();

        var disabled = await admin.PatchAsJsonAsync($"/api/users/{user.Id}", new { disabled = true }).ExpectAsync(HttpStatusCode.OK);

        disabled.GetProperty("disabledAt").ValueKind.ShouldBe(JsonValueKind.String);
        var refused = await LoginAsync(user.Email, user.Password).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        refused.Str("detail").ShouldBe("This account is disabled; ask an administrator.");
        await LoginAsync(user.Email, "wrong-password-9").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await RefreshAsync(tokens.Str("refreshToken")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await api.ClientWith(secret).GetAsync("/api/me").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        (await admin.GetAsync($"/api/users?search={Uri.EscapeDataString(user.Email)}").ExpectAsync(HttpStatusCode.OK)).Items("items").Single(u => u.Id() == user.Id)
            .GetProperty("disabledAt").ValueKind.ShouldBe(JsonValueKind.String);

        var enabled = await admin.PatchAsJsonAsync($"/api/users/{user.Id}", new { disabled = false }).ExpectAsync(HttpStatusCode.OK);

        enabled.GetProperty("disabledAt").ValueKind.ShouldBe(JsonValueKind.Null);
        await LoginAsync(user.Email, user.Password).ExpectAsync(HttpStatusCode.OK);
        await api.ClientWith(secret).GetAsync("/api/me").ExpectAsync(HttpStatusCode.OK);
        var audit = await AuditOfAsync(user.Id);
        audit.Select(e => e.Action).ShouldBe(["created", "disabled", "enabled"]);
        audit.ShouldAllBe(e => e.EntityType == "user");
    }

    [Fact]
    public async Task UpdateUser_OnYourselfOrAsNonAdmin_IsRefused()
    {
        var admin = await api.AdminAsync();
        var me = await admin.GetAsync("/api/me").ExpectAsync(HttpStatusCode.OK);
        await admin.PatchAsJsonAsync($"/api/users/{me.Id()}", new { disabled = true }).ExpectValidationAsync("disabled");
        await admin.PatchAsJsonAsync($"/api/users/{me.Id()}", new { isAdmin = false }).ExpectValidationAsync("isAdmin");
        var grader = await api.UserAsync("Greta Grader");
        await grader.Client.PatchAsJsonAsync($"/api/users/{grader.Id}", new { isAdmin = true }).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await admin.PatchAsJsonAsync($"/api/users/{Guid.NewGuid()}", new { disabled = true }).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    // --- audit ---------------------------------------------------------------------------------------------------

    [Fact]
    public async Task CreateUserAndGrantAdmin_AreAuditedWithTheActingAdminAndNoSecrets()
    {
        var plain = await FreshUserAsync("Paula");
        var boss = await FreshUserAsync("Bob", isAdmin: true);
        var admin = await api.AdminAsync();

        await admin.PatchAsJsonAsync($"/api/users/{plain.Id}", new { isAdmin = true }).ExpectAsync(HttpStatusCode.OK);
        await admin.PatchAsJsonAsync($"/api/users/{plain.Id}", new { isAdmin = false }).ExpectAsync(HttpStatusCode.OK);

        var plainAudit = await AuditOfAsync(plain.Id);
        plainAudit.Select(e => e.Action).ShouldBe(["created", "adminGranted", "adminRevoked"]);
        plainAudit.ShouldAllBe(e => e.ActorName == "Administrator" && e.EntityType == "user");
        var bossAudit = await AuditOfAsync(boss.Id);
        bossAudit.Select(e => e.Action).ShouldBe(["created", "adminGranted"]);
        var data = bossAudit[0].Data.RootElement;
        data.GetProperty("email").GetString().ShouldBe(boss.Email);
        data.GetProperty("isAdmin").GetBoolean().ShouldBeTrue();
        bossAudit[0].Data.RootElement.GetRawText().ShouldNotContain("AQAAAA"); // Identity's password hash prefix
        data.TryGetProperty("passwordHash", out _).ShouldBeFalse();
        data.TryGetProperty("securityStamp", out _).ShouldBeFalse();
    }

    // --- API tokens ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task ApiToken_WithExpiry_IsListedWithItAndRefusedOnceExpired()
    {
        var user = await FreshUserAsync("Ezra");
        var client = api.ClientWith((await TokensOfAsync(user.Email, user.Password)).Str("accessToken"));
        var expiresAt = DateTimeOffset.UtcNow.AddDays(7);
        await client.PostAsJsonAsync("/api/tokens", new { name = "past", expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }).ExpectValidationAsync("expiresAt");

        var created = await client.PostAsJsonAsync("/api/tokens", new { name = "weekly", expiresAt }).ExpectAsync(HttpStatusCode.Created);

        created.GetProperty("expiresAt").GetDateTimeOffset().ShouldBe(expiresAt, TimeSpan.FromMilliseconds(1));
        var secret = created.Str("token");
        await api.ClientWith(secret).GetAsync("/api/me").ExpectAsync(HttpStatusCode.OK);
        var listed = (await client.GetAsync("/api/tokens").ExpectAsync(HttpStatusCode.OK)).Items().Single(t => t.Id() == created.Id());
        listed.GetProperty("expiresAt").GetDateTimeOffset().ShouldBe(expiresAt, TimeSpan.FromMilliseconds(1));

        // Time passes for this token only.
        using (var scope = api.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            await db.ApiTokens.Where(t => t.Id == created.Id()).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, DateTimeOffset.UtcNow.AddSeconds(-1)));
        }

        await api.ClientWith(secret).GetAsync("/api/me").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        // Still listed (with its expiry), so its owner sees why a script stopped and can remove it.
        (await client.GetAsync("/api/tokens").ExpectAsync(HttpStatusCode.OK)).Items().ShouldContain(t => t.Id() == created.Id());
    }

    [Fact]
    public async Task ApiToken_CreatingATokenWithAnApiToken_Returns403()
    {
        var user = await FreshUserAsync("Mint");
        var client = api.ClientWith((await TokensOfAsync(user.Email, user.Password)).Str("accessToken"));
        var secret = (await client.PostAsJsonAsync("/api/tokens", new { name = "script" }).ExpectAsync(HttpStatusCode.Created)).Str("token");

        var problem = await api.ClientWith(secret).PostAsJsonAsync("/api/tokens", new { name = "offspring" }).ExpectProblemAsync(HttpStatusCode.Forbidden);

        problem.Str("detail")!.ShouldContain("sign in");
        (await client.GetAsync("/api/tokens").ExpectAsync(HttpStatusCode.OK)).Items().ShouldHaveSingleItem();
    }

    private static string WithoutTraceId(string json)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node.Remove("traceId");
        return node.ToJsonString(s_json);
    }

    /// <summary>Identity's hasher, counting verifications.</summary>
    private sealed class CountingHasher : IPasswordHasher<AppUser>
    {
        private readonly PasswordHasher<AppUser> _inner = new();
        private int _verifications;

        public int Verifications => _verifications;

        public string HashPassword(AppUser user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(AppUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
