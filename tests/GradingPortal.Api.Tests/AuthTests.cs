using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GradingPortal.Api.Tests;

/// <summary>Sign-in, refresh, personal API tokens and user administration.</summary>
public sealed class AuthTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private Task<HttpResponseMessage> LoginAsync(string email, string password) =>
        api.CreateClient().PostAsJsonAsync("/api/auth/login", new { email, password });

    [Fact]
    public async Task Login_RightPassword_ReturnsBearerTokensThatWork()
    {
        var tokens = await LoginAsync(ApiFactory.AdminEmail, ApiFactory.AdminPassword).ExpectAsync(HttpStatusCode.OK);

        tokens.Str("tokenType").ShouldBe("Bearer");
        tokens.Str("accessToken").ShouldNotBeNullOrWhiteSpace();
        tokens.Str("refreshToken").ShouldNotBeNullOrWhiteSpace();
        tokens.GetProperty("expiresIn").GetInt32().ShouldBe(3600);
        var me = await api.ClientWith(tokens.Str("accessToken")).GetAsync("/api/me").ExpectAsync(HttpStatusCode.OK);
        me.Str("email").ShouldBe(ApiFactory.AdminEmail);
        me.Str("displayName").ShouldBe("Administrator");
        me.GetProperty("isAdmin").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Login_EmailInOtherCase_Succeeds()
    {
        await LoginAsync(ApiFactory.AdminEmail.ToUpperInvariant(), ApiFactory.AdminPassword).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Login_WrongPassword_Returns401Problem()
    {
        var problem = await LoginAsync(ApiFactory.AdminEmail, "not-the-password").ExpectProblemAsync(HttpStatusCode.Unauthorized, "Unauthorized");
        problem.Str("detail").ShouldBe("Wrong email or password.");
        problem.TryGetProperty("accessToken", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Login_UnknownEmail_Returns401WithTheSameDetail()
    {
        var problem = await LoginAsync("nobody@example.org", "whatever-123").ExpectProblemAsync(HttpStatusCode.Unauthorized, "Unauthorized");
        problem.Str("detail").ShouldBe("Wrong email or password.");
    }

    [Fact]
    public async Task Login_TenWrongPasswords_LocksTheAccountEvenForTheRightOne()
    {
        var user = await api.UserAsync("Larry Locked");
        var apiToken = (await user.Client.PostAsJsonAsync("/api/tokens", new { name = "nightly" }).ExpectAsync(HttpStatusCode.Created)).Str("token");
        for (var i = 0; i < 10; i++)
        {
            await LoginAsync(user.Email, $"wrong-password-{i}").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        }

        var problem = await LoginAsync(user.Email, ApiFactory.UserPassword).ExpectProblemAsync(HttpStatusCode.Unauthorized, "Unauthorized");

        // Locked like a wrong password, so the answer does not reveal that the account exists.
        problem.Str("detail").ShouldBe("Wrong email or password.");
        // Tokens issued before the lockout keep working, personal API tokens included: a stranger guessing passwords
        // must not be able to stop a person's scripts. Only sign-in is refused.
        await user.Client.GetAsync("/api/me").ExpectAsync(HttpStatusCode.OK);
        await api.ClientWith(apiToken).GetAsync("/api/me").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Login_MissingEmail_Returns400ForEmail()
    {
        var errors = await api.CreateClient().PostAsJsonAsync("/api/auth/login", new { password = "x" }).ExpectValidationAsync("email");
        errors.Messages("email").ShouldBe(["Email and password are required."]);
        await api.CreateClient().PostAsJsonAsync("/api/auth/login", new { email = ApiFactory.AdminEmail }).ExpectValidationAsync("password");
    }

    [Fact]
    public async Task Refresh_ValidRefreshToken_IssuesNewTokensThatWork()
    {
        var user = await api.UserAsync("Rita Refresh");
        var login = await LoginAsync(user.Email, ApiFactory.UserPassword).ExpectAsync(HttpStatusCode.OK);

        var refreshed = await api.CreateClient().PostAsJsonAsync("/api/auth/refresh", new { refreshToken = login.Str("refreshToken") })
            .ExpectAsync(HttpStatusCode.OK);

        refreshed.Str("tokenType").ShouldBe("Bearer");
        refreshed.Str("accessToken").ShouldNotBeNullOrWhiteSpace();
        refreshed.Str("refreshToken").ShouldNotBeNullOrWhiteSpace();
        var me = await api.ClientWith(refreshed.Str("accessToken")).GetAsync("/api/me").ExpectAsync(HttpStatusCode.OK);
        me.Id().ShouldBe(user.Id);
        me.Str("displayName").ShouldBe("Rita Refresh");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    public async Task Refresh_InvalidRefreshToken_Returns401Problem(string refreshToken)
    {
        var problem = await api.CreateClient().PostAsJsonAsync("/api/auth/refresh", new { refreshToken })
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, "Unauthorized");
        problem.Str("detail").ShouldBe("The refresh token is invalid or expired; sign in again.");
    }

    [Fact]
    public async Task Refresh_AccessTokenInsteadOfRefreshToken_Returns401()
    {
        var login = await LoginAsync(ApiFactory.AdminEmail, ApiFactory.AdminPassword).ExpectAsync(HttpStatusCode.OK);
        await api.CreateClient().PostAsJsonAsync("/api/auth/refresh", new { refreshToken = login.Str("accessToken") })
            .ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("garbage")]
    [InlineData("gpt_not-a-real-token")]
    public async Task Me_WithoutValidToken_Returns401(string? bearer)
    {
        await api.ClientWith(bearer).GetAsync("/api/me").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await api.ClientWith(bearer).GetAsync("/api/projects").ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ApiToken_CreateUseListRevoke_WorksUntilRevokedAndNeverShowsTheSecretAgain()
    {
        var user = await api.UserAsync("Sam Script");

        using var createResponse = await user.Client.PostAsJsonAsync("/api/tokens", new { name = "  nightly export  " });
        var created = await createResponse.ExpectAsync(HttpStatusCode.Created);
        var secret = created.Str("token")!;
        var tokenId = created.Id();
        createResponse.Headers.Location!.ToString().ShouldBe($"/api/tokens/{tokenId}");
        created.Str("name").ShouldBe("nightly export");
        secret.ShouldStartWith("gpt_");
        created.Str("hint").ShouldBe(secret[..10]);

        // The secret is a bearer token on its own.
        var script = api.ClientWith(secret);
        var me = await script.GetAsync("/api/me").ExpectAsync(HttpStatusCode.OK);
        me.Id().ShouldBe(user.Id);
        me.Str("email").ShouldBe(user.Email);
        await script.PostAsJsonAsync("/api/projects", new { name = "Made by a script" }).ExpectAsync(HttpStatusCode.Created);

        using var listResponse = await user.Client.GetAsync("/api/tokens");
        var raw = await listResponse.Content.ReadAsStringAsync();
        listResponse.StatusCode.ShouldBe(HttpStatusCode.OK);
        raw.ShouldNotContain(secret);
        raw.ShouldNotContain(secret["gpt_".Length..]);
        var listed = HttpAssertions.Parse(raw).Items().Single(t => t.Id() == tokenId);
        listed.Str("name").ShouldBe("nightly export");
        listed.Str("hint").ShouldBe(secret[..10]);
        listed.TryGetProperty("token", out _).ShouldBeFalse();
        listed.TryGetProperty("secretHash", out _).ShouldBeFalse();
        listed.GetProperty("lastUsedAt").ValueKind.ShouldBe(JsonValueKind.String);

        await user.Client.DeleteAsync($"/api/tokens/{tokenId}").ExpectAsync(HttpStatusCode.NoContent);

        await script.GetAsync("/api/me").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        (await user.Client.GetAsync("/api/tokens").ExpectAsync(HttpStatusCode.OK)).Items().ShouldNotContain(t => t.Id() == tokenId);
        await user.Client.DeleteAsync($"/api/tokens/{tokenId}").ExpectProblemAsync(HttpStatusCode.NotFound, "Not found");
    }

    [Fact]
    public async Task ApiToken_AnotherUsersToken_CannotBeListedOrRevoked()
    {
        var owner = await api.UserAsync("Olga Owner");
        var other = await api.UserAsync("Max Other");
        var created = await owner.Client.PostAsJsonAsync("/api/tokens", new { name = "mine" }).ExpectAsync(HttpStatusCode.Created);

        (await other.Client.GetAsync("/api/tokens").ExpectAsync(HttpStatusCode.OK)).Items().ShouldNotContain(t => t.Id() == created.Id());
        await other.Client.DeleteAsync($"/api/tokens/{created.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await api.ClientWith(created.Str("token")).GetAsync("/api/me").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ApiToken_WithoutName_Returns400ForName()
    {
        var user = await api.UserAsync("Sam Script");
        await user.Client.PostAsJsonAsync("/api/tokens", new { name = " " }).ExpectValidationAsync("name");
    }

    [Fact]
    public async Task ApiToken_WithoutSignIn_Returns401()
    {
        await api.CreateClient().PostAsJsonAsync("/api/tokens", new { name = "x" }).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await api.CreateClient().GetAsync("/api/tokens").ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task CreateUser_ByAdmin_Returns201AndTheUserCanSignIn()
    {
        var admin = await api.AdminAsync();
        var email = $"new-{Guid.NewGuid():N}@example.org";

        using var response = await admin.PostAsJsonAsync("/api/users", new { email, password = "long-enough-1", displayName = "  Nora New " });
        var user = await response.ExpectAsync(HttpStatusCode.Created);

        response.Headers.Location!.ToString().ShouldBe($"/api/users/{user.Id()}");
        user.Str("email").ShouldBe(email);
        user.Str("displayName").ShouldBe("Nora New");
        user.GetProperty("isAdmin").GetBoolean().ShouldBeFalse();
        user.TryGetProperty("password", out _).ShouldBeFalse();
        user.TryGetProperty("passwordHash", out _).ShouldBeFalse();
        var me = await (await api.SignInAsync(email, "long-enough-1")).GetAsync("/api/me").ExpectAsync(HttpStatusCode.OK);
        me.Id().ShouldBe(user.Id());
    }

    [Fact]
    public async Task CreateUser_ByNonAdmin_Returns403()
    {
        var user = await api.UserAsync("Greta Grader");
        var problem = await user.Client.PostAsJsonAsync("/api/users", new { email = $"x-{Guid.NewGuid():N}@example.org", password = "long-enough-1" })
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "Forbidden");
        problem.Str("detail").ShouldBe("Your role does not allow you to create users.");
    }

    [Fact]
    public async Task CreateUser_DuplicateEmail_Returns409()
    {
        var admin = await api.AdminAsync();
        var email = $"dup-{Guid.NewGuid():N}@example.org";
        await admin.PostAsJsonAsync("/api/users", new { email, password = "long-enough-1" }).ExpectAsync(HttpStatusCode.Created);

        var problem = await admin.PostAsJsonAsync("/api/users", new { email = email.ToUpperInvariant(), password = "long-enough-2" })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "Conflict");
        problem.Str("detail")!.ShouldContain("already exists");
    }

    [Theory]
    [InlineData("short1")]
    [InlineData("nodigitshere")]
    [InlineData("")]
    public async Task CreateUser_WeakPassword_Returns400ForPassword(string password)
    {
        var admin = await api.AdminAsync();
        var errors = await admin.PostAsJsonAsync("/api/users", new { email = $"weak-{Guid.NewGuid():N}@example.org", password })
            .ExpectValidationAsync("password");
        errors.Messages("password").ShouldNotBeEmpty();
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("")]
    public async Task CreateUser_InvalidEmail_Returns400ForEmail(string email)
    {
        var admin = await api.AdminAsync();
        await admin.PostAsJsonAsync("/api/users", new { email, password = "long-enough-1" }).ExpectValidationAsync("email");
    }

    [Fact]
    public async Task ListUsers_AdminSeesAllOthersOnlyByExactEmail()
    {
        var admin = await api.AdminAsync();
        var grader = await api.UserAsync("Greta Grader");
        // Other tests of this fixture add users too: search narrows the list to the two looked for.
        var admins = await admin.GetAsync($"/api/users?search={Uri.EscapeDataString(ApiFactory.AdminEmail)}").ExpectAsync(HttpStatusCode.OK);
        admins.Items("items").Select(u => u.Str("email")).ShouldContain(ApiFactory.AdminEmail);
        var graders = await admin.GetAsync($"/api/users?search={Uri.EscapeDataString(grader.Email)}").ExpectAsync(HttpStatusCode.OK);
        graders.Items("items").Select(u => u.Str("email")).ShouldBe([grader.Email]);

        await grader.Client.GetAsync("/api/users").ExpectProblemAsync(HttpStatusCode.Forbidden);
        var found = await grader.Client.GetAsync($"/api/users?email={Uri.EscapeDataString(ApiFactory.AdminEmail.ToUpperInvariant())}")
            .ExpectAsync(HttpStatusCode.OK);
        found.Items("items").ShouldHaveSingleItem().Str("displayName").ShouldBe("Administrator");
        // Searching is listing: only administrators may.
        await grader.Client.GetAsync("/api/users?search=a").ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    /// <summary>Three users whose names and emails carry one marker, created in the order Bert, Cleo, Anna.</summary>
    private async Task<string> ThreeMarkedUsersAsync()
    {
        var admin = await api.AdminAsync();
        var marker = $"Mk{Guid.NewGuid():N}"[..12];
        foreach (var name in new[] { "Bert", "Cleo", "Anna" })
        {
            await admin.PostAsJsonAsync("/api/users", new { email = $"{name.ToLowerInvariant()}.{marker.ToLowerInvariant()}@example.org", password = "long-enough-1",
                displayName = $"{name} {marker}" }).ExpectAsync(HttpStatusCode.Created);
        }
        return marker;
    }

    private static string[] Names(JsonElement page) => [.. page.Items("items").Select(u => u.Str("displayName")!.Split(' ')[0])];

    [Fact]
    public async Task ListUsers_SearchInAnyCase_KeepsUsersWhoseNameOrEmailContainsIt()
    {
        var admin = await api.AdminAsync();
        var marker = await ThreeMarkedUsersAsync();

        var byMarker = await admin.GetAsync($"/api/users?search={marker.ToUpperInvariant()}").ExpectAsync(HttpStatusCode.OK);
        var byName = await admin.GetAsync($"/api/users?search=cleo%20{marker.ToLowerInvariant()}").ExpectAsync(HttpStatusCode.OK);
        var byEmail = await admin.GetAsync($"/api/users?search=ANNA.{marker}@EXAMPLE").ExpectAsync(HttpStatusCode.OK);
        // A percent sign or an underscore is text to find, not a wildcard.
        var wildcard = await admin.GetAsync($"/api/users?search={Uri.EscapeDataString("%" + marker)}").ExpectAsync(HttpStatusCode.OK);

        byMarker.GetProperty("total").GetInt32().ShouldBe(3);
        Names(byMarker).ShouldBe(["Anna", "Bert", "Cleo"]);
        Names(byName).ShouldBe(["Cleo"]);
        Names(byEmail).ShouldBe(["Anna"]);
        wildcard.GetProperty("total").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task ListUsers_SortAndPage_ReturnTheRequestedSliceInThatOrder()
    {
        var admin = await api.AdminAsync();
        var marker = await ThreeMarkedUsersAsync();
        Task<JsonElement> Page(string query) => admin.GetAsync($"/api/users?search={marker}&{query}").ExpectAsync(HttpStatusCode.OK);

        var first = await Page("sort=-name&pageSize=2");
        var second = await Page("sort=-name&pageSize=2&page=2");

        (first.GetProperty("page").GetInt32(), first.GetProperty("pageSize").GetInt32(), first.GetProperty("total").GetInt32()).ShouldBe((1, 2, 3));
        Names(first).ShouldBe(["Cleo", "Bert"]);
        second.GetProperty("page").GetInt32().ShouldBe(2);
        Names(second).ShouldBe(["Anna"]);
        Names(await Page("sort=createdAt")).ShouldBe(["Bert", "Cleo", "Anna"]);
        Names(await Page("sort=-createdAt")).ShouldBe(["Anna", "Cleo", "Bert"]);
        Names(await Page("sort=email")).ShouldBe(["Anna", "Bert", "Cleo"]);
        Names(await Page("page=9")).ShouldBeEmpty();
    }

    [Fact]
    public async Task ListUsers_BadPageSizeSortOrSearch_AnswersFieldErrors()
    {
        var admin = await api.AdminAsync();

        await admin.GetAsync($"/api/users?page=0&pageSize=501&sort=age&search={new string('x', 201)}")
            .ExpectValidationAsync("page", "pageSize", "sort", "search");
        await admin.GetAsync("/api/users?sort=--name").ExpectValidationAsync("sort");
    }

    [Fact]
    public async Task ListUsers_StatusSortAndFilter_ActiveAdministratorsFirstAndOnlyTheChosenStates()
    {
        var admin = await api.AdminAsync();
        var marker = await ThreeMarkedUsersAsync();
        Task<JsonElement> Page(string query) => admin.GetAsync($"/api/users?search={marker}&{query}").ExpectAsync(HttpStatusCode.OK);
        var ids = (await Page("")).Items("items").ToDictionary(u => u.Str("displayName")!.Split(' ')[0], u => u.Id());
        await admin.PatchAsJsonAsync($"/api/users/{ids["Cleo"]}", new { isAdmin = true }).ExpectAsync(HttpStatusCode.OK);
        await admin.PatchAsJsonAsync($"/api/users/{ids["Anna"]}", new { disabled = true }).ExpectAsync(HttpStatusCode.OK);

        Names(await Page("sort=status")).ShouldBe(["Cleo", "Bert", "Anna"]);
        Names(await Page("sort=-status")).ShouldBe(["Anna", "Bert", "Cleo"]);
        Names(await Page("status=disabled")).ShouldBe(["Anna"]);
        Names(await Page("status=active")).ShouldBe(["Bert", "Cleo"]);
        Names(await Page("status=admin")).ShouldBe(["Cleo"]);
        var either = await Page("status=admin,disabled");
        Names(either).ShouldBe(["Anna", "Cleo"]);
        either.GetProperty("total").GetInt32().ShouldBe(2);
        await admin.GetAsync("/api/users?status=gone").ExpectValidationAsync("status");
    }
}
