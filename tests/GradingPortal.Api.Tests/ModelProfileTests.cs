using System.Net;
using System.Net.Http.Json;
using GradingPortal.Domain.Models;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using GradingPortal.Testing.FakeOpenAi;

namespace GradingPortal.Api.Tests;

/// <summary>Model profiles: global administrators only; keys are stored encrypted and never appear in a response.</summary>
public sealed class ModelProfileTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string Key = PipelineRows.SecretKey;

    [Fact]
    public async Task ModelProfileRoutes_NonAdministrator_Get403()
    {
        var admin = await api.AdminAsync();
        var profile = await PipelineRows.CreateProfileAsync(admin);
        var projectAdmin = (await api.UserAsync("Paula Admin")).Client;
        var id = profile.Id();

        await projectAdmin.GetAsync("/api/model-profiles").ExpectProblemAsync(HttpStatusCode.Forbidden);
        await projectAdmin.PostAsJsonAsync("/api/model-profiles", new { name = "x", baseUrl = "http://127.0.0.1:1/v1", model = "m" })
            .ExpectProblemAsync(HttpStatusCode.Forbidden);
        await projectAdmin.GetAsync($"/api/model-profiles/{id}").ExpectProblemAsync(HttpStatusCode.Forbidden);
        await projectAdmin.PatchAsJsonAsync($"/api/model-profiles/{id}", new { name = "y" }).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await projectAdmin.DeleteAsync($"/api/model-profiles/{id}").ExpectProblemAsync(HttpStatusCode.Forbidden);
        await projectAdmin.PostAsync($"/api/model-profiles/{id}/test", null).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await api.ClientWith(null).GetAsync("/api/model-profiles").ExpectAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task CreateProfile_WithApiKey_StoresItEncryptedAndNoResponseContainsIt()
    {
        var admin = await api.AdminAsync();
        using var created = await admin.PostAsJsonAsync("/api/model-profiles", new
        {
            name = "Encrypted key", baseUrl = "https://api.example.org/v1/", model = "grader-1", apiKey = Key,
            prices = new { input = 2m, cachedInput = 0.5m, output = 8m },
        });
        var body = await created.Content.ReadAsStringAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        var profile = HttpAssertions.Parse(body);
        created.Headers.Location!.ToString().ShouldBe($"/api/model-profiles/{profile.Id()}");
        profile.GetProperty("hasStoredKey").GetBoolean().ShouldBeTrue();
        profile.GetProperty("apiKeyVariable").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        profile.Str("baseUrl").ShouldBe("https://api.example.org/v1");
        profile.GetProperty("timeoutSeconds").GetInt32().ShouldBe(600);
        profile.Str("structuredOutput").ShouldBe("jsonSchema");
        profile.GetProperty("prices").GetProperty("output").GetDecimal().ShouldBe(8m);

        var bodies = new List<string>
        {
            body,
            await admin.GetStringAsync("/api/model-profiles"),
            await admin.GetStringAsync($"/api/model-profiles/{profile.Id()}"),
            await (await admin.PatchAsJsonAsync($"/api/model-profiles/{profile.Id()}", new { model = "grader-2", rowVersion = profile.RowVersion() }))
                .Content.ReadAsStringAsync(),
            await (await admin.PostAsync($"/api/model-profiles/{profile.Id()}/test", null)).Content.ReadAsStringAsync(),
            await admin.GetStringAsync("/api/grading-runs/options"),
        };
        bodies.ShouldAllBe(b => !b.Contains(Key, StringComparison.Ordinal) && !b.Contains("protectedApiKey", StringComparison.OrdinalIgnoreCase));

        using var scope = api.Services.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<Domain.Persistence.GradingDbContext>().ModelProfiles
            .AsNoTracking().FirstAsync(p => p.Id == profile.Id());
        stored.ProtectedApiKey.ShouldNotBeNull();
        stored.ProtectedApiKey.ShouldNotContain(Key);
        scope.ServiceProvider.GetRequiredService<IDataProtectionProvider>().CreateProtector(ModelProfile.KeyProtectionPurpose)
            .Unprotect(stored.ProtectedApiKey).ShouldBe(Key);
    }

    [Fact]
    public async Task CreateProfile_InvalidFields_Returns400NamingEachField()
    {
        var admin = await api.AdminAsync();
        await admin.PostAsJsonAsync("/api/model-profiles", new
        {
            name = "", baseUrl = "ftp://user:pw@example.org", model = "", temperature = 3.5, reasoningEffort = "extreme", timeoutSeconds = 0,
            maxConcurrency = 0, requestsPerMinute = 0, prices = new { input = -1m, cachedInput = 0m, output = 0m }, structuredOutput = "xml",
        }).ExpectValidationAsync("name", "baseUrl", "model", "temperature", "reasoningEffort", "timeoutSeconds", "maxConcurrency",
            "requestsPerMinute", "prices", "structuredOutput");

        await admin.PostAsJsonAsync("/api/model-profiles", new
        {
            name = "Both keys", baseUrl = "http://127.0.0.1:1/v1", model = "m", apiKey = Key, apiKeyVariable = "GP_MODEL_KEY_OPENAI",
        }).ExpectValidationAsync("apiKey");

        var errors = await admin.PostAsJsonAsync("/api/model-profiles", new
        {
            name = "Bad variable", baseUrl = "http://127.0.0.1:1/v1", model = "m", apiKeyVariable = "no spaces allowed",
        }).ExpectValidationAsync("apiKeyVariable");
        errors.Messages("apiKeyVariable").ShouldNotBeEmpty();
    }

    [Fact]
    public async Task CreateProfile_NameOfALiveProfile_Returns409WithNameError_AndDeletedNamesAreFree()
    {
        var admin = await api.AdminAsync();
        var name = $"Unique {Guid.NewGuid():N}"[..20];
        var first = await PipelineRows.CreateProfileAsync(admin, name);

        var problem = await admin.PostAsJsonAsync("/api/model-profiles", new { name, baseUrl = "http://127.0.0.1:1/v1", model = "m" })
            .ExpectProblemAsync(HttpStatusCode.Conflict);
        problem.GetProperty("errors").GetProperty("name").GetArrayLength().ShouldBe(1);
        var other = await PipelineRows.CreateProfileAsync(admin);
        var renamed = await admin.PatchAsJsonAsync($"/api/model-profiles/{other.Id()}", new { name, rowVersion = other.RowVersion() })
            .ExpectProblemAsync(HttpStatusCode.Conflict);
        renamed.GetProperty("errors").GetProperty("name").GetArrayLength().ShouldBe(1);

        await admin.DeleteAsync($"/api/model-profiles/{first.Id()}").ExpectAsync(HttpStatusCode.NoContent);
        await PipelineRows.CreateProfileAsync(admin, name);
    }

    [Fact]
    public async Task PatchProfile_GivenFieldsOnly_ChangesThoseAndClearRemovesValuesAndKey()
    {
        var admin = await api.AdminAsync();
        var profile = await PipelineRows.CreateProfileAsync(admin);
        var url = $"/api/model-profiles/{profile.Id()}";

        var patched = await admin.PatchAsJsonAsync(url, new
        {
            timeoutSeconds = 120, structuredOutput = "jsonMode", clear = new[] { "temperature" }, rowVersion = profile.RowVersion(),
        }).ExpectAsync(HttpStatusCode.OK);
        patched.GetProperty("timeoutSeconds").GetInt32().ShouldBe(120);
        patched.Str("structuredOutput").ShouldBe("jsonMode");
        patched.GetProperty("temperature").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        patched.Str("model").ShouldBe("fake-model-1");
        patched.GetProperty("maxOutputTokens").GetInt32().ShouldBe(4000);
        patched.GetProperty("hasStoredKey").GetBoolean().ShouldBeTrue();

        var variable = await admin.PatchAsJsonAsync(url, new { apiKeyVariable = "GP_MODEL_KEY_GRADER", rowVersion = patched.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);
        variable.GetProperty("hasStoredKey").GetBoolean().ShouldBeFalse();
        variable.Str("apiKeyVariable").ShouldBe("GP_MODEL_KEY_GRADER");

        var cleared = await admin.PatchAsJsonAsync(url, new { clear = new[] { "apiKey" }, rowVersion = variable.RowVersion() }).ExpectAsync(HttpStatusCode.OK);
        cleared.GetProperty("hasStoredKey").GetBoolean().ShouldBeFalse();
        cleared.GetProperty("apiKeyVariable").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);

        var current = cleared.RowVersion();
        await admin.PatchAsJsonAsync(url, new { temperature = 5.0, structuredOutput = "yaml", rowVersion = current })
            .ExpectValidationAsync("temperature", "structuredOutput");
        await admin.PatchAsJsonAsync(url, new { clear = new[] { "name" }, rowVersion = current }).ExpectValidationAsync("clear");
        await admin.PatchAsJsonAsync(url, new { apiKey = Key, clear = new[] { "apiKey" }, rowVersion = current }).ExpectValidationAsync("clear");
    }

    [Fact]
    public async Task DeleteProfile_Live_HidesItButRunsKeepTheirSnapshot()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, _) = await s.ProblemAndSolutionAsync();
        var profile = await PipelineRows.CreateProfileAsync(s.Admin);
        var run = await s.Admin.PostAsJsonAsync("/api/grading-runs", PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]))
            .ExpectAsync(HttpStatusCode.Accepted);

        await s.Admin.DeleteAsync($"/api/model-profiles/{profile.Id()}").ExpectAsync(HttpStatusCode.NoContent);

        await s.Admin.GetAsync($"/api/model-profiles/{profile.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Admin.DeleteAsync($"/api/model-profiles/{profile.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
        (await s.Admin.GetAsync("/api/model-profiles").ExpectAsync(HttpStatusCode.OK)).Items().ShouldNotContain(p => p.Id() == profile.Id());
        var kept = await s.Admin.GetAsync($"/api/grading-runs/{run.Id()}").ExpectAsync(HttpStatusCode.OK);
        kept.Str("profileName").ShouldBe(profile.Str("name"));
        kept.Str("model").ShouldBe("fake-model-1");
        await s.Admin.PostAsJsonAsync("/api/grading-runs", PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]))
            .ExpectValidationAsync("modelProfileId");
    }

    [Fact]
    public async Task TestConnection_UnreachableEndpoint_ReportsNotOkWithoutTheKey()
    {
        var admin = await api.AdminAsync();
        var profile = await PipelineRows.CreateProfileAsync(admin);

        var result = await admin.PostAsync($"/api/model-profiles/{profile.Id()}/test", null).ExpectAsync(HttpStatusCode.OK);

        result.GetProperty("ok").GetBoolean().ShouldBeFalse();
        result.Str("model").ShouldBe("fake-model-1");
        result.Str("error").ShouldNotBeNullOrWhiteSpace();
        result.Str("error")!.ShouldNotContain(Key);
        await admin.PostAsync($"/api/model-profiles/{Guid.NewGuid()}/test", null).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TestConnection_FakeEndpoint_OkWithLatencyAndTheStoredKeySentAsBearer()
    {
        await using var fake = await FakeOpenAiServer.StartAsync();
        fake.ScriptFallback(_ => new FakeReply("ok"));
        var admin = await api.AdminAsync();
        var profile = await PipelineRows.CreateProfileAsync(admin, baseUrl: fake.BaseUrl);

        using var response = await admin.PostAsync($"/api/model-profiles/{profile.Id()}/test", null);
        var text = await response.Content.ReadAsStringAsync();
        var result = await response.ExpectAsync(HttpStatusCode.OK);

        result.GetProperty("ok").GetBoolean().ShouldBeTrue(text);
        result.GetProperty("latencyMs").GetInt32().ShouldBeGreaterThanOrEqualTo(0);
        result.Str("model").ShouldNotBeNullOrWhiteSpace();
        result.GetProperty("error").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        text.ShouldNotContain(Key);
        var request = fake.Requests.Single();
        request.Authorization.ShouldBe($"Bearer {Key}");
        request.Model.ShouldBe("fake-model-1");
    }

    [Fact]
    public async Task TestConnection_EndpointFailsOrKeyVariableUnset_ReportsTheReasonWithoutTheKey()
    {
        await using var fake = await FakeOpenAiServer.StartAsync();
        fake.FailNext(FakeFault.ServerError(503));
        var admin = await api.AdminAsync();
        var profile = await PipelineRows.CreateProfileAsync(admin, baseUrl: fake.BaseUrl);

        var failed = await admin.PostAsync($"/api/model-profiles/{profile.Id()}/test", null).ExpectAsync(HttpStatusCode.OK);

        failed.GetProperty("ok").GetBoolean().ShouldBeFalse();
        failed.Str("error")!.ShouldContain("503");
        failed.Str("error")!.ShouldNotContain(Key);

        await admin.PatchAsJsonAsync($"/api/model-profiles/{profile.Id()}", new { apiKeyVariable = "GP_MODEL_KEY_TEST_UNSET", rowVersion = profile.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);
        var unset = await admin.PostAsync($"/api/model-profiles/{profile.Id()}/test", null).ExpectAsync(HttpStatusCode.OK);
        unset.GetProperty("ok").GetBoolean().ShouldBeFalse();
        unset.Str("error")!.ShouldContain("GP_MODEL_KEY_TEST_UNSET");
        fake.Requests.Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("ConnectionStrings:Db")]
    [InlineData("ConnectionStrings__Db")]
    [InlineData("GP_MODEL_KEY_X:Y")]
    [InlineData("GP_MODEL_KEY__DB")]
    [InlineData("OPENAI_API_KEY")]
    [InlineData("GP_MODEL_KEY_")]
    public async Task CreateOrPatchProfile_KeyVariableOutsideTheModelKeyNames_Returns400OnApiKeyVariable(string name)
    {
        var admin = await api.AdminAsync();
        var errors = await admin.PostAsJsonAsync("/api/model-profiles", new
        {
            name = $"Variable {Guid.NewGuid():N}"[..20], baseUrl = "http://127.0.0.1:1/v1", model = "m", apiKeyVariable = name,
        }).ExpectValidationAsync("apiKeyVariable");
        errors.Messages("apiKeyVariable").ShouldHaveSingleItem().ShouldContain("GP_MODEL_KEY_");

        var profile = await PipelineRows.CreateProfileAsync(admin);
        await admin.PatchAsJsonAsync($"/api/model-profiles/{profile.Id()}", new { apiKeyVariable = name, rowVersion = profile.RowVersion() })
            .ExpectValidationAsync("apiKeyVariable");
        var created = await admin.PostAsJsonAsync("/api/model-profiles", new
        {
            name = $"Variable {Guid.NewGuid():N}"[..20], baseUrl = "http://127.0.0.1:1/v1", model = "m", apiKeyVariable = "GP_MODEL_KEY_OPENAI",
        }).ExpectAsync(HttpStatusCode.Created);
        created.Str("apiKeyVariable").ShouldBe("GP_MODEL_KEY_OPENAI");
        created.GetProperty("keyProblem").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
    }

    [Theory]
    [InlineData("GP_MODEL_KEY_" + ApiFactory.SectionKeyName, ApiFactory.SectionKey)]
    [InlineData(ApiFactory.VariableKeyName, ApiFactory.VariableKey)]
    public async Task TestConnection_KeyVariableInModelKeysOrUnderItsOwnName_SendsThatKey(string variable, string key)
    {
        await using var fake = await FakeOpenAiServer.StartAsync();
        fake.ScriptFallback(_ => new FakeReply("ok"));
        var admin = await api.AdminAsync();
        var profile = await admin.PostAsJsonAsync("/api/model-profiles", new
        {
            name = $"Keyed {Guid.NewGuid():N}"[..20], baseUrl = fake.BaseUrl, model = "fake-model-1", apiKeyVariable = variable,
        }).ExpectAsync(HttpStatusCode.Created);

        var result = await admin.PostAsync($"/api/model-profiles/{profile.Id()}/test", null).ExpectAsync(HttpStatusCode.OK);

        result.GetProperty("ok").GetBoolean().ShouldBeTrue(result.GetRawText());
        fake.Requests.ShouldHaveSingleItem().Authorization.ShouldBe($"Bearer {key}");
    }

    [Theory]
    [InlineData("ConnectionStrings:Db")]
    [InlineData("ConnectionStrings__Db")]
    [InlineData("OPENAI_API_KEY")]
    public async Task TestConnection_StoredVariableNamingAnotherSetting_SendsNothingAndTheProfileShowsWhy(string oldName)
    {
        await using var fake = await FakeOpenAiServer.StartAsync();
        fake.ScriptFallback(_ => new FakeReply("ok"));
        var admin = await api.AdminAsync();
        var profile = await PipelineRows.CreateProfileAsync(admin, apiKey: null, baseUrl: fake.BaseUrl);
        // A profile saved before names were confined, as the database may still hold it.
        await api.WithDbAsync(db => db.Database.ExecuteSqlAsync(
            $"UPDATE model_profiles SET api_key_variable = {oldName} WHERE id = {profile.Id()}"));

        var result = await admin.PostAsync($"/api/model-profiles/{profile.Id()}/test", null).ExpectAsync(HttpStatusCode.OK);

        result.GetProperty("ok").GetBoolean().ShouldBeFalse();
        result.Str("error")!.ShouldContain("no longer read");
        fake.Requests.ShouldBeEmpty();
        var shown = await admin.GetAsync($"/api/model-profiles/{profile.Id()}").ExpectAsync(HttpStatusCode.OK);
        shown.Str("keyProblem")!.ShouldContain(oldName);
        shown.Str("keyProblem")!.ShouldContain("GP_MODEL_KEY_");
        var listed = (await admin.GetAsync("/api/model-profiles").ExpectAsync(HttpStatusCode.OK)).Items().Single(p => p.Id() == profile.Id());
        listed.Str("keyProblem").ShouldNotBeNull();
    }

    [Fact]
    public async Task PatchProfile_WithoutOrWithAStaleRowVersion_Returns400Or409AndChangesNothing()
    {
        var admin = await api.AdminAsync();
        var profile = await PipelineRows.CreateProfileAsync(admin);
        var url = $"/api/model-profiles/{profile.Id()}";

        var missing = await admin.PatchAsJsonAsync(url, new { model = "unversioned" }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        missing.GetProperty("errors").GetProperty("rowVersion").GetArrayLength().ShouldBe(1);
        var first = await admin.PatchAsJsonAsync(url, new { model = "first", rowVersion = profile.RowVersion() }).ExpectAsync(HttpStatusCode.OK);
        first.RowVersion().ShouldNotBe(profile.RowVersion());
        var stale = await admin.PatchAsJsonAsync(url, new { model = "second", rowVersion = profile.RowVersion() })
            .ExpectProblemAsync(HttpStatusCode.Conflict);
        stale.GetProperty("errors").GetProperty("rowVersion").GetArrayLength().ShouldBe(1);

        (await admin.GetAsync(url).ExpectAsync(HttpStatusCode.OK)).Str("model").ShouldBe("first");
    }

    [Fact]
    public async Task CreateAndPatchProfile_AllowListAndCaps_AreStoredReturnedAndValidated()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var admin = s.Admin;
        var created = await admin.PostAsJsonAsync("/api/model-profiles", new
        {
            name = $"Capped {Guid.NewGuid():N}"[..20], baseUrl = "http://127.0.0.1:1/v1", model = "m", dailySpendingCap = 25m, runSpendingCap = 5m,
        }).ExpectAsync(HttpStatusCode.Created);
        created.Items("allowedProjectIds").ShouldBeEmpty();
        created.GetProperty("dailySpendingCap").GetDecimal().ShouldBe(25m);
        created.GetProperty("runSpendingCap").GetDecimal().ShouldBe(5m);
        var url = $"/api/model-profiles/{created.Id()}";

        var allowed = await admin.PatchAsJsonAsync(url, new { allowedProjectIds = new[] { s.ProjectId }, rowVersion = created.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);
        allowed.Items("allowedProjectIds").Select(i => i.GetGuid()).ShouldBe([s.ProjectId]);
        allowed.GetProperty("runSpendingCap").GetDecimal().ShouldBe(5m);
        var uncapped = await admin.PatchAsJsonAsync(url, new { clear = new[] { "dailySpendingCap" }, rowVersion = allowed.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);
        uncapped.GetProperty("dailySpendingCap").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        uncapped.Items("allowedProjectIds").Count.ShouldBe(1);

        await admin.PatchAsJsonAsync(url, new
        {
            allowedProjectIds = new[] { Guid.NewGuid() }, dailySpendingCap = -1m, runSpendingCap = 0m, rowVersion = uncapped.RowVersion(),
        }).ExpectValidationAsync("allowedProjectIds", "dailySpendingCap", "runSpendingCap");
    }
}
