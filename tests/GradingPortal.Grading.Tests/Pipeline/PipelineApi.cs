using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using GradingPortal.Api;
using GradingPortal.Api.Contracts;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GradingPortal.Grading.Tests.Pipeline;

/// <summary>
/// The real Api in this process over the pipeline's database: requests go through routing, authentication and the
/// endpoints; runs it starts are executed by the fixture's Worker processes. Every response body any client of it
/// received is kept (<see cref="ResponseBodies"/>), and so is everything the Api logged (<see cref="Log"/>), so tests can
/// check that a secret never left the server.
/// </summary>
public sealed class PipelineApi(string connectionString) : WebApplicationFactory<ApiEntryPoint>, IAsyncLifetime
{
    public const string AdminEmail = "admin@example.org";
    public const string AdminPassword = "admin-password-1";

    private readonly ConcurrentQueue<string> _bodies = new();
    private readonly StringBuilder _log = new();

    /// <summary>Every response body received through clients made by <see cref="AdminAsync"/>, in order.</summary>
    public IReadOnlyCollection<string> ResponseBodies => _bodies;

    /// <summary>What the Api logged (information and above).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async ValueTask InitializeAsync()
    {
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        await FirstAdmin.EnsureAsync(db, AdminEmail, AdminPassword, DateTimeOffset.UtcNow);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Db", connectionString);
        // Captured rather than printed: tests read it, and the test output stays readable.
        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(new CaptureLoggerProvider(Append)));
    }

    /// <summary>A client signed in as the first admin (a global administrator); its response bodies are recorded.</summary>
    public async Task<HttpClient> AdminAsync()
    {
        var client = CreateDefaultClient(new RecordingHandler(_bodies));
        client.Timeout = TimeSpan.FromMinutes(2);
        var response = await client.PostAsJsonAsync("/api/auth/login", new { email = AdminEmail, password = AdminPassword });
        response.EnsureSuccessStatusCode();
        var tokens = await response.Content.ReadFromJsonAsync<TokenPair>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens!.AccessToken);
        return client;
    }

    private void Append(string line)
    {
        lock (_log)
        {
            if (_log.Length < 4_000_000)
            {
                _log.AppendLine(line);
            }
        }
    }

    private sealed record TokenPair(string AccessToken, string RefreshToken, long ExpiresIn);

    /// <summary>Keeps a copy of every response body (buffered, so the caller still reads it).</summary>
    private sealed class RecordingHandler(ConcurrentQueue<string> sink) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            sink.Enqueue(await response.Content.ReadAsStringAsync(cancellationToken));
            return response;
        }
    }

    private sealed class CaptureLoggerProvider(Action<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, sink);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, Action<string> sink) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information && !category.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal);

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    sink($"[api {logLevel}] {category}: {formatter(state, exception)} {exception}");
                }
            }
        }
    }
}

/// <summary>Calls of the grading Api that the end-to-end tests share; failures show what the Api answered.</summary>
internal static class GradingApi
{
    public static async Task<T> ExpectAsync<T>(this Task<HttpResponseMessage> call, HttpStatusCode expected)
    {
        using var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered: {text}");
        return System.Text.Json.JsonSerializer.Deserialize<T>(text, Json)!;
    }

    public static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>Creates a model profile on the fake server through the Api, with a stored key.</summary>
    public static Task<ModelProfileResponse> NewProfileAsync(HttpClient admin, string baseUrl, string apiKey, int maxConcurrency = 8) =>
        admin.PostAsJsonAsync("/api/model-profiles", new
        {
            name = $"fake {Guid.NewGuid():N}",
            baseUrl,
            model = "fake-model",
            apiKey,
            temperature = 0.1,
            reasoningEffort = "low",
            maxOutputTokens = 4000,
            timeoutSeconds = 30,
            maxConcurrency,
            prices = new { input = 1m, cachedInput = 0.25m, output = 4m },
        }).ExpectAsync<ModelProfileResponse>(HttpStatusCode.Created);

    public static Task<IdOnly> NewProjectAsync(HttpClient admin) =>
        admin.PostAsJsonAsync("/api/projects", new { name = $"Pipeline {Guid.NewGuid():N}"[..24] }).ExpectAsync<IdOnly>(HttpStatusCode.Created);

    /// <summary>A problem with <paramref name="references"/> reference solutions and a unique statement (to find its requests on the fake).</summary>
    public static async Task<(Guid Id, string Statement)> NewProblemAsync(HttpClient admin, Guid projectId, int references = 1)
    {
        var statement = $"Problem {Guid.NewGuid():N}: prove that every even number above 2 is a sum of two primes.";
        var created = await admin.PostAsJsonAsync($"/api/projects/{projectId}/problems", new
        {
            title = "Goldbach-like",
            statement,
            source = "test",
            referenceSolutions = Enumerable.Range(1, references).Select(i => new { text = $"Reference proof {i}: a complete argument by route {i}.", source = "official" }),
        }).ExpectAsync<IdOnly>(HttpStatusCode.Created);
        return (created.Id, statement);
    }

    public static async Task<List<Guid>> NewSolutionsAsync(HttpClient admin, Guid problemId, IEnumerable<string> texts)
    {
        var ids = new List<Guid>();
        foreach (var text in texts)
        {
            ids.Add((await admin.PostAsJsonAsync($"/api/problems/{problemId}/solutions", new { text, author = "model-x" })
                .ExpectAsync<IdOnly>(HttpStatusCode.Created)).Id);
        }
        return ids;
    }

    /// <summary><c>POST /api/grading-runs</c>: 202 with the run's Location.</summary>
    public static async Task<GradingRunResponse> StartRunAsync(HttpClient admin, Guid projectId, Guid profileId, IEnumerable<Guid> problemIds,
        string workflow = "five-stage", bool requireRubricApproval = false)
    {
        using var response = await admin.PostAsJsonAsync("/api/grading-runs", new
        {
            projectId,
            problemIds,
            workflow,
            modelProfileId = profileId,
            requireRubricApproval,
        });
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, text);
        var run = System.Text.Json.JsonSerializer.Deserialize<GradingRunResponse>(text, Json)!;
        response.Headers.Location!.ToString().ShouldBe($"/api/grading-runs/{run.Id}");
        return run;
    }

    public static Task<GradingRunResponse> GetRunAsync(HttpClient client, Guid runId) =>
        client.GetAsync($"/api/grading-runs/{runId}").ExpectAsync<GradingRunResponse>(HttpStatusCode.OK);

    /// <summary>Polls <c>GET /api/grading-runs/{id}</c> until the run is in one of <paramref name="statuses"/> (wire names).</summary>
    public static async Task<GradingRunResponse> WaitForRunAsync(HttpClient client, Guid runId, PipelineFixture fixture, params string[] statuses)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            var run = await GetRunAsync(client, runId);
            if (statuses.Contains(run.Status))
            {
                return run;
            }
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Run {runId} is {run.Status} ({run.Error}); counts {run.Counts}\nWorkers:\n{fixture.WorkerLogs}");
            }
            await Task.Delay(200);
        }
    }

    public sealed record IdOnly(Guid Id);
}
