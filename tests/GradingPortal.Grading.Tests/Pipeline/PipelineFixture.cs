using System.Diagnostics;
using System.Text;
using System.Text.Json;
using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Problems;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Rubrics;
using GradingPortal.Domain.Solutions;
using GradingPortal.Testing;
using GradingPortal.Testing.FakeOpenAi;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Hangfire;

namespace GradingPortal.Grading.Tests.Pipeline;

/// <summary>
/// One migrated database, the fake model server with the default grading scripts, the real Api (in process, see
/// <see cref="PipelineApi"/>) and two real Worker processes (the built Worker started with <c>dotnet</c>, Hangfire servers
/// on the database, as deployed). Tests create runs through the Api, or through Domain and then enqueue
/// <see cref="IGradingJobs.PlanRun"/> with the Api's Hangfire client (the Api runs no server, so this process runs no job).
/// </summary>
public sealed class PipelineFixture : IAsyncLifetime
{
    private readonly List<WorkerProcess> _workers = [];
    private ServiceProvider _services = null!;

    public string ConnectionString { get; private set; } = "";
    public FakeOpenAiServer Fake { get; private set; } = null!;
    /// <summary>The Api, in process over the same database (its first admin is <see cref="PipelineApi.AdminEmail"/>).</summary>
    public PipelineApi Api { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await TestDatabase.CreateAsync("grading");
        Fake = await FakeOpenAiServer.StartAsync(latency: TimeSpan.FromMilliseconds(20));
        GradingScripts.RegisterAll(Fake);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IAuditActorAccessor>(new TestActor());
        services.AddDbContext<GradingDbContext>(db => db.UseNpgsql(ConnectionString));
        _services = services.BuildServiceProvider();
        Api = new PipelineApi(ConnectionString);
        await Api.InitializeAsync();
        StartWorker();
        StartWorker();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }
        await Api.DisposeAsync();
        await _services.DisposeAsync();
        await Fake.DisposeAsync();
    }

    // How the pipeline tests run their Workers.
    private static readonly Dictionary<string, string> s_workerSettings = new()
    {
        ["Worker__MaxConcurrency"] = "4",
        // Small grading slices (two solutions at a time, so up to 8 slices per problem): with 4 threads a Worker runs at
        // most 4 of a problem's slices, so the Workers share even a 20-solution problem, as they share a large one.
        ["Worker__ItemsInParallel"] = "2",
        // Several slices per problem even for a handful of solutions, so that two Workers share one problem.
        ["Worker__ItemsPerSlice"] = "2",
        ["ModelCalls__InitialBackoff"] = "00:00:00.050",
        ["ModelCalls__SlotPollInterval"] = "00:00:00.200",
        // Few attempts: a call that keeps failing fails its item quickly (retry-failed tests).
        ["ModelCalls__MaxAttempts"] = "3",
        // A Worker stopped with SIGTERM waits at most 5 s for its running jobs (the host's default is 30 s), then exits with
        // them still running, as a deployment with a short grace period would see.
        ["shutdownTimeoutSeconds"] = "5",
        // Information, so that tests checking that no secret is printed see what a deployed Worker prints; no SQL.
        ["Logging__LogLevel__Default"] = "Information",
        ["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning",
    };

    /// <summary>Starts one more Worker process on the test database (with extra environment variables, when given).</summary>
    public WorkerProcess StartWorker(IReadOnlyDictionary<string, string>? environment = null)
    {
        var settings = new Dictionary<string, string>(s_workerSettings);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            settings[name] = value;
        }
        var worker = WorkerProcess.Start(ConnectionString, settings, logLimit: 4_000_000);
        _workers.Add(worker);
        return worker;
    }

    /// <summary>Every Worker process started so far (the first two at start-up), stopped ones included.</summary>
    public IReadOnlyList<WorkerProcess> Workers => _workers;

    /// <summary>What every Worker process started so far printed (stdout and stderr).</summary>
    public string WorkerLogs => string.Join("\n----\n", _workers.Select(w => w.Log));

    public async Task<T> WithDbAsync<T>(Func<GradingDbContext, Task<T>> work)
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<GradingDbContext>());
    }

    /// <summary>The Api's Hangfire client: what the tests enqueue goes through the same filters as the Api's own jobs.</summary>
    public IBackgroundJobClient Jobs => Api.Services.GetRequiredService<IBackgroundJobClient>();

    /// <summary>Enqueues a run's reconciliation as the Api does; the id of the job, or null when one was already pending.</summary>
    public Task<string?> EnqueuePlanRunAsync(Guid runId) =>
        Task.FromResult<string?>(Jobs.Enqueue<IGradingJobs>(j => j.PlanRun(runId, CancellationToken.None)));

    /// <summary>Enqueues slices 0..count-1 of a ready problem's grading as a Worker does.</summary>
    public Task EnqueueSlicesAsync(Guid runProblemId, int count)
    {
        for (var slice = 0; slice < count; slice++)
        {
            var n = slice;
            Jobs.Enqueue<IGradingJobs>(j => j.GradeSlice(runProblemId, n, CancellationToken.None));
        }
        return Task.CompletedTask;
    }

    public Task<Guid> NewProjectAsync(params string[] customErrorTypes) => WithDbAsync(async db =>
    {
        var project = Project.Create($"grading {Guid.NewGuid():N}", null, 7, false, false, false, customErrorTypes, DateTimeOffset.UtcNow);
        db.Projects.Add(project);
        await db.SaveChangesAsync();
        return project.Id;
    });

    public Task<Guid> NewProfileAsync(int maxConcurrency = 8, StructuredOutputMode mode = StructuredOutputMode.JsonSchema) => WithDbAsync(async db =>
    {
        var settings = new ModelProfileSettings($"fake {Guid.NewGuid():N}", Fake.BaseUrl, "fake-model", 0.1, "low", 4000, 30, maxConcurrency, null,
            new ModelPrices(1m, 0.25m, 4m), mode);
        var profile = ModelProfile.Create(settings, null, null, null, DateTimeOffset.UtcNow);
        db.ModelProfiles.Add(profile);
        await db.SaveChangesAsync();
        return profile.Id;
    });

    /// <summary>A problem with a unique statement (tests find their own requests on the fake server by it).</summary>
    public Task<(Guid Id, string Statement)> NewProblemAsync(Guid projectId, int references, string? markingScheme = null, bool officialRubric = false) =>
        WithDbAsync(async db =>
        {
            var statement = $"Problem {Guid.NewGuid():N}: prove that every even number above 2 is a sum of two primes.";
            var refs = Enumerable.Range(1, references).Select(i => ($"Reference proof {i}: a complete argument by route {i}.", (string?)null));
            var problem = Problem.Create(projectId, "Goldbach-like", statement, 7, "test", null, markingScheme, refs, DateTimeOffset.UtcNow);
            db.Problems.Add(problem);
            if (officialRubric)
            {
                db.Rubrics.Add(Rubric.CreateOfficial(projectId, problem.Id, 1, 7, new RubricContent(
                    [new RubricItemContent("Reduction", 3, "Reduces to the key lemma."), new RubricItemContent("Lemma", 4, "Proves the lemma.")],
                    "Nothing for examples.", [], null), null, DateTimeOffset.UtcNow));
            }
            await db.SaveChangesAsync();
            return (problem.Id, statement);
        });

    public Task<List<Guid>> NewSolutionsAsync(Guid projectId, Guid problemId, IEnumerable<string> texts) => WithDbAsync(async db =>
    {
        var solutions = texts.Select(t => Solution.Create(projectId, problemId, t, "model-x", null, DateTimeOffset.UtcNow)).ToList();
        db.Solutions.AddRange(solutions);
        await db.SaveChangesAsync();
        return solutions.Select(s => s.Id).ToList();
    });

    /// <summary>
    /// Creates a run as the Api does (with the workflow's default prompts unless <paramref name="prompts"/> picks others) and
    /// enqueues its start (unless <paramref name="enqueue"/> is false).
    /// </summary>
    public async Task<Guid> StartRunAsync(Guid projectId, Guid profileId, string workflow, IEnumerable<Guid> problemIds, string? design = null,
        int samples = 1, string aggregation = Aggregations.Median, bool requireApproval = false, bool enqueue = true,
        IReadOnlyDictionary<string, string>? prompts = null)
    {
        var runId = await WithDbAsync(async db =>
        {
            var profile = await db.ModelProfiles.FirstAsync(p => p.Id == profileId);
            var selection = JsonSerializer.Serialize(new { problemIds });
            var run = GradingRun.Create(projectId, new GradingRunSettings(workflow, design, profileId, samples, aggregation, requireApproval, prompts),
                JsonSerializer.Serialize(profile.Snapshot(), new JsonSerializerOptions(JsonSerializerDefaults.Web)), "{}", selection, null, DateTimeOffset.UtcNow);
            db.GradingRuns.Add(run);
            await db.SaveChangesAsync();
            return run.Id;
        });
        if (enqueue)
        {
            await EnqueuePlanRunAsync(runId);
        }
        return runId;
    }

    public async Task<GradingRun> WaitForRunAsync(Guid runId, params GradingRunStatus[] statuses)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            var run = await WithDbAsync(db => db.GradingRuns.AsNoTracking().FirstAsync(r => r.Id == runId));
            if (statuses.Contains(run.Status))
            {
                return run;
            }
            if (DateTime.UtcNow > until)
            {
                var items = await WithDbAsync(db => db.GradingRunItems.Where(i => i.RunId == runId).Select(i => i.Status + " " + i.LastError).ToListAsync());
                throw new TimeoutException($"Run {runId} is {run.Status} ({run.Error}); items: {string.Join("; ", items)}\nWorkers:\n{WorkerLogs}");
            }
            await Task.Delay(250);
        }
    }

    public Task<List<GradingRunItem>> ItemsAsync(Guid runId) =>
        WithDbAsync(db => db.GradingRunItems.AsNoTracking().Where(i => i.RunId == runId).ToListAsync());

    public Task<List<ModelGrade>> GradesAsync(Guid runId) =>
        WithDbAsync(db => db.ModelGrades.AsNoTracking().Include(g => g.Items).Include(g => g.Findings).Where(g => g.RunId == runId).ToListAsync());

    /// <summary>Requests the fake server received for one problem (its statement is unique), per output schema.</summary>
    public Dictionary<string, int> RequestsFor(string statement) => Fake.Requests.Where(r => r.AllText.Contains(statement, StringComparison.Ordinal))
        .GroupBy(r => r.SchemaName ?? "").ToDictionary(g => g.Key, g => g.Count());

    private sealed class TestActor : IAuditActorAccessor
    {
        public AuditActor Actor { get; } = new(null, "test");
    }
}

[CollectionDefinition(Name)]
public sealed class PipelineCollection : ICollectionFixture<PipelineFixture>
{
    public const string Name = "pipeline";
}
