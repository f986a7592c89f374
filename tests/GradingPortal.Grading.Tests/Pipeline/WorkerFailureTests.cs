using System.Diagnostics;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GradingPortal.Grading.Tests.Pipeline;

[Collection(PipelineCollection.Name)]
public sealed class WorkerFailureTests(PipelineFixture fixture)
{
    [Fact]
    public async Task Run_WorkerKilledMidRun_OthersFinishEverySolutionExactlyOnce()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync(maxConcurrency: 12);
        var (problemId, _) = await fixture.NewProblemAsync(projectId, references: 1);
        var solutionIds = await fixture.NewSolutionsAsync(projectId, problemId, Enumerable.Range(0, 30).Select(i => $"Attempt {i}. [points {i % 8}]"));
        var doomed = fixture.StartWorker();
        fixture.Fake.Latency = TimeSpan.FromMilliseconds(400);
        try
        {
            // The doomed Worker takes its share of the run's jobs only once its Hangfire server is up.
            var announced = DateTime.UtcNow + TimeSpan.FromMinutes(1);
            while (!await ServerOfProcessIsUpAsync(doomed.ProcessId) && DateTime.UtcNow < announced)
            {
                await Task.Delay(100);
            }
            var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId]);
            var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while ((await fixture.ItemsAsync(runId)).Count(i => i.Status == RunItemStatus.Graded) < 4
                || ((await RunningJobsOfAsync(doomed.ProcessId)).Count == 0 && DateTime.UtcNow < until - TimeSpan.FromMinutes(1)))
            {
                if (DateTime.UtcNow > until)
                {
                    throw new TimeoutException(fixture.WorkerLogs);
                }
                await Task.Delay(100);
            }
            var orphans = await RunningJobsOfAsync(doomed.ProcessId);
            doomed.Kill();
            var killed = Stopwatch.StartNew();
            // How long the killed Worker's jobs wait before another Worker runs them (the invisibility timeout plus a poll);
            // reported, not asserted: the run completing below is the behaviour.
            var resumed = TimeSpan.Zero;
            while (orphans.Count > 0 && killed.Elapsed < TimeSpan.FromMinutes(1))
            {
                if (await AllRunningElsewhereOrDoneAsync(orphans, doomed.ProcessId))
                {
                    resumed = killed.Elapsed;
                    break;
                }
                await Task.Delay(100);
            }
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{orphans.Count} job(s) of the killed Worker resumed elsewhere after {resumed.TotalSeconds:F1} s");

            var run = await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed);

            run.Status.ShouldBe(GradingRunStatus.Completed);
            var items = await fixture.ItemsAsync(runId);
            items.Count.ShouldBe(30);
            items.ShouldAllBe(i => i.Status == RunItemStatus.Graded);
            var grades = await fixture.GradesAsync(runId);
            grades.Select(g => g.SolutionId).ShouldBe(solutionIds, ignoreOrder: true);
            grades.ShouldAllBe(g => g.Points == decimal.Parse(g.Rationale.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
            var calls = await fixture.WithDbAsync(db => db.StageCalls.AsNoTracking().Where(c => c.RunId == runId).ToListAsync());
            // No completed call was made twice: every logical call has at most one succeeded attempt.
            calls.Where(c => c.Status == StageCallStatus.Succeeded).GroupBy(c => c.CallKey).ShouldAllBe(g => g.Count() == 1);
            calls.Count(c => c.Stage == Stages.Grade && c.Status == StageCallStatus.Succeeded).ShouldBe(30);
        }
        finally
        {
            fixture.Fake.Latency = TimeSpan.FromMilliseconds(20);
            await doomed.DisposeAsync();
        }
    }

    [Fact]
    public async Task Run_RunningJobsFetchedAgainWhileTheyRun_GradesEverySolutionExactlyOnce()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync(maxConcurrency: 12);
        var (problemId, _) = await fixture.NewProblemAsync(projectId, references: 1);
        var solutionIds = await fixture.NewSolutionsAsync(projectId, problemId, Enumerable.Range(0, 24).Select(i => $"Attempt {i}. [points {i % 8}]"));
        fixture.Fake.Latency = TimeSpan.FromMilliseconds(300);
        try
        {
            var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId]);
            var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while ((await fixture.ItemsAsync(runId)).Count(i => i.Status == RunItemStatus.Graded) < 3)
            {
                if (DateTime.UtcNow > until)
                {
                    throw new TimeoutException(fixture.WorkerLogs);
                }
                await Task.Delay(100);
            }

            // Every running job looks abandoned (as after a Worker stalled past the invisibility timeout): idle Workers fetch
            // and run them a second time while the first executions are still going.
            await using (var connection = new NpgsqlConnection(fixture.ConnectionString))
            {
                await connection.OpenAsync();
                await using var stale = new NpgsqlCommand(
                    $"UPDATE {JobSchema.Name}.jobqueue SET fetchedat = now() - interval '1 hour' WHERE fetchedat IS NOT NULL", connection);
                (await stale.ExecuteNonQueryAsync()).ShouldBeGreaterThan(0);
            }

            var run = await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed);

            run.Status.ShouldBe(GradingRunStatus.Completed, fixture.WorkerLogs);
            var items = await fixture.ItemsAsync(runId);
            items.ShouldAllBe(i => i.Status == RunItemStatus.Graded);
            (await fixture.GradesAsync(runId)).Select(g => g.SolutionId).ShouldBe(solutionIds, ignoreOrder: true);
            var calls = await fixture.WithDbAsync(db => db.StageCalls.AsNoTracking().Where(c => c.RunId == runId).ToListAsync());
            calls.Where(c => c.Status == StageCallStatus.Succeeded).GroupBy(c => c.CallKey).ShouldAllBe(g => g.Count() == 1);
        }
        finally
        {
            fixture.Fake.Latency = TimeSpan.FromMilliseconds(20);
        }
    }

    private async Task<bool> ServerOfProcessIsUpAsync(int processId)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {JobSchema.Name}.server WHERE id LIKE '%:' || $1 || ':%'", connection);
        command.Parameters.AddWithValue(processId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    /// <summary>Hangfire jobs processing on the Worker process <paramref name="processId"/> right now.</summary>
    private async Task<List<long>> RunningJobsOfAsync(int processId)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            SELECT j.id FROM {JobSchema.Name}.job AS j JOIN {JobSchema.Name}.state AS s ON s.id = j.stateid
            WHERE j.statename = 'Processing' AND s.data::jsonb ->> 'ServerId' LIKE '%:' || $1 || ':%'
            """, connection);
        command.Parameters.AddWithValue(processId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }

    /// <summary>Whether none of <paramref name="jobs"/> is still shown as processing on the dead process.</summary>
    private async Task<bool> AllRunningElsewhereOrDoneAsync(List<long> jobs, int deadProcessId)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            SELECT count(*) FROM {JobSchema.Name}.job AS j JOIN {JobSchema.Name}.state AS s ON s.id = j.stateid
            WHERE j.id = ANY($1) AND j.statename = 'Processing' AND s.data::jsonb ->> 'ServerId' LIKE '%:' || $2 || ':%'
            """, connection);
        command.Parameters.AddWithValue(jobs.ToArray());
        command.Parameters.AddWithValue(deadProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return (long)(await command.ExecuteScalarAsync())! == 0;
    }
}
