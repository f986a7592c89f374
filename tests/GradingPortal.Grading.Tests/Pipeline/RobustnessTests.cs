using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GradingPortal.Api.Contracts;
using GradingPortal.Domain.Grading;
using GradingPortal.Testing.FakeOpenAi;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Grading.Tests.Pipeline;

/// <summary>What the pipeline does when runs are cancelled mid-call, samples are taken, and items keep killing their Workers.</summary>
[Collection(PipelineCollection.Name)]
public sealed class RobustnessTests(PipelineFixture fixture)
{
    [Fact]
    public async Task Run_CancelledThroughTheApiWhileACallIsInFlight_InterruptsTheCallAndRecordsItCancelled()
    {
        var admin = await fixture.Api.AdminAsync();
        var profile = await GradingApi.NewProfileAsync(admin, fixture.Fake.BaseUrl, $"sk-{Guid.NewGuid():N}");
        var project = await GradingApi.NewProjectAsync(admin);
        var (problemId, statement) = await GradingApi.NewProblemAsync(admin, project.Id);
        await GradingApi.NewSolutionsAsync(admin, problemId, ["A proof that takes the model a long time. [points 5]"]);
        // The grading call of this problem answers after 25 s (the profile's timeout is 30 s).
        var slow = TimeSpan.FromSeconds(25);
        fixture.Fake.FailWhen(r => r.SchemaName == GradingScripts.Grade && r.AllText.Contains(statement, StringComparison.Ordinal)
            ? FakeFault.Slow(slow) : null);
        try
        {
            var started = await GradingApi.StartRunAsync(admin, project.Id, profile.Id, [problemId]);
            var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (!fixture.Fake.Requests.Any(r => r.SchemaName == GradingScripts.Grade && r.AllText.Contains(statement, StringComparison.Ordinal)))
            {
                if (DateTime.UtcNow > until)
                {
                    throw new TimeoutException(fixture.WorkerLogs);
                }
                await Task.Delay(100);
            }
            var inFlight = await GradeCallsAsync(started.Id);
            inFlight.ShouldHaveSingleItem().Status.ShouldBe(StageCallStatus.InFlight);

            var cancelledAt = DateTimeOffset.UtcNow;
            (await admin.PostAsync($"/api/grading-runs/{started.Id}/cancel", null).ExpectAsync<GradingRunResponse>(HttpStatusCode.OK))
                .Status.ShouldBe("cancelled");
            var call = inFlight[0];
            while (call.Status == StageCallStatus.InFlight && DateTimeOffset.UtcNow - cancelledAt < slow)
            {
                await Task.Delay(100);
                call = (await GradeCallsAsync(started.Id)).Single();
            }

            call.Status.ShouldBe(StageCallStatus.Cancelled, fixture.WorkerLogs);
            call.Error.ShouldBe("cancelled: the run was cancelled");
            // Interrupted within a poll or two of the cancel, long before the answer would have come.
            (call.FinishedAt!.Value - cancelledAt).ShouldBeLessThan(TimeSpan.FromSeconds(5));
            var run = await GradingApi.WaitForRunAsync(admin, started.Id, fixture, "cancelled", "completed", "failed");
            run.Status.ShouldBe("cancelled");
            run.Counts.Cancelled.ShouldBe(1);
            (await fixture.ItemsAsync(started.Id)).ShouldAllBe(i => i.Status == RunItemStatus.Cancelled && i.ModelGradeId == null);
            (await fixture.GradesAsync(started.Id)).ShouldBeEmpty();
            var calls = await fixture.WithDbAsync(db => db.StageCalls.AsNoTracking().Where(c => c.RunId == started.Id).ToListAsync());
            calls.ShouldNotContain(c => c.Status == StageCallStatus.InFlight);
        }
        finally
        {
            fixture.Fake.FailWhen(null);
        }
    }

    [Fact]
    public async Task Run_WorkerStoppedWhileACallIsInFlight_ItemIsResumedElsewhereNotCancelled()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, statement) = await fixture.NewProblemAsync(projectId, references: 1);
        await fixture.NewSolutionsAsync(projectId, problemId, ["A proof graded across a Worker stop. [points 5]"]);
        // The first grading call of this problem answers 500 (the Worker that makes it logs the retry, which tells the test
        // which Worker holds the item); the retry answers after 25 s, until the Worker is stopped.
        var gradeRequests = 0;
        var slow = true;
        fixture.Fake.FailWhen(r => r.SchemaName == GradingScripts.Grade && r.AllText.Contains(statement, StringComparison.Ordinal)
            ? Interlocked.Increment(ref gradeRequests) == 1 ? FakeFault.ServerError() : Volatile.Read(ref slow) ? FakeFault.Slow(TimeSpan.FromSeconds(25)) : null
            : null);
        try
        {
            var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId]);
            var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (Volatile.Read(ref gradeRequests) < 2)
            {
                if (DateTime.UtcNow > until)
                {
                    throw new TimeoutException(fixture.WorkerLogs);
                }
                await Task.Delay(100);
            }
            var item = (await fixture.ItemsAsync(runId)).ShouldHaveSingleItem();
            var callKey = $"item:{item.Id:N}:grade:0";
            var holder = fixture.Workers.Single(w => !w.HasExited && w.Log.Contains(callKey, StringComparison.Ordinal));

            holder.Stop(TimeSpan.FromSeconds(20), out var exitCode).ShouldBeTrue(holder.Log);
            Volatile.Write(ref slow, false);
            fixture.StartWorker();
            var run = await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed, GradingRunStatus.Cancelled);

            exitCode.ShouldBe(0, holder.Log);
            run.Status.ShouldBe(GradingRunStatus.Completed);
            var graded = (await fixture.ItemsAsync(runId)).ShouldHaveSingleItem();
            graded.Status.ShouldBe(RunItemStatus.Graded);
            // The stopping Worker cancels its slice: the call in flight is recorded Cancelled (never reused), the item is
            // handed back without spending an attempt, and another Worker grades it; the run is not cancelled.
            graded.Attempts.ShouldBe(1);
            var calls = (await GradeCallsAsync(runId)).OrderBy(c => c.Attempt).ToList();
            calls.Select(c => c.Status).ShouldBe([StageCallStatus.Failed, StageCallStatus.Cancelled, StageCallStatus.Succeeded]);
            (await fixture.GradesAsync(runId)).ShouldHaveSingleItem().Points.ShouldBe(5m);
        }
        finally
        {
            fixture.Fake.FailWhen(null);
        }
    }

    [Fact]
    public async Task Run_WithThreeSamples_MakesTheSamplesSideBySideAndStoresAllThree()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync(maxConcurrency: 8);
        var (problemId, statement) = await fixture.NewProblemAsync(projectId, references: 1);
        await fixture.NewSolutionsAsync(projectId, problemId, ["A proof worth four points. [points 4]"]);
        // Every grading call of this problem takes 2 s: three in a row would take 6 s.
        var latency = TimeSpan.FromSeconds(2);
        fixture.Fake.FailWhen(r => r.SchemaName == GradingScripts.Grade && r.AllText.Contains(statement, StringComparison.Ordinal)
            ? FakeFault.Slow(latency) : null);
        try
        {
            var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId], samples: 3);
            var run = await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed, GradingRunStatus.Cancelled);

            run.Status.ShouldBe(GradingRunStatus.Completed);
            var item = (await fixture.ItemsAsync(runId)).ShouldHaveSingleItem();
            item.Status.ShouldBe(RunItemStatus.Graded);
            var calls = await GradeCallsAsync(runId);
            calls.Select(c => (c.Sample, c.CallKey, c.Status)).OrderBy(c => c.Sample).ShouldBe(
                [.. Enumerable.Range(0, 3).Select(s => (s, $"item:{item.Id:N}:grade:{s}", StageCallStatus.Succeeded))]);
            // Side by side: each sample started before any of them had finished, and the item took about one latency.
            calls.Max(c => c.StartedAt).ShouldBeLessThan(calls.Min(c => c.FinishedAt!.Value));
            (item.FinishedAt!.Value - item.StartedAt!.Value).ShouldBeLessThan(latency * 2);
            var grade = (await fixture.GradesAsync(runId)).ShouldHaveSingleItem();
            grade.Points.ShouldBe(4m);
            using var provenance = JsonDocument.Parse(grade.Provenance);
            var samples = provenance.RootElement.GetProperty("samples").EnumerateArray().ToList();
            samples.Select(s => s.GetProperty("index").GetInt32()).ShouldBe([0, 1, 2]);
            samples.ShouldAllBe(s => s.GetProperty("valid").GetBoolean());
            samples.Select(s => Guid.Parse(s.GetProperty("stageCallId").GetString()!)).ShouldBe(calls.OrderBy(c => c.Sample).Select(c => c.Id));
        }
        finally
        {
            fixture.Fake.FailWhen(null);
        }
    }

    [Fact]
    public async Task Run_ItemWhoseWorkerDiedAtEveryAttempt_IsGivenUpAndTheRunCompletes()
    {
        var admin = await fixture.Api.AdminAsync();
        var profile = await GradingApi.NewProfileAsync(admin, fixture.Fake.BaseUrl, $"sk-{Guid.NewGuid():N}");
        var project = await GradingApi.NewProjectAsync(admin);
        var (problemId, _) = await GradingApi.NewProblemAsync(admin, project.Id);
        var solutionIds = await GradingApi.NewSolutionsAsync(admin, problemId, ["The poison solution. [points 2]", "A sound proof. [points 6]"]);
        // The run waits for its rubric's approval, with its items planned and nobody grading them yet.
        var started = await GradingApi.StartRunAsync(admin, project.Id, profile.Id, [problemId], requireRubricApproval: true);
        var waiting = await GradingApi.WaitForRunAsync(admin, started.Id, fixture, "awaitingRubricApproval", "completed", "failed");
        waiting.Status.ShouldBe("awaitingRubricApproval");
        // What five Workers that died while grading it leave behind: Running, five attempts, and no lock held.
        var poison = (await fixture.ItemsAsync(started.Id)).Single(i => i.SolutionId == solutionIds[0]);
        await fixture.WithDbAsync(db => db.GradingRunItems.Where(i => i.Id == poison.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, RunItemStatus.Running).SetProperty(i => i.Attempts, 5)));

        (await admin.PostAsJsonAsync($"/api/rubrics/{waiting.RubricsAwaitingApproval.Single().RubricId}/approve", new { }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        var done = await GradingApi.WaitForRunAsync(admin, started.Id, fixture, "completed", "failed", "cancelled");

        done.Status.ShouldBe("completed");
        done.Counts.Graded.ShouldBe(1);
        done.Counts.Failed.ShouldBe(1);
        var failure = done.Failures.ShouldHaveSingleItem();
        failure.SolutionId.ShouldBe(solutionIds[0]);
        failure.Error.ShouldBe("gave up after 5 attempts: each time, the Worker grading it died before it finished");
        failure.Attempts.ShouldBe(5);
        // It was not started a sixth time: no model call was made for it.
        (await fixture.WithDbAsync(db => db.StageCalls.CountAsync(c => c.RunItemId == poison.Id))).ShouldBe(0);
        (await fixture.GradesAsync(started.Id)).ShouldHaveSingleItem().SolutionId.ShouldBe(solutionIds[1]);

        // A person retrying the run gives the item a fresh allowance (it is no poison after all).
        (await admin.PostAsync($"/api/grading-runs/{started.Id}/retry-failed", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var retried = await GradingApi.WaitForRunAsync(admin, started.Id, fixture, "completed", "failed", "cancelled");
        retried.Status.ShouldBe("completed");
        retried.Counts.Graded.ShouldBe(2);
        var regraded = (await fixture.ItemsAsync(started.Id)).Single(i => i.Id == poison.Id);
        regraded.Status.ShouldBe(RunItemStatus.Graded);
        regraded.Attempts.ShouldBe(1);
        regraded.LastError.ShouldBeNull();
    }

    private Task<List<StageCall>> GradeCallsAsync(Guid runId) =>
        fixture.WithDbAsync(db => db.StageCalls.AsNoTracking().Where(c => c.RunId == runId && c.Stage == Stages.Grade).ToListAsync());
}
