using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GradingPortal.Grading.Tests.Pipeline;

/// <summary>A profile's limits hold across the Worker processes that share one run.</summary>
[Collection(PipelineCollection.Name)]
public sealed class ConcurrencyTests(PipelineFixture fixture)
{
    [Fact]
    public async Task Run_TwoWorkerProcessesAndAProfileLimitOfThree_NeverHaveMoreThanThreeCallsInFlight()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync(maxConcurrency: 3);
        var (problemId, _) = await fixture.NewProblemAsync(projectId, references: 1);
        var solutionIds = await fixture.NewSolutionsAsync(projectId, problemId, Enumerable.Range(0, 20).Select(i => $"Attempt {i}. [points {i % 8}]"));
        fixture.Fake.Latency = TimeSpan.FromMilliseconds(150);
        fixture.Fake.Reset();
        try
        {
            var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId]);
            // Which Worker processes (Hangfire servers) execute this run's jobs, sampled while it runs.
            var instances = new HashSet<string>(StringComparer.Ordinal);
            var until = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            GradingRun run;
            while (true)
            {
                instances.UnionWith(await ExecutingInstancesAsync());
                run = await fixture.WithDbAsync(db => db.GradingRuns.AsNoTracking().FirstAsync(r => r.Id == runId));
                if (run.IsTerminal || DateTime.UtcNow > until)
                {
                    break;
                }
                await Task.Delay(50);
            }

            run.Status.ShouldBe(GradingRunStatus.Completed, fixture.WorkerLogs);
            var stats = fixture.Fake.Stats;
            stats.MaxInFlight.ShouldBeLessThanOrEqualTo(3);
            stats.MaxInFlight.ShouldBeGreaterThanOrEqualTo(2);
            instances.Count.ShouldBeGreaterThanOrEqualTo(2, $"jobs ran on: {string.Join(", ", instances)}");
            var items = await fixture.ItemsAsync(runId);
            items.Count.ShouldBe(20);
            items.ShouldAllBe(i => i.Status == RunItemStatus.Graded);
            (await fixture.GradesAsync(runId)).Select(g => g.SolutionId).ShouldBe(solutionIds, ignoreOrder: true);
        }
        finally
        {
            fixture.Fake.Latency = TimeSpan.FromMilliseconds(20);
        }
    }

    [Fact]
    public async Task Run_Completed_LeavesNoAdvisoryLockOnTheWorkersPooledConnections()
    {
        // The Workers' EF connections go back to their pool without a reset (no DISCARD ALL), so a run item's session lock
        // that a lane failed to release would stay on an idle connection for the life of the process, and the item would look
        // held by a live Worker to every later claim.
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, _) = await fixture.NewProblemAsync(projectId, references: 2);
        await fixture.NewSolutionsAsync(projectId, problemId, Enumerable.Range(0, 12).Select(i => $"Attempt {i}. [approach {1 + (i % 2)}] [points {i % 8}]"));

        var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId]);
        (await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed)).Status.ShouldBe(GradingRunStatus.Completed);

        // The run completes while its last slices are still ending; give them a moment, then nothing may hold a lock.
        var held = new List<string>();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            held = await AdvisoryLocksAsync();
            if (held.Count == 0)
            {
                break;
            }
            await Task.Delay(100);
        }
        held.ShouldBeEmpty();
        (await fixture.GradesAsync(runId)).Count.ShouldBe(12);
    }

    [Fact]
    public async Task Enqueue_AJob_NotifiesTheListeningWorkers()
    {
        // Each fixture Worker keeps a session listening for the notice that wakes its idle Hangfire workers.
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using (var listeners = new NpgsqlCommand(
            $"SELECT count(DISTINCT client_port) FROM pg_stat_activity WHERE application_name = 'GradingPortal.Hangfire' AND query = 'LISTEN {NewJobChannel}'",
            connection))
        {
            // A Worker starts listening shortly after it starts.
            var listening = 0L;
            for (var attempt = 0; attempt < 100 && listening < 2; attempt++)
            {
                listening = (long)(await listeners.ExecuteScalarAsync())!;
                if (listening < 2)
                {
                    await Task.Delay(100);
                }
            }
            listening.ShouldBeGreaterThanOrEqualTo(2);
        }
        var notified = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Notification += (_, e) => notified.TrySetResult(e.Channel);
        await using (var listen = new NpgsqlCommand($"LISTEN {NewJobChannel}", connection))
        {
            await listen.ExecuteNonQueryAsync();
        }

        // A job the Api queues (a run's start) is announced once it is in the store.
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, _) = await fixture.NewProblemAsync(projectId, references: 1);
        await fixture.NewSolutionsAsync(projectId, problemId, ["Attempt. [points 7]"]);
        var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.Reference, [problemId]);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!notified.Task.IsCompleted)
        {
            await connection.WaitAsync(wait.Token);
        }
        (await notified.Task).ShouldBe(NewJobChannel);
        (await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed)).Status.ShouldBe(GradingRunStatus.Completed);
    }

    /// <summary>Advisory locks held in the test database, with the application and state of the session holding each.</summary>
    private async Task<List<string>> AdvisoryLocksAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT coalesce(a.application_name, '') || ' ' || coalesce(a.state, '') || ' ' || l.objid::text
            FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()
            """, connection);
        var locks = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            locks.Add(reader.GetString(0));
        }
        return locks;
    }

    /// <summary>The channel Hangfire.PostgreSql notifies when a job is queued (and its idle workers listen on).</summary>
    private const string NewJobChannel = "new_job";

    /// <summary>Hangfire server ids (one per process) executing a job right now.</summary>
    private async Task<List<string>> ExecutingInstancesAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"""
            SELECT DISTINCT s.data::jsonb ->> 'ServerId' FROM {JobSchema.Name}.job AS j JOIN {JobSchema.Name}.state AS s ON s.id = j.stateid
            WHERE j.statename = 'Processing'
            """, connection);
        var instances = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            instances.Add(reader.GetString(0));
        }
        return instances;
    }
}
