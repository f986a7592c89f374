using GradingPortal.Domain.Grading;
using Microsoft.EntityFrameworkCore;

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
            var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId]);
            var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while ((await fixture.ItemsAsync(runId)).Count(i => i.Status == RunItemStatus.Graded) < 4)
            {
                if (DateTime.UtcNow > until)
                {
                    throw new TimeoutException(fixture.WorkerLogs);
                }
                await Task.Delay(100);
            }
            doomed.Kill();

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
}
