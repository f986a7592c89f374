using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GradingPortal.Api.Tests;

/// <summary>
/// Setup for grading-run tests: model profiles through the API, and the rows a Worker would write (planned items, stage
/// calls, model grades) straight through Domain and the DbContext, since no Worker runs inside these tests.
/// </summary>
internal static class PipelineRows
{
    public const string SecretKey = "sk-test-9f3c1d2e-never-show-me";

    public static async Task<JsonElement> CreateProfileAsync(HttpClient admin, string? name = null, string? apiKey = SecretKey,
        string baseUrl = "http://127.0.0.1:9/v1", Guid[]? allowedProjectIds = null, decimal? dailySpendingCap = null, decimal? runSpendingCap = null) =>
        await admin.PostAsJsonAsync("/api/model-profiles", new
        {
            name = name ?? $"Profile {Guid.NewGuid():N}"[..20],
            baseUrl,
            model = "fake-model-1",
            apiKey,
            temperature = 0.1,
            maxOutputTokens = 4000,
            maxConcurrency = 8,
            prices = new { input = 1.25m, cachedInput = 0.125m, output = 10m },
            allowedProjectIds,
            dailySpendingCap,
            runSpendingCap,
        }).ExpectAsync(HttpStatusCode.Created);

    public static object RunBody(Guid projectId, Guid profileId, Guid[]? problemIds = null, Guid[]? solutionIds = null, string workflow = "absolute",
        string? rubricDesign = null, int? samples = null, bool requireRubricApproval = false, Dictionary<string, string>? prompts = null) => new
        {
            projectId, problemIds, solutionIds, workflow, rubricDesign, modelProfileId = profileId, samples, requireRubricApproval, prompts,
        };

    public static async Task WithDbAsync(this ApiFactory api, Func<GradingDbContext, Task> action)
    {
        using var scope = api.Services.CreateScope();
        await action(scope.ServiceProvider.GetRequiredService<GradingDbContext>());
    }

    public static async Task<T> WithDbAsync<T>(this ApiFactory api, Func<GradingDbContext, Task<T>> action)
    {
        using var scope = api.Services.CreateScope();
        return await action(scope.ServiceProvider.GetRequiredService<GradingDbContext>());
    }

    // A PlanRun job of the run in Hangfire's storage: its method in the invocation data, the run id among its arguments.
    private const string PlanRunJobs = $"""
        FROM {JobSchema.Name}.job WHERE invocationdata::text LIKE '%"PlanRun"%' AND arguments::text LIKE '%' || @id || '%'
        """;

    /// <summary>Whether a PlanRun job for the run waits in Hangfire's queue (the Api's only hand-over to Workers).</summary>
    public static async Task<bool> StartRunJobExistsAsync(this ApiFactory api, Guid runId)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) {PlanRunJobs} AND statename IN ('Enqueued', 'Scheduled', 'Processing')", connection);
        command.Parameters.AddWithValue("id", runId.ToString());
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    public static async Task DeleteStartRunJobAsync(this ApiFactory api, Guid runId)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            DELETE FROM {JobSchema.Name}.jobqueue WHERE jobid IN (SELECT id {PlanRunJobs});
            DELETE {PlanRunJobs};
            """, connection);
        command.Parameters.AddWithValue("id", runId.ToString());
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>What the Worker's planning does: one item per solution and one preparation row per problem, in the given states.</summary>
    public static Task<List<Guid>> PlanAsync(this ApiFactory api, Guid runId, IReadOnlyList<(Guid ProblemId, Guid SolutionId, RunItemStatus Status)> items,
        GradingRunStatus status = GradingRunStatus.Running) => api.WithDbAsync(async db =>
    {
        var run = await db.GradingRuns.FirstAsync(r => r.Id == runId);
        run.StartPreparing(run.Configuration, DateTimeOffset.UtcNow);
        switch (status)
        {
            case GradingRunStatus.Running:
                run.MarkRunning();
                break;
            case GradingRunStatus.AwaitingRubricApproval:
                run.AwaitRubricApproval();
                break;
            case GradingRunStatus.Completed:
                run.MarkRunning();
                run.Complete(DateTimeOffset.UtcNow);
                break;
        }
        foreach (var problemId in items.Select(i => i.ProblemId).Distinct())
        {
            db.GradingRunProblems.Add(new GradingRunProblem(runId, problemId) { Status = RunProblemStatus.Ready });
        }
        var ids = new List<Guid>();
        foreach (var (problemId, solutionId, itemStatus) in items)
        {
            var item = new GradingRunItem(runId, run.ProjectId, problemId, solutionId)
            {
                Status = itemStatus,
                Attempts = itemStatus == RunItemStatus.Pending ? 0 : 1,
                LastError = itemStatus == RunItemStatus.Failed ? "HTTP 500 from the model endpoint after 4 attempts" : null,
            };
            db.GradingRunItems.Add(item);
            ids.Add(item.Id);
        }
        await db.SaveChangesAsync();
        return ids;
    });

    /// <summary>A valid model grade of the solution with one finding quoting <paramref name="quote"/>, and its grading stage call.</summary>
    public static Task<Guid> AddModelGradeAsync(this ApiFactory api, Guid solutionId, Guid? runId, string quote = "n be even",
        string provenance = """{"workflow":"absolute"}""") => api.WithDbAsync(async db =>
    {
        var solution = await db.Solutions.AsNoTracking().FirstAsync(s => s.Id == solutionId);
        var now = DateTimeOffset.UtcNow;
        var grade = ModelGrade.CreateValid(solution.ProjectId, solutionId, solution.Text, 7, "absolute", "fake-model-1", runId, null, 3,
            [new ModelItemAwardInput(null, "Key lemma", 3, 3, "The lemma is stated and proved."), new ModelItemAwardInput(null, "Finish", 0, 4, "Only even n.")],
            [new ModelFindingInput("proof-by-example", "proof-by-example", Severity.Major, quote, null, "Checks one case only.", null, null)],
            "Partial progress.", "The lemma holds; the conclusion does not follow.", """{"points":3}""", provenance, null, now);
        db.ModelGrades.Add(grade);
        var profileId = runId is null ? Guid.Empty : await db.GradingRuns.Where(r => r.Id == runId).Select(r => r.ModelProfileId).FirstAsync();
        if (runId is not null)
        {
            var call = new StageCall($"{runId:N}:{solutionId:N}:grade:0", 1, solution.ProjectId, runId, null, solution.ProblemId, solutionId,
                Stages.Grade, "grade-absolute.v1", new string('a', 64), profileId, """{"name":"p","model":"fake-model-1"}""",
                """[{"role":"system","content":"Grade the proof."},{"role":"user","content":"<solution>...</solution>"}]""", now)
            {
                ModelGradeId = grade.Id,
                Status = StageCallStatus.Succeeded,
                RawResponse = """{"choices":[{"message":{"content":"{\"points\":3}"}}]}""",
                Parsed = """{"points":3}""",
                InputTokens = 1200,
                CachedInputTokens = 1000,
                OutputTokens = 300,
                ReasoningTokens = 100,
                LatencyMs = 840,
                Cost = 0.0042m,
                FinishReason = "stop",
                FinishedAt = now,
            };
            db.StageCalls.Add(call);
        }
        await db.SaveChangesAsync();
        return grade.Id;
    });
}
