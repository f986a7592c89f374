using System.Text.Json;
using GradingPortal.Domain.Grading;
using GradingPortal.Testing.FakeOpenAi;
using GradingPortal.Worker.Grading;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Grading.Tests.Pipeline;

/// <summary>
/// The grading prompt's layout as the fake model receives it from the real Workers: with the default layout every
/// solution of a problem is sent the same text up to a short note naming its approach; a run grades with the prompts it
/// was created with.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class PromptLayoutTests(PipelineFixture fixture)
{
    [Theory]
    [InlineData(Workflows.FiveStage)]
    [InlineData(Workflows.ThreeStage)]
    public async Task DefaultLayout_SolutionsMatchedToDifferentApproaches_GradingRequestsAreIdenticalUpToTheApproachNote(string workflow)
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, statement) = await fixture.NewProblemAsync(projectId, references: 3);
        var solutionIds = await fixture.NewSolutionsAsync(projectId, problemId,
        [
            "First route. [approach 1] [points 5]",
            "Second route, done well. [approach 2] [points 6]",
            "Third route. [approach 3] [points 2]",
            "Second route again. [approach 2] [points 3]",
        ]);

        var runId = await fixture.StartRunAsync(projectId, profileId, workflow, [problemId]);
        var run = await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed);

        run.Status.ShouldBe(GradingRunStatus.Completed, run.Error);
        var gradePrompt = PromptLibrary.Default.Get(run.PromptOf(Stages.Grade));
        gradePrompt.ShowsAllApproaches.ShouldBeTrue();
        var items = await fixture.ItemsAsync(runId);
        items.OrderBy(i => solutionIds.IndexOf(i.SolutionId)).Select(i => i.ClusterIndex).ShouldBe([0, 1, 2, 1]);

        // What the Workers stored as sent (the bench measures these) and what the fake received agree, call by call.
        var calls = await fixture.WithDbAsync(db => db.StageCalls.AsNoTracking()
            .Where(c => c.RunId == runId && c.Stage == Stages.Grade && c.Status == StageCallStatus.Succeeded).ToListAsync());
        calls.Count.ShouldBe(4);
        calls.ShouldAllBe(c => c.PromptName == gradePrompt.Name && c.PromptSha256 == gradePrompt.Sha256);
        var received = fixture.Fake.Requests.Where(r => r.SchemaName == GradingScripts.Grade && r.AllText.Contains(statement, StringComparison.Ordinal))
            .ToList();
        received.Count.ShouldBe(4);
        received.ShouldAllBe(r => r.Messages.Count == 3);
        received.Select(r => (r.Messages[0].Role, r.Messages[1].Role, r.Messages[2].Role)).Distinct().ShouldHaveSingleItem()
            .ShouldBe(("system", "user", "user"));
        received.Select(r => r.Messages[0].Content).Distinct(StringComparer.Ordinal).ShouldHaveSingleItem();
        foreach (var call in calls)
        {
            var messages = StoredContents(call.RequestMessages);
            messages.Count.ShouldBe(3);
            messages[0].ShouldBe(received[0].Messages[0].Content);
        }

        // Per solution only the note (naming its approach) and the solution itself differ.
        var shared = received[0].Messages[0].Content;
        shared.ShouldContain(statement);
        foreach (var n in new[] { 1, 2, 3 })
        {
            shared.ShouldContain($"Reference proof {n}: a complete argument by route {n}.");
        }
        foreach (var item in items)
        {
            var text = await fixture.WithDbAsync(db => db.Solutions.Where(s => s.Id == item.SolutionId).Select(s => s.Text).FirstAsync());
            var request = received.Single(r => r.Messages[2].Content.Contains(text, StringComparison.Ordinal));
            request.Messages[1].Content.ShouldContain($"matched to approach {item.ClusterIndex + 1} (", Case.Sensitive);
            request.Messages[1].Content.ShouldNotContain(text);
        }
        var notes = received.Select(r => r.Messages[1].Content).ToList();
        notes.Distinct(StringComparer.Ordinal).Count().ShouldBe(3, "one note per approach, the same for solutions of one approach");

        if (workflow == Workflows.FiveStage)
        {
            // Every approach's scheme is in the shared part; each grade awards its own approach's items (A<k>.R<n>) and
            // points at that approach's rubric.
            foreach (var id in new[] { "A1.R1", "A2.R1", "A3.R2" })
            {
                shared.ShouldContain(id, Case.Sensitive);
            }
            var rubrics = await fixture.WithDbAsync(db => db.Rubrics.AsNoTracking().Include(r => r.Items).Where(r => r.ProblemId == problemId).ToListAsync());
            rubrics.Count.ShouldBe(3);
            var grades = await fixture.GradesAsync(runId);
            grades.Count.ShouldBe(4);
            foreach (var grade in grades)
            {
                var cluster = items.Single(i => i.SolutionId == grade.SolutionId).ClusterIndex!.Value;
                var rubric = rubrics.Single(r => r.Id == grade.RubricId);
                rubric.ApproachKey!.ShouldStartWith($"cluster-{cluster + 1}/");
                grade.Items.Count.ShouldBe(2);
                grade.Items.ShouldAllBe(i => i.RubricItemId != null && rubric.Items.Any(ri => ri.Id == i.RubricItemId));
                grade.Items.Sum(i => i.Points).ShouldBe(grade.Points!.Value);
                using var verdict = JsonDocument.Parse(grade.RawOutput!);
                verdict.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("item").GetString())
                    .ShouldBe([$"A{cluster + 1}.R1", $"A{cluster + 1}.R2"]);
            }
            (await fixture.GradesAsync(runId)).Select(g => (g.SolutionId, g.Points)).ShouldBe(
                [(solutionIds[0], 5m), (solutionIds[1], 6m), (solutionIds[2], 2m), (solutionIds[3], 3m)], ignoreOrder: true);
        }
    }

    [Fact]
    public async Task DefaultLayout_OneReference_EverySolutionSharesThePromptUpToItsSolution()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, statement) = await fixture.NewProblemAsync(projectId, references: 1);
        await fixture.NewSolutionsAsync(projectId, problemId, ["One proof. [points 4]", "Another proof. [approach 2] [points 7]"]);

        var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId]);
        (await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed)).Status.ShouldBe(GradingRunStatus.Completed);

        var received = fixture.Fake.Requests.Where(r => r.SchemaName == GradingScripts.Grade && r.AllText.Contains(statement, StringComparison.Ordinal))
            .ToList();
        received.Count.ShouldBe(2);
        received.Select(r => r.Messages[0].Content).Distinct(StringComparer.Ordinal).ShouldHaveSingleItem();
        received.Select(r => r.Messages[1].Content).Distinct(StringComparer.Ordinal).ShouldHaveSingleItem().ShouldContain("matched to approach 1");
        var grades = await fixture.GradesAsync(runId);
        grades.Select(g => g.Points).ShouldBe([4m, 7m], ignoreOrder: true);
        grades.ShouldAllBe(g => g.Status == ModelGradeStatus.Valid && g.Items.Count == 2 && g.Items.All(i => i.RubricItemId != null));
    }

    [Fact]
    public async Task Run_CreatedWithTheOldDefault_GradesWithItsSnapshotNotTheCurrentDefault()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, statement) = await fixture.NewProblemAsync(projectId, references: 2);
        await fixture.NewSolutionsAsync(projectId, problemId, ["First route. [approach 1] [points 3]", "Second route. [approach 2] [points 6]"]);
        var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId], enqueue: false);
        // As a run created before the default moved to the all-approaches layout has it (what the migration writes for
        // existing runs): its snapshot names v1, whatever the workflow's default is now.
        await fixture.WithDbAsync(db => db.Database.ExecuteSqlInterpolatedAsync(
            $"UPDATE grading_runs SET prompts = jsonb_set(prompts, '{{4,prompt}}', '\"grade-with-rubric.v1\"') WHERE id = {runId}"));
        Workflows.Find(Workflows.FiveStage)!.PromptOf(Stages.Grade).ShouldBe("grade-with-rubric.v3");

        await fixture.EnqueuePlanRunAsync(runId);
        var run = await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed);

        run.Status.ShouldBe(GradingRunStatus.Completed, run.Error);
        run.PromptOf(Stages.Grade).ShouldBe("grade-with-rubric.v1");
        var v1 = PromptLibrary.Default.Get("grade-with-rubric.v1");
        var calls = await fixture.WithDbAsync(db => db.StageCalls.AsNoTracking().Where(c => c.RunId == runId && c.Stage == Stages.Grade).ToListAsync());
        calls.Count.ShouldBe(2);
        calls.ShouldAllBe(c => c.PromptName == v1.Name && c.PromptSha256 == v1.Sha256);
        var received = fixture.Fake.Requests.Where(r => r.SchemaName == GradingScripts.Grade && r.AllText.Contains(statement, StringComparison.Ordinal))
            .ToList();
        received.ShouldAllBe(r => r.Messages.Count == 2 && !r.AllText.Contains("A1.R1") && r.Messages[0].Content.Contains("R1 ("));
        // The two approaches' prompts differ in their material, as the v1 layout does.
        received.Select(r => r.Messages[0].Content).Distinct(StringComparer.Ordinal).Count().ShouldBe(2);
        var grades = await fixture.GradesAsync(runId);
        grades.Select(g => g.Points).ShouldBe([3m, 6m], ignoreOrder: true);
        foreach (var grade in grades)
        {
            using var provenance = JsonDocument.Parse(grade.Provenance);
            var gradeEntry = provenance.RootElement.GetProperty("prompts").EnumerateArray().Single(p => p.GetProperty("stage").GetString() == Stages.Grade);
            gradeEntry.GetProperty("name").GetString().ShouldBe(v1.Name);
            gradeEntry.GetProperty("sha256").GetString().ShouldBe(v1.Sha256);
        }
        using var configuration = JsonDocument.Parse(run.Configuration);
        configuration.RootElement.GetProperty("prompts").EnumerateArray().Single(p => p.GetProperty("stage").GetString() == Stages.Grade)
            .GetProperty("name").GetString().ShouldBe(v1.Name);
    }

    private static List<string> StoredContents(string requestMessages)
    {
        using var document = JsonDocument.Parse(requestMessages);
        var root = document.RootElement;
        var array = root.ValueKind == JsonValueKind.Object ? root.GetProperty("messages") : root;
        return [.. array.EnumerateArray().Select(m => m.EnumerateObject()
            .First(p => string.Equals(p.Name, "content", StringComparison.OrdinalIgnoreCase)).Value.GetString() ?? "")];
    }
}
