using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using GradingPortal.Hosting;
using GradingPortal.ModelAccess;
using GradingPortal.Testing.FakeOpenAi;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static GradingPortal.Grading.Tests.Models.ModelCalls;

namespace GradingPortal.Grading.Tests.Models;

/// <summary>Keys reach the endpoint and nothing else: not the stage calls, not the logs, not the errors.</summary>
public sealed class ModelKeyTests(ModelDatabase database) : IClassFixture<ModelDatabase>, IAsyncLifetime
{
    private FakeOpenAiServer _fake = null!;
    private TestWorker _worker = null!;

    public async ValueTask InitializeAsync()
    {
        _fake = await FakeOpenAiServer.StartAsync();
        // The first answer is an error page that echoes the request's Authorization header, as careless proxies do.
        var echoed = 0;
        _fake.Script(ScoreSchemaName, request => Interlocked.Increment(ref echoed) == 1
            ? throw new InvalidOperationException($"bad gateway for {request.Authorization}")
            : FakeReply.Json(Score()));
        _worker = TestWorker.Start(database.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await _worker.DisposeAsync();
        await _fake.DisposeAsync();
    }

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Call_KeyFromEnvironmentVariable_ReachesTheEndpointOnlyAndIsScrubbedFromErrors()
    {
        var variable = $"GP_MODEL_KEY_TEST_{Guid.NewGuid():N}";
        var key = $"sk-env-{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, key);
        try
        {
            var profile = await CreateProfileAsync(_worker.Services, _fake.BaseUrl, apiKeyVariable: variable);
            var request = Request();

            var result = await _worker.Caller.CallAsync(profile, request, Ct);

            result.Status.ShouldBe(StageCallStatus.Succeeded);
            await AssertKeyOnlyOnTheWireAsync(key, request.CallKey);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task Call_KeyStoredProtectedByTheApi_IsDecryptedByTheWorkerAndIsScrubbedFromErrors()
    {
        var key = $"sk-stored-{Guid.NewGuid():N}";
        string protectedKey;
        // The Api's side: its own service provider, the same key ring in the database.
        await using (var api = ApiDataProtection(database.ConnectionString))
        {
            protectedKey = ModelClients.ProtectKey(api.GetRequiredService<IDataProtectionProvider>(), key);
        }
        protectedKey.ShouldNotContain(key);
        var profile = await CreateProfileAsync(_worker.Services, _fake.BaseUrl, protectedApiKey: protectedKey);
        var request = Request();

        var result = await _worker.Caller.CallAsync(profile, request, Ct);

        result.Status.ShouldBe(StageCallStatus.Succeeded);
        await AssertKeyOnlyOnTheWireAsync(key, request.CallKey);
    }

    [Fact]
    public async Task Call_KeyVariableNotSet_FailsWithoutARequestAndSaysWhich()
    {
        var variable = $"GP_MODEL_KEY_MISSING_{Guid.NewGuid():N}";
        var profile = await CreateProfileAsync(_worker.Services, _fake.BaseUrl, apiKeyVariable: variable);
        var request = Request();

        var result = await _worker.Caller.CallAsync(profile, request, Ct);

        result.Status.ShouldBe(StageCallStatus.Failed);
        result.Error.ShouldBe($"The API key variable '{variable}' is not set (neither as {variable} nor as ModelKeys:{variable["GP_MODEL_KEY_".Length..]}).");
        _fake.Requests.ShouldBeEmpty();
        (await AttemptsAsync(_worker.Services, request.CallKey)).ShouldHaveSingleItem().Status.ShouldBe(StageCallStatus.Failed);
    }

    [Fact]
    public async Task Call_KeyInTheModelKeysSection_ReachesTheEndpoint()
    {
        var name = $"SECTION_{Guid.NewGuid():N}";
        var key = $"sk-section-{Guid.NewGuid():N}";
        await using var worker = TestWorker.Start(database.ConnectionString, new Dictionary<string, string?> { [$"ModelKeys:{name}"] = key });
        var profile = await CreateProfileAsync(worker.Services, _fake.BaseUrl, apiKeyVariable: $"GP_MODEL_KEY_{name}");

        var result = await worker.Caller.CallAsync(profile, Request(), Ct);

        result.Status.ShouldBe(StageCallStatus.Succeeded);
        _fake.Requests.ShouldAllBe(r => r.Authorization == $"Bearer {key}");
    }

    [Theory]
    [InlineData("ModelCalls:MaxRetryWait")]
    [InlineData("ConnectionStrings:Db")]
    public async Task Call_StoredVariableNamingAnotherSetting_FailsWithoutARequestAndSaysWhy(string oldName)
    {
        await using var worker = TestWorker.Start(database.ConnectionString,
            new Dictionary<string, string?> { ["ConnectionStrings:Db"] = "Host=db;Password=not-a-model-key" });
        var created = await CreateProfileAsync(worker.Services, _fake.BaseUrl, apiKeyVariable: "GP_MODEL_KEY_REPLACED");
        await using (var scope = worker.Services.CreateAsyncScope())
        {
            // A name saved before key variables were confined to GP_MODEL_KEY_*, as an older database may hold it.
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            await db.Database.ExecuteSqlAsync($"UPDATE model_profiles SET api_key_variable = {oldName} WHERE id = {created.Id}", Ct);
        }
        var profile = await ReloadAsync(worker.Services, created.Id);
        var request = Request();

        var result = await worker.Caller.CallAsync(profile, request, Ct);

        result.Status.ShouldBe(StageCallStatus.Failed);
        result.Error!.ShouldContain("no longer read");
        _fake.Requests.ShouldBeEmpty();
    }

    private static async Task<ModelProfile> ReloadAsync(IServiceProvider services, Guid id)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<GradingDbContext>().ModelProfiles.AsNoTracking().FirstAsync(p => p.Id == id);
    }

    [Fact]
    public async Task Call_ProfileWithoutKey_SendsThePlaceholder()
    {
        var profile = await CreateProfileAsync(_worker.Services, _fake.BaseUrl);

        var result = await _worker.Caller.CallAsync(profile, Request(), Ct);

        result.Status.ShouldBe(StageCallStatus.Succeeded);
        _fake.Requests.ShouldAllBe(r => r.Authorization == $"Bearer {ModelClients.NoKeyPlaceholder}");
    }

    private async Task AssertKeyOnlyOnTheWireAsync(string key, string callKey)
    {
        var sent = _fake.Requests;
        sent.Count.ShouldBe(2);
        sent.ShouldAllBe(r => r.Authorization == $"Bearer {key}");

        var rows = await AttemptsAsync(_worker.Services, callKey);
        rows.Count.ShouldBe(2);
        // The echo happened and was scrubbed before it was stored and logged.
        rows[0].Error!.ShouldContain("[api key]");
        foreach (var row in rows)
        {
            string?[] stored = [row.Error, row.RawResponse, row.Parsed, row.RequestMessages, row.ProfileSnapshot];
            stored.ShouldAllBe(text => text == null || !text.Contains(key));
        }
        _worker.Logs.All.ShouldContain("[api key]");
        _worker.Logs.All.ShouldNotContain(key);
        await using var scope = _worker.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        var pattern = $"%{key}%";
        (await db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM audit_events WHERE data::text LIKE {pattern}").SingleAsync(Ct))
            .ShouldBe(0);
    }

    private static ServiceProvider ApiDataProtection(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IAuditActorAccessor>(new ApiActor());
        services.AddDbContext<GradingDbContext>(db => db.UseNpgsql(connectionString));
        services.AddDatabaseDataProtection();
        return services.BuildServiceProvider();
    }

    private sealed class ApiActor : IAuditActorAccessor
    {
        public AuditActor Actor { get; } = new(null, "api");
    }
}
