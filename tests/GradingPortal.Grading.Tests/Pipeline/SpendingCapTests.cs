using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Models;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Grading.Tests.Pipeline;

/// <summary>
/// Spending caps enforced by the real Worker processes (two of them) against the fake model: a run that reaches its
/// profile's per-run or daily cap stops calling the model and ends cancelled with the reason.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class SpendingCapTests(PipelineFixture fixture)
{
    private const int Solutions = 60;

    [Fact]
    public async Task Run_ReachingThePerRunCap_EndsCancelledWithTheReasonAndStopsCalling()
    {
        // One call at a time across both Workers, so the run lasts well beyond the Workers' poll of its spending.
        var profileId = await NewCappedProfileAsync(runCap: 0.0001m, dailyCap: null);
        var (runId, statement) = await StartAsync(profileId);

        var run = await fixture.WaitForRunAsync(runId, GradingRunStatus.Cancelled, GradingRunStatus.Completed, GradingRunStatus.Failed);

        run.Status.ShouldBe(GradingRunStatus.Cancelled);
        run.Error.ShouldBe(ModelSpending.RunCapReached);
        await AssertStoppedAsync(runId, statement);
        var spent = await fixture.WithDbAsync(db => db.StageCalls.Where(c => c.RunId == runId).SumAsync(c => c.Cost));
        spent.ShouldBeGreaterThanOrEqualTo(0.0001m);
    }

    [Fact]
    public async Task Run_OnAProfileWhoseDailyCapIsSpent_EndsCancelledWithTheReasonAndStopsCalling()
    {
        var profileId = await NewCappedProfileAsync(runCap: null, dailyCap: 1m);
        var projectId = await fixture.NewProjectAsync();
        var (problemId, _) = await fixture.NewProblemAsync(projectId, references: 1);
        // Spent today by earlier work on the profile (the Api's estimate check is bypassed: the run is created directly).
        await fixture.WithDbAsync(async db =>
        {
            db.StageCalls.Add(new StageCall($"earlier:{Guid.NewGuid():N}", 1, projectId, null, null, problemId, null, Stages.Grade, "grade-absolute.v1",
                new string('a', 64), profileId, "{}", "[]", DateTimeOffset.UtcNow) { Status = StageCallStatus.Succeeded, Cost = 1m });
            return await db.SaveChangesAsync();
        });
        var (runId, statement) = await StartAsync(profileId, projectId, problemId);

        var run = await fixture.WaitForRunAsync(runId, GradingRunStatus.Cancelled, GradingRunStatus.Completed, GradingRunStatus.Failed);

        run.Status.ShouldBe(GradingRunStatus.Cancelled);
        run.Error.ShouldBe(ModelSpending.DailyCapReached);
        await AssertStoppedAsync(runId, statement);
    }

    private async Task<(Guid RunId, string Statement)> StartAsync(Guid profileId, Guid? project = null, Guid? problem = null)
    {
        var projectId = project ?? await fixture.NewProjectAsync();
        var (problemId, statement) = problem is { } known
            ? (known, await fixture.WithDbAsync(db => db.Problems.Where(p => p.Id == known).Select(p => p.Statement).FirstAsync()))
            : await fixture.NewProblemAsync(projectId, references: 1);
        await fixture.NewSolutionsAsync(projectId, problemId, Enumerable.Range(0, Solutions).Select(i => $"Attempt {i}: a partial argument. [points 2]"));
        return (await fixture.StartRunAsync(projectId, profileId, Workflows.Absolute, [problemId]), statement);
    }

    /// <summary>Every item ends (none graded after the stop is pending or running), not all were graded, and no call follows.</summary>
    private async Task AssertStoppedAsync(Guid runId, string statement)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        List<GradingRunItem> items;
        while (true)
        {
            items = await fixture.ItemsAsync(runId);
            if (items.All(i => i.IsTerminal) || DateTime.UtcNow > until)
            {
                break;
            }
            await Task.Delay(200);
        }
        items.ShouldAllBe(i => i.IsTerminal);
        items.Count(i => i.Status == RunItemStatus.Cancelled).ShouldBeGreaterThan(0);
        items.Count(i => i.Status == RunItemStatus.Graded).ShouldBeLessThan(Solutions);
        // A call a Worker started before its next look at the run's state (every 500 ms) may still be on its way.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var before = Requests(statement);
        before.ShouldBeLessThan(Solutions);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Requests(statement).ShouldBe(before, "no model call after the run stopped");
    }

    private int Requests(string statement) => fixture.Fake.Requests.Count(r => r.AllText.Contains(statement, StringComparison.Ordinal));

    private Task<Guid> NewCappedProfileAsync(decimal? runCap, decimal? dailyCap) => fixture.WithDbAsync(async db =>
    {
        var settings = new ModelProfileSettings($"capped {Guid.NewGuid():N}", fixture.Fake.BaseUrl, "fake-model", 0.1, "low", 4000, 30, 1, null,
            new ModelPrices(1m, 0.25m, 4m), StructuredOutputMode.JsonSchema, dailyCap, runCap);
        var profile = ModelProfile.Create(settings, null, null, null, DateTimeOffset.UtcNow);
        db.ModelProfiles.Add(profile);
        await db.SaveChangesAsync();
        return profile.Id;
    });
}
