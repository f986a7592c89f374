using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using GradingPortal.Testing;
using GradingPortal.Worker;
using GradingPortal.Worker.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GradingPortal.Grading.Tests.Models;

/// <summary>One migrated database shared by the tests of a class; each test makes its own profiles and call keys.</summary>
public sealed class ModelDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync() => ConnectionString = await TestDatabase.CreateAsync("models");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// What one Worker process registers for model calls, in its own service provider: configuration (environment variables
/// included), captured logs, the database, and <see cref="WorkerServiceCollectionExtensions.AddModelCalls"/>.
/// </summary>
internal sealed class TestWorker : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private TestWorker(ServiceProvider provider, CapturedLogs logs)
    {
        _provider = provider;
        Logs = logs;
    }

    public CapturedLogs Logs { get; }
    public IModelCaller Caller => _provider.GetRequiredService<IModelCaller>();
    public IServiceProvider Services => _provider;

    public static TestWorker Start(string connectionString, IDictionary<string, string?>? settings = null, IInterceptor? interceptor = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["ModelCalls:InitialBackoff"] = "00:00:00.050",
            ["ModelCalls:MaxRetryWait"] = "00:00:10",
            ["ModelCalls:SlotPollInterval"] = "00:00:00.500",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).AddEnvironmentVariables().Build();
        var logs = new CapturedLogs();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IAuditActorAccessor>(new TestActor());
        services.AddDbContext<GradingDbContext>(db =>
        {
            db.UseNpgsql(connectionString);
            if (interceptor is not null)
            {
                db.AddInterceptors(interceptor);
            }
        });
        services.AddModelCalls(connectionString);
        return new TestWorker(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }), logs);
    }

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();

    private sealed class TestActor : IAuditActorAccessor
    {
        public AuditActor Actor { get; } = new(null, "test");
    }
}

/// <summary>Every log line any category wrote, with exceptions, for "the key never appears" checks.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public string All => string.Join("\n", _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}

/// <summary>Profiles, requests and rows for model-call tests.</summary>
internal static class ModelCalls
{
    public const string ScoreSchemaName = "score_answer";

    public static readonly JsonElement ScoreSchema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "score": { "type": "integer", "minimum": 0, "maximum": 7 },
            "reason": { "type": "string" },
            "note": { "type": ["string", "null"] }
          },
          "required": ["score", "reason", "note"],
          "additionalProperties": false
        }
        """).RootElement.Clone();

    public static object Score(int score = 5) => new { score, reason = "the key step is proved", note = (string?)null };

    public static async Task<ModelProfile> CreateProfileAsync(IServiceProvider services, string baseUrl, int maxConcurrency = 4,
        int? requestsPerMinute = null, StructuredOutputMode mode = StructuredOutputMode.JsonSchema, int timeoutSeconds = 30,
        string? apiKeyVariable = null, string? protectedApiKey = null, int? maxOutputTokens = 2000, string? reasoningEffort = "low",
        double? temperature = 0.2)
    {
        var settings = new ModelProfileSettings($"fake {Guid.NewGuid():N}", baseUrl, "fake-model", temperature, reasoningEffort, maxOutputTokens,
            timeoutSeconds, maxConcurrency, requestsPerMinute, new ModelPrices(2m, 0.5m, 8m), mode);
        var profile = ModelProfile.Create(settings, apiKeyVariable, protectedApiKey, null, DateTimeOffset.UtcNow);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        db.ModelProfiles.Add(profile);
        await db.SaveChangesAsync();
        return profile;
    }

    public static ModelCallRequest Request(string? callKey = null, Func<JsonElement, IReadOnlyList<string>>? validate = null,
        string solution = "We prove the claim by induction on n.") => new(
        callKey ?? $"test:{Guid.NewGuid():N}",
        Guid.NewGuid(), null, null, Guid.NewGuid(), Guid.NewGuid(), Stages.Grade, 0,
        new PromptRef("grade-test.v1", new string('a', 64)),
        [
            new ChatMessage(ChatRole.System, "You grade proofs. Give an integer score from 0 to 7 and a short reason."),
            new ChatMessage(ChatRole.User, "Problem: show that the sum of the first n odd numbers is a square."),
            new ChatMessage(ChatRole.User, $"<solution>\n{solution}\n</solution>"),
        ],
        ScoreSchemaName, ScoreSchema, validate);

    public static async Task<List<StageCall>> AttemptsAsync(IServiceProvider services, string callKey)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        return await db.StageCalls.AsNoTracking().Where(c => c.CallKey == callKey).OrderBy(c => c.Attempt).ToListAsync();
    }

    public static async Task<List<StageCall>> AttemptsAsync(IServiceProvider services, Guid stageCallId)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        return await db.StageCalls.AsNoTracking().Where(c => c.Id == stageCallId).ToListAsync();
    }

    /// <summary>An attempt a killed process left behind: inserted, never completed.</summary>
    public static async Task InsertInFlightAsync(IServiceProvider services, ModelProfile profile, ModelCallRequest request)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        db.StageCalls.Add(new StageCall(request.CallKey, 1, request.ProjectId, null, null, request.ProblemId, request.SolutionId, request.Stage,
            request.Prompt.Name, request.Prompt.Sha256, profile.Id, "{}", "[]", DateTimeOffset.UtcNow));
        await db.SaveChangesAsync();
    }
}

/// <summary>Counts the statements EF Core sends, by their first word (SELECT, INSERT, UPDATE ...).</summary>
internal sealed class StatementCounter : DbCommandInterceptor
{
    private readonly ConcurrentQueue<string> _statements = new();

    public IReadOnlyList<string> Statements => [.. _statements];

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Add(command);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Add(command);
        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Add(command);
        return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
    }

    public void Clear() => _statements.Clear();

    private void Add(DbCommand command)
    {
        // A batch is one round trip; its statements are counted one by one.
        foreach (var statement in command.CommandText.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            _statements.Enqueue(statement.Split(' ', 2)[0].ToUpperInvariant());
        }
    }
}
