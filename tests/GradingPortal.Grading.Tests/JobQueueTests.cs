using System.Diagnostics;
using GradingPortal.Domain.Jobs;
using GradingPortal.Jobs;
using GradingPortal.Testing;
using GradingPortal.Worker.Grading;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GradingPortal.Grading.Tests;

/// <summary>
/// Hangfire's queues on a password-protected PostgreSQL, registered as the hosts register them: jobs enqueued here go
/// through the same storage and client filters as the Api's and the Workers' (this process runs no Hangfire server, so
/// they wait until a Worker process takes them).
/// </summary>
public sealed class JobQueueTests : IAsyncLifetime
{
    private string _connectionString = "";
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await TestDatabase.CreateAsync("jobqueue");
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHangfireStorage(_connectionString, JobStorageTimings.Default);
        _services = services.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    private IBackgroundJobClient Jobs => _services.GetRequiredService<IBackgroundJobClient>();

    [Fact]
    public async Task Worker_ListeningConnectionTerminated_StartsTheNextJobLongBeforeItsPoll()
    {
        // With the poll half a minute away, a job that starts within seconds was announced to the Worker by a notice.
        await using var worker = WorkerProcess.Start(_connectionString, new Dictionary<string, string>
        {
            ["Worker__PollSeconds"] = "30",
            ["Worker__MaxConcurrency"] = "2",
            ["Logging__LogLevel__Default"] = "Information",
        });
        await WaitUntilAsync(async () => await ListenersAsync() > 0, worker);
        // A first job shows the Worker takes jobs as they come, and leaves every idle thread with a fresh poll interval ahead.
        var first = await TimeToStartAsync(worker);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        // What a database restart or a network cut does to a listening session; the Worker stays idle while it is gone.
        (await TerminateListenersAsync()).ShouldBeGreaterThan(0);
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        var next = await TimeToStartAsync(worker);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"first job started after {first.TotalMilliseconds:F0} ms; after the listener was cut, after {next.TotalMilliseconds:F0} ms");
        next.ShouldBeLessThan(TimeSpan.FromSeconds(10), worker.Log);
    }

    [Fact]
    public async Task PrepareProblems_TwentyProblemsQueuedFromTwoPlacesAtOnce_CreatesOneJobPerProblem()
    {
        var queue = new GradingQueue(Jobs);
        var first = NewIds();
        var raced = NewIds();

        queue.PrepareProblems(first);
        // Queued again while they wait, and another run's problems from two Workers reconciling at the same moment.
        await Task.WhenAll(
            Task.Run(() => queue.PrepareProblems(first)), Task.Run(() => queue.PrepareProblems(raced)), Task.Run(() => queue.PrepareProblems(raced)));

        var jobs = await PendingPreparationsAsync();
        jobs.Count.ShouldBe(40);
        jobs.ShouldBe([.. first, .. raced], ignoreOrder: true);
        // Reported, not asserted: a run's 20 preparation jobs written one after another (as before) and as a batch, with
        // the client and its connections warm.
        var oneByOne = new List<double>();
        var batched = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            var clock = Stopwatch.StartNew();
            foreach (var id in NewIds())
            {
                queue.PrepareProblem(id);
            }
            oneByOne.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            queue.PrepareProblems(NewIds());
            batched.Add(clock.Elapsed.TotalMilliseconds);
        }
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"20 preparation jobs: one by one {string.Join(" / ", oneByOne.Select(ms => $"{ms:F0}"))} ms; batched {string.Join(" / ", batched.Select(ms => $"{ms:F0}"))} ms");

        static List<Guid> NewIds() => [.. Enumerable.Range(0, 20).Select(_ => Guid.NewGuid())];
    }

    /// <summary>Enqueues a job that does next to nothing (a run that does not exist) and times how long it waits to start.</summary>
    [Fact]
    public void GradeSlice_SameSliceAlreadyRunning_IsQueuedAgainButNotWhileOneWaits()
    {
        var runProblem = Guid.NewGuid();
        var first = Jobs.Enqueue<IGradingJobs>(j => j.GradeSlice(runProblem, 0, CancellationToken.None));
        first.ShouldNotBeNull();

        // Waiting: a copy adds nothing, the waiting job will see the same work when it starts.
        Jobs.Enqueue<IGradingJobs>(j => j.GradeSlice(runProblem, 0, CancellationToken.None)).ShouldBeNull();

        // Running: the job may already have found nothing left to claim and be finishing, so work made pending now
        // (a retry of failed items) needs a job of its own.
        using (var connection = _services.GetRequiredService<JobStorage>().GetConnection())
        using (var transaction = connection.CreateWriteTransaction())
        {
            transaction.SetJobState(first, new RunningState());
            transaction.Commit();
        }
        var second = Jobs.Enqueue<IGradingJobs>(j => j.GradeSlice(runProblem, 0, CancellationToken.None));
        second.ShouldNotBeNull();
        second.ShouldNotBe(first);
        Jobs.Enqueue<IGradingJobs>(j => j.GradeSlice(runProblem, 0, CancellationToken.None)).ShouldBeNull();
    }

    /// <summary>The state a Hangfire server gives a job it has fetched (its constructor is not public).</summary>
    private sealed class RunningState : Hangfire.States.IState
    {
        public string Name => Hangfire.States.ProcessingState.StateName;
        public string? Reason => null;
        public bool IsFinal => false;
        public bool IgnoreJobLoadException => false;
        public Dictionary<string, string> SerializeData() => new() { ["ServerId"] = "test-server", ["WorkerId"] = "worker-1" };
    }

    private async Task<TimeSpan> TimeToStartAsync(WorkerProcess worker)
    {
        var runId = Guid.NewGuid();
        var clock = Stopwatch.StartNew();
        var id = Jobs.Enqueue<IGradingJobs>(j => j.PlanRun(runId, CancellationToken.None));
        id.ShouldNotBeNull();
        var started = TimeSpan.Zero;
        await WaitUntilAsync(async () =>
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"SELECT statename FROM {JobSchema.Name}.job WHERE id = $1", connection);
            command.Parameters.AddWithValue(long.Parse(id, System.Globalization.CultureInfo.InvariantCulture));
            var state = (string?)await command.ExecuteScalarAsync();
            started = clock.Elapsed;
            return state is "Processing" or "Succeeded" or "Failed";
        }, worker);
        return started;
    }

    /// <summary>Sessions of this database waiting for Hangfire's new-job notices.</summary>
    private async Task<long> ListenersAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN new_job%'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<long> TerminateListenersAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE datname = current_database() AND query LIKE 'LISTEN new_job%' AND pid <> pg_backend_pid()
            """, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The problem (run problem id) of every PrepareProblem job waiting in the queue, one entry per job.</summary>
    private async Task<List<Guid>> PendingPreparationsAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            SELECT arguments::jsonb ->> 0 FROM {JobSchema.Name}.job
            WHERE invocationdata::text LIKE '%"PrepareProblem"%' AND statename = 'Enqueued'
            """, connection);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(Guid.Parse(reader.GetString(0).Trim('"')));
        }
        return ids;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, WorkerProcess worker)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!await condition())
        {
            if (DateTime.UtcNow > until || worker.HasExited)
            {
                throw new TimeoutException($"Gave up waiting; the Worker printed:\n{worker.Log}");
            }
            await Task.Delay(50);
        }
    }
}
