using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using GradingPortal.Api.Contracts;
using GradingPortal.Domain.Grading;
using GradingPortal.Testing.FakeOpenAi;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GradingPortal.Grading.Tests.Pipeline;

/// <summary>
/// Runs driven only through the real Api (profiles, projects, problems, solutions, runs, rubrics, model grades) and
/// executed by the real Worker processes against the fake model server.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed partial class ApiEndToEndTests(PipelineFixture fixture)
{
    [Fact]
    public async Task FiveStageRun_StartedThroughTheApi_CompletesWithGradesStageCallsAndTheKeyNowhere()
    {
        var admin = await fixture.Api.AdminAsync();
        var apiKey = $"sk-e2e-{Guid.NewGuid():N}";
        var profile = await GradingApi.NewProfileAsync(admin, fixture.Fake.BaseUrl, apiKey);
        profile.HasStoredKey.ShouldBeTrue();
        (await admin.GetAsync($"/api/model-profiles/{profile.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.GetAsync("/api/model-profiles")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.PostAsync($"/api/model-profiles/{profile.Id}/test", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var project = await GradingApi.NewProjectAsync(admin);
        var (problemId, statement) = await GradingApi.NewProblemAsync(admin, project.Id, references: 2);
        var solutionIds = await GradingApi.NewSolutionsAsync(admin, problemId,
        [
            "The first line is where it goes wrong. [error] [points 4] [approach 1]\nThe rest follows.",
            "A complete proof by the second route. [approach 2] [points 7]",
            "A partial attempt. [points 2]",
        ]);

        var started = await GradingApi.StartRunAsync(admin, project.Id, profile.Id, [problemId]);
        // An idle Worker takes the planning job within milliseconds (long polling), so the answer may already show it.
        started.Status.ShouldBeOneOf("queued", "preparing", "running");
        var run = await GradingApi.WaitForRunAsync(admin, started.Id, fixture, "completed", "failed", "cancelled");

        run.Status.ShouldBe("completed");
        run.Counts.ShouldBe(new RunItemCounts(3, 0, 0, 3, 0, 0, 0));
        run.Failures.ShouldBeEmpty();
        run.StartedAt.ShouldNotBeNull();
        run.FinishedAt.ShouldNotBeNull();
        run.Tokens.Input.ShouldBeGreaterThan(0);
        run.Tokens.Output.ShouldBeGreaterThan(0);
        run.Cost.ShouldBeGreaterThan(0m);
        var succeeded = await fixture.WithDbAsync(db => db.StageCalls.CountAsync(c => c.RunId == started.Id && c.Status == StageCallStatus.Succeeded));
        run.Calls.ShouldBeGreaterThanOrEqualTo(succeeded);
        succeeded.ShouldBeGreaterThan(0);

        foreach (var solutionId in solutionIds)
        {
            var grades = await admin.GetAsync($"/api/solutions/{solutionId}/model-grades").ExpectAsync<List<ModelGradeResponse>>(HttpStatusCode.OK);
            var grade = grades.ShouldHaveSingleItem();
            grade.Status.ShouldBe("valid");
            grade.RunId.ShouldBe(started.Id);
            grade.Items.ShouldNotBeEmpty();
            grade.Points.ShouldBe(grade.Items.Sum(i => i.Points));

            var full = await admin.GetAsync($"/api/model-grades/{grade.Id}").ExpectAsync<ModelGradeResponse>(HttpStatusCode.OK);
            full.StageCalls.ShouldNotBeNull().ShouldNotBeEmpty();
            full.StageCalls.ShouldContain(c => c.Stage == Stages.Grade && c.Status == "succeeded");
            full.StageCalls.ShouldAllBe(c => c.PromptName.Length > 0 && Sha256().IsMatch(c.PromptSha256));
        }
        var withError = await admin.GetAsync($"/api/solutions/{solutionIds[0]}/model-grades").ExpectAsync<List<ModelGradeResponse>>(HttpStatusCode.OK);
        var finding = withError.ShouldHaveSingleItem().Findings.ShouldHaveSingleItem();
        finding.Quote.ShouldStartWith("The first line is where it goes wrong.");
        finding.Start.ShouldBe(0);

        // The stored key was what the Worker sent, and only there: no response, log line or stored row carries it.
        var requests = fixture.Fake.Requests.Where(r => r.AllText.Contains(statement, StringComparison.Ordinal)).ToList();
        requests.ShouldNotBeEmpty();
        requests.ShouldAllBe(r => r.Authorization == $"Bearer {apiKey}");
        fixture.Api.ResponseBodies.ShouldNotBeEmpty();
        fixture.Api.ResponseBodies.ShouldAllBe(body => !body.Contains(apiKey, StringComparison.Ordinal));
        fixture.WorkerLogs.ShouldNotContain(apiKey);
        fixture.Api.Log.ShouldNotContain(apiKey);
        var rowsWithKey = await RowsContainingAsync(apiKey);
        rowsWithKey.Keys.ShouldContain("stage_calls");
        rowsWithKey.Keys.ShouldContain("audit_events");
        rowsWithKey.Keys.ShouldContain("model_profiles");
        rowsWithKey.Where(t => t.Value > 0).ShouldBeEmpty();
    }

    [Fact]
    public async Task Run_CancelledMidWay_GradesNothingMoreAndCancelsWhatWasPending()
    {
        var admin = await fixture.Api.AdminAsync();
        var profile = await GradingApi.NewProfileAsync(admin, fixture.Fake.BaseUrl, $"sk-{Guid.NewGuid():N}", maxConcurrency: 2);
        var project = await GradingApi.NewProjectAsync(admin);
        var (problemId, statement) = await GradingApi.NewProblemAsync(admin, project.Id);
        await GradingApi.NewSolutionsAsync(admin, problemId, Enumerable.Range(0, 12).Select(i => $"Attempt {i}. [points {i % 8}]"));
        fixture.Fake.Latency = TimeSpan.FromMilliseconds(250);
        try
        {
            var started = await GradingApi.StartRunAsync(admin, project.Id, profile.Id, [problemId]);
            var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while ((await GradingApi.GetRunAsync(admin, started.Id)).Counts.Graded < 2)
            {
                if (DateTime.UtcNow > until)
                {
                    throw new TimeoutException(fixture.WorkerLogs);
                }
                await Task.Delay(100);
            }

            var cancelled = await admin.PostAsync($"/api/grading-runs/{started.Id}/cancel", null).ExpectAsync<GradingRunResponse>(HttpStatusCode.OK);
            cancelled.Status.ShouldBe("cancelled");
            cancelled.Counts.Pending.ShouldBe(0);
            cancelled.Counts.Running.ShouldBe(0);
            (await admin.PostAsync($"/api/grading-runs/{started.Id}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);

            // Calls that were in flight finish; then nothing moves any more.
            await QuietAsync(statement);
            var settledRequests = RequestCount(statement);
            var settledGrades = (await fixture.GradesAsync(started.Id)).Count;
            var settled = await GradingApi.GetRunAsync(admin, started.Id);
            await Task.Delay(TimeSpan.FromSeconds(2));
            var later = await GradingApi.GetRunAsync(admin, started.Id);

            RequestCount(statement).ShouldBe(settledRequests);
            (await fixture.GradesAsync(started.Id)).Count.ShouldBe(settledGrades);
            later.Status.ShouldBe("cancelled");
            later.Counts.ShouldBe(settled.Counts);
            later.Counts.Graded.ShouldBeGreaterThanOrEqualTo(2);
            later.Counts.Cancelled.ShouldBeGreaterThan(0);
            (later.Counts.Graded + later.Counts.Cancelled).ShouldBe(12);
            var items = await fixture.ItemsAsync(started.Id);
            items.Where(i => i.Status == RunItemStatus.Graded).ShouldAllBe(i => i.ModelGradeId != null);
            items.ShouldAllBe(i => i.Status == RunItemStatus.Graded || i.Status == RunItemStatus.Cancelled);
        }
        finally
        {
            fixture.Fake.Latency = TimeSpan.FromMilliseconds(20);
        }
    }

    [Fact]
    public async Task Run_WithCallsFailingPastTheirRetries_RetryFailedGradesEveryItemWithoutRepeatingACall()
    {
        var admin = await fixture.Api.AdminAsync();
        var profile = await GradingApi.NewProfileAsync(admin, fixture.Fake.BaseUrl, $"sk-{Guid.NewGuid():N}");
        var project = await GradingApi.NewProjectAsync(admin);
        // Two references, so each solution's steps are extracted (to match it to a cluster) before it is graded.
        var (problemId, statement) = await GradingApi.NewProblemAsync(admin, project.Id, references: 2);
        var flaky = await GradingApi.NewSolutionsAsync(admin, problemId, Enumerable.Range(0, 3).Select(i => $"Flaky attempt {i}. [flaky] [points 3]"));
        var steady = await GradingApi.NewSolutionsAsync(admin, problemId, Enumerable.Range(0, 3).Select(i => $"Steady attempt {i}. [points 5]"));
        // Every grading call of a [flaky] solution answers 500, on every attempt (the Workers make 3).
        fixture.Fake.FailWhen(r => r.SchemaName == GradingScripts.Grade && r.AllText.Contains(statement, StringComparison.Ordinal)
            && r.AllText.Contains("[flaky]", StringComparison.Ordinal) ? FakeFault.ServerError() : null);
        try
        {
            var started = await GradingApi.StartRunAsync(admin, project.Id, profile.Id, [problemId]);
            var first = await GradingApi.WaitForRunAsync(admin, started.Id, fixture, "completed", "failed", "cancelled");

            first.Status.ShouldBe("completed");
            first.Counts.ShouldBe(new RunItemCounts(6, 0, 0, 3, 0, 3, 0));
            first.Failures.Select(f => f.SolutionId).ShouldBe(flaky, ignoreOrder: true);
            first.Failures.ShouldAllBe(f => f.Status == "failed" && !string.IsNullOrWhiteSpace(f.Error));
            fixture.Fake.FailWhen(null);

            var retried = await admin.PostAsync($"/api/grading-runs/{started.Id}/retry-failed", null).ExpectAsync<GradingRunResponse>(HttpStatusCode.Accepted);
            retried.Status.ShouldBe("running");
            retried.Counts.Pending.ShouldBe(3);
            var second = await GradingApi.WaitForRunAsync(admin, started.Id, fixture, "completed", "failed", "cancelled");

            second.Status.ShouldBe("completed");
            second.Counts.ShouldBe(new RunItemCounts(6, 0, 0, 6, 0, 0, 0));
            second.Failures.ShouldBeEmpty();
            var grades = await fixture.GradesAsync(started.Id);
            grades.Select(g => g.SolutionId).ShouldBe(flaky.Concat(steady), ignoreOrder: true);
            var calls = await fixture.WithDbAsync(db => db.StageCalls.AsNoTracking().Where(c => c.RunId == started.Id).ToListAsync());
            calls.Where(c => c.Status == StageCallStatus.Succeeded).GroupBy(c => c.CallKey).ShouldAllBe(g => g.Count() == 1);
            calls.Count(c => c.Stage == Stages.Grade && c.Status == StageCallStatus.Succeeded).ShouldBe(6);
            calls.Count(c => c.Stage == Stages.Grade && c.Status != StageCallStatus.Succeeded).ShouldBeGreaterThanOrEqualTo(3);
            // The steps of the flaky solutions were extracted once, before their grading failed, and not again on retry.
            fixture.RequestsFor(statement)[GradingScripts.ExtractSteps].ShouldBe(6);
        }
        finally
        {
            fixture.Fake.FailWhen(null);
        }
    }

    [Fact]
    public async Task Run_RequiringRubricApproval_WaitsUntilTheDraftIsApprovedThroughTheApi()
    {
        var admin = await fixture.Api.AdminAsync();
        var profile = await GradingApi.NewProfileAsync(admin, fixture.Fake.BaseUrl, $"sk-{Guid.NewGuid():N}");
        var project = await GradingApi.NewProjectAsync(admin);
        var (problemId, statement) = await GradingApi.NewProblemAsync(admin, project.Id);
        await GradingApi.NewSolutionsAsync(admin, problemId, ["Proof one. [points 6]", "Proof two. [points 1]"]);

        var started = await GradingApi.StartRunAsync(admin, project.Id, profile.Id, [problemId], requireRubricApproval: true);
        var waiting = await GradingApi.WaitForRunAsync(admin, started.Id, fixture, "awaitingRubricApproval", "completed", "failed");

        waiting.Status.ShouldBe("awaitingRubricApproval");
        waiting.Counts.Pending.ShouldBe(2);
        var pending = waiting.RubricsAwaitingApproval.ShouldHaveSingleItem();
        pending.ProblemId.ShouldBe(problemId);
        fixture.RequestsFor(statement).GetValueOrDefault(GradingScripts.Grade).ShouldBe(0);

        (await admin.PostAsJsonAsync($"/api/rubrics/{pending.RubricId}/approve", new { })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var done = await GradingApi.WaitForRunAsync(admin, started.Id, fixture, "completed", "failed", "cancelled");

        done.Status.ShouldBe("completed");
        done.Counts.Graded.ShouldBe(2);
        done.RubricsAwaitingApproval.ShouldBeEmpty();
        var grades = await fixture.GradesAsync(started.Id);
        grades.Select(g => g.Points).ShouldBe([6m, 1m], ignoreOrder: true);
        grades.ShouldAllBe(g => g.RubricId == pending.RubricId);
        fixture.RequestsFor(statement)[GradingScripts.Rubric].ShouldBe(1);
    }

    [Fact]
    public async Task Run_FailedBeforeItWasPlanned_RetryFailedThroughTheApiPlansAndGradesIt()
    {
        var admin = await fixture.Api.AdminAsync();
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, _) = await fixture.NewProblemAsync(projectId, references: 1);
        var solutionIds = await fixture.NewSolutionsAsync(projectId, problemId, ["One. [points 4]", "Two. [points 6]"]);
        await SetProfileDeletedAsync(profileId, true);
        var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId]);
        var failed = await GradingApi.WaitForRunAsync(admin, runId, fixture, "failed", "completed");
        failed.Status.ShouldBe("failed");
        failed.Counts.Total.ShouldBe(0);
        failed.StartedAt.ShouldBeNull();

        // The profile is back (as if the deletion were undone); retrying plans the run from scratch.
        await SetProfileDeletedAsync(profileId, false);
        var retried = await admin.PostAsync($"/api/grading-runs/{runId}/retry-failed", null).ExpectAsync<GradingRunResponse>(HttpStatusCode.Accepted);
        retried.Status.ShouldBe("queued");
        retried.Error.ShouldBeNull();
        var done = await GradingApi.WaitForRunAsync(admin, runId, fixture, "completed", "failed", "cancelled");

        done.Status.ShouldBe("completed");
        done.Counts.ShouldBe(new RunItemCounts(2, 0, 0, 2, 0, 0, 0));
        done.StartedAt.ShouldNotBeNull();
        (await fixture.GradesAsync(runId)).Select(g => g.SolutionId).ShouldBe(solutionIds, ignoreOrder: true);
        var configuration = await fixture.WithDbAsync(db => db.GradingRuns.Where(r => r.Id == runId).Select(r => r.Configuration).SingleAsync());
        configuration.ShouldContain("sha256");
    }

    [Fact]
    public async Task StartRun_RunningRunWithoutItems_PlansItAndGradesEverySolution()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, _) = await fixture.NewProblemAsync(projectId, references: 1);
        await fixture.NewSolutionsAsync(projectId, problemId, ["One. [points 3]", "Two. [points 5]", "Three. [points 7]"]);
        var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId], enqueue: false);
        // A run whose status moved on without it ever being planned (reopened by a retry before the Worker got to it).
        await fixture.WithDbAsync(db => db.GradingRuns.Where(r => r.Id == runId)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, GradingRunStatus.Running)));

        await fixture.EnqueuePlanRunAsync(runId);
        var run = await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed, GradingRunStatus.Cancelled);

        run.Status.ShouldBe(GradingRunStatus.Completed);
        var items = await fixture.ItemsAsync(runId);
        items.Count.ShouldBe(3);
        items.ShouldAllBe(i => i.Status == RunItemStatus.Graded);
        (await fixture.WithDbAsync(db => db.GradingRunProblems.CountAsync(p => p.RunId == runId))).ShouldBe(1);
        (await fixture.GradesAsync(runId)).Count.ShouldBe(3);
    }

    /// <summary>Rows of every table whose text form contains <paramref name="secret"/>, per table.</summary>
    private async Task<Dictionary<string, long>> RowsContainingAsync(string secret)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var counts = new Dictionary<string, long>();
        foreach (var table in tables)
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM \"{table}\" AS t WHERE t::text LIKE '%' || $1 || '%'", connection);
            count.Parameters.AddWithValue(secret);
            counts[table] = (long)(await count.ExecuteScalarAsync())!;
        }
        return counts;
    }

    private Task SetProfileDeletedAsync(Guid profileId, bool deleted) => fixture.WithDbAsync(db =>
        db.ModelProfiles.Where(p => p.Id == profileId).ExecuteUpdateAsync(s => s.SetProperty(p => p.IsDeleted, deleted)));

    private int RequestCount(string statement) => fixture.Fake.Requests.Count(r => r.AllText.Contains(statement, StringComparison.Ordinal));

    /// <summary>Waits until the fake has received no request for this problem for a while (calls in flight have ended).</summary>
    private async Task QuietAsync(string statement)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        var last = RequestCount(statement);
        var quietSince = DateTime.UtcNow;
        while (DateTime.UtcNow - quietSince < TimeSpan.FromSeconds(1.5) || fixture.Fake.Stats.InFlight > 0)
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Requests for the cancelled run kept coming.\n{fixture.WorkerLogs}");
            }
            await Task.Delay(100);
            var now = RequestCount(statement);
            if (now != last)
            {
                last = now;
                quietSince = DateTime.UtcNow;
            }
        }
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256();
}
