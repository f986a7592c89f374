using System.Text.Json;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Rubrics;
using GradingPortal.Testing.FakeOpenAi;
using GradingPortal.Worker.Grading;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Grading.Tests.Pipeline;

[Collection(PipelineCollection.Name)]
public sealed class WorkflowTests(PipelineFixture fixture)
{
    [Theory]
    [InlineData(Workflows.Absolute, null, null)]
    [InlineData(Workflows.Reference, null, null)]
    [InlineData(Workflows.OfficialRubric, null, null)]
    [InlineData(Workflows.ThreeStage, null, null)]
    [InlineData(Workflows.ThreeStage, null, "grade-matched-reference.v1")]
    [InlineData(Workflows.FiveStage, RubricDesigns.Approachability, null)]
    [InlineData(Workflows.FiveStage, RubricDesigns.Approachability, "grade-with-rubric.v1")]
    [InlineData(Workflows.FiveStage, RubricDesigns.Milestone, null)]
    [InlineData(Workflows.SingleCallJudge, null, null)]
    public async Task Run_Workflow_StoresOneValidGradePerSolutionWithProvenance(string workflow, string? design, string? gradePromptChoice)
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, statement) = await fixture.NewProblemAsync(projectId, references: 2, officialRubric: workflow == Workflows.OfficialRubric);
        var solutionIds = await fixture.NewSolutionsAsync(projectId, problemId,
        [
            "We pair the numbers.\nThe pairing finishes the proof. [points 5]",
            "By a different route we reach it. [approach 2] [points 3] [error]",
            "Full proof by route one.",
        ]);

        var runId = await fixture.StartRunAsync(projectId, profileId, workflow, [problemId], design,
            prompts: gradePromptChoice is null ? null : new Dictionary<string, string> { [Stages.Grade] = gradePromptChoice });
        var run = await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed);

        run.Status.ShouldBe(GradingRunStatus.Completed, run.Error);
        var items = await fixture.ItemsAsync(runId);
        items.Select(i => i.SolutionId).ShouldBe(solutionIds, ignoreOrder: true);
        items.ShouldAllBe(i => i.Status == RunItemStatus.Graded && i.ModelGradeId != null && i.Attempts >= 1);
        var grades = await fixture.GradesAsync(runId);
        grades.Count.ShouldBe(3);
        grades.ShouldAllBe(g => g.Status == ModelGradeStatus.Valid && g.Source == workflow && g.Model == "fake-model");
        var bySolution = grades.ToDictionary(g => g.SolutionId);
        bySolution[solutionIds[0]].Points.ShouldBe(5m);
        bySolution[solutionIds[1]].Points.ShouldBe(3m);
        bySolution[solutionIds[2]].Points.ShouldBe(7m);
        var finding = bySolution[solutionIds[1]].Findings.ShouldHaveSingleItem();
        finding.ErrorType.ShouldBe("calculation-mistake");
        finding.Start.ShouldBe(0);
        finding.SpanMatch.ShouldBe(SpanMatch.Exact);

        var gradePrompt = PromptLibrary.Default.Get(gradePromptChoice ?? Workflows.Find(workflow)!.PromptOf(Stages.Grade)!);
        run.PromptOf(Stages.Grade).ShouldBe(gradePrompt.Name);
        foreach (var grade in grades)
        {
            using var provenance = JsonDocument.Parse(grade.Provenance);
            var root = provenance.RootElement;
            root.GetProperty("workflow").GetString().ShouldBe(workflow);
            root.GetProperty("model").GetString().ShouldBe("fake-model");
            root.GetProperty("aggregation").GetString().ShouldBe("median");
            root.GetProperty("samples").GetArrayLength().ShouldBe(1);
            root.GetProperty("profile").GetProperty("model").GetString().ShouldBe("fake-model");
            root.GetProperty("prompts").EnumerateArray()
                .ShouldContain(p => p.GetProperty("name").GetString() == gradePrompt.Name && p.GetProperty("sha256").GetString() == gradePrompt.Sha256
                    && p.GetProperty("version").GetString() == gradePrompt.Version);
            var linked = await fixture.WithDbAsync(db => db.StageCalls.AsNoTracking().Where(c => c.ModelGradeId == grade.Id).ToListAsync());
            linked.ShouldContain(c => c.Stage == Stages.Grade && c.Status == StageCallStatus.Succeeded && c.PromptSha256 == gradePrompt.Sha256);
            root.GetProperty("stageCallIds").EnumerateArray().Select(e => e.GetGuid()).ShouldContain(linked.First(c => c.Stage == Stages.Grade).Id);
        }

        var requests = fixture.RequestsFor(statement);
        requests.GetValueOrDefault(GradingScripts.Grade).ShouldBe(3);
        // The grading layout: every approach up front and a note naming the matched one (three messages), or only the
        // matched approach's material (two).
        fixture.Fake.Requests.Where(r => r.SchemaName == GradingScripts.Grade && r.AllText.Contains(statement, StringComparison.Ordinal))
            .ShouldAllBe(r => r.Messages.Count == (gradePrompt.ShowsAllApproaches ? 3 : 2));
        if (workflow is Workflows.ThreeStage or Workflows.FiveStage)
        {
            requests.GetValueOrDefault(GradingScripts.Clusters).ShouldBe(1);
            requests.GetValueOrDefault(GradingScripts.ExtractSteps).ShouldBe(3);
            items.Single(i => i.SolutionId == solutionIds[1]).ClusterIndex.ShouldBe(1);
            items.Single(i => i.SolutionId == solutionIds[0]).ClusterIndex.ShouldBe(0);
        }
        if (workflow == Workflows.FiveStage)
        {
            requests.GetValueOrDefault(GradingScripts.Analysis).ShouldBe(2);
            requests.GetValueOrDefault(GradingScripts.Rubric).ShouldBe(2);
            var rubrics = await fixture.WithDbAsync(db => db.Rubrics.AsNoTracking().Include(r => r.Items).Where(r => r.ProblemId == problemId).ToListAsync());
            rubrics.Count.ShouldBe(2);
            rubrics.ShouldAllBe(r => r.Origin == RubricOrigin.Derived && r.Status == RubricStatus.Approved && r.DerivedByRunId == runId
                && r.ApproachKey!.Contains(design!));
            foreach (var grade in grades)
            {
                grade.RubricId.ShouldNotBeNull();
                var rubric = rubrics.Single(r => r.Id == grade.RubricId);
                grade.Items.Count.ShouldBe(2);
                grade.Items.ShouldAllBe(i => i.RubricItemId != null && rubric.Items.Any(ri => ri.Id == i.RubricItemId));
                grade.Items.Sum(i => i.Points).ShouldBe(grade.Points!.Value);
            }
            bySolution[solutionIds[1]].RubricId.ShouldBe(rubrics.Single(r => r.ApproachKey!.StartsWith("cluster-2/", StringComparison.Ordinal)).Id);
        }
        if (workflow == Workflows.OfficialRubric)
        {
            grades.ShouldAllBe(g => g.RubricId != null && g.Items.Count == 2 && g.Items.All(i => i.RubricItemId != null));
        }
        if (workflow == Workflows.SingleCallJudge)
        {
            fixture.Fake.Requests.Last(r => r.AllText.Contains(statement, StringComparison.Ordinal)).Schema!.Value.GetRawText().ShouldContain("\"high\"");
            finding.Severity.ShouldBe(GradingPortal.Domain.Common.Severity.Major);
        }
    }

    [Fact]
    public async Task FiveStage_ManySolutionsAndASecondRun_DeriveEachClusterRubricOnce()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, statement) = await fixture.NewProblemAsync(projectId, references: 2);
        await fixture.NewSolutionsAsync(projectId, problemId, Enumerable.Range(0, 16).Select(i => $"Attempt {i}. [approach {1 + (i % 2)}] [points {i % 8}]"));

        var first = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId]);
        (await fixture.WaitForRunAsync(first, GradingRunStatus.Completed, GradingRunStatus.Failed)).Status.ShouldBe(GradingRunStatus.Completed);
        var second = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId]);
        (await fixture.WaitForRunAsync(second, GradingRunStatus.Completed, GradingRunStatus.Failed)).Status.ShouldBe(GradingRunStatus.Completed);

        var requests = fixture.RequestsFor(statement);
        requests.GetValueOrDefault(GradingScripts.Clusters).ShouldBe(1);
        requests.GetValueOrDefault(GradingScripts.Analysis).ShouldBe(2);
        requests.GetValueOrDefault(GradingScripts.Rubric).ShouldBe(2);
        requests.GetValueOrDefault(GradingScripts.ExtractSteps).ShouldBe(32);
        requests.GetValueOrDefault(GradingScripts.Grade).ShouldBe(32);
        var artifacts = await fixture.WithDbAsync(db => db.GradingArtifacts.AsNoTracking().Where(a => a.ProblemId == problemId).ToListAsync());
        artifacts.Count(a => a.Kind == ArtifactKinds.Rubric).ShouldBe(2);
        artifacts.ShouldAllBe(a => a.RunId == first);
        (await fixture.GradesAsync(second)).Count.ShouldBe(16);
        (await fixture.ItemsAsync(second)).Count(i => i.ClusterIndex == 1).ShouldBe(8);
    }

    [Fact]
    public async Task FiveStage_SlowAnalyses_ExtractsStepsAheadAndGradingReusesThem()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, statement) = await fixture.NewProblemAsync(projectId, references: 2);
        var solutionIds = await fixture.NewSolutionsAsync(projectId, problemId,
            Enumerable.Range(0, 12).Select(i => $"Attempt {i} ahead. [approach {1 + (i % 2)}] [points {i % 8}]"));
        // The analyses of this problem take 2 s: its clusters are known long before it is ready to grade.
        fixture.Fake.FailWhen(r => r.SchemaName == GradingScripts.Analysis && r.AllText.Contains(statement, StringComparison.Ordinal)
            ? FakeFault.Slow(TimeSpan.FromSeconds(2)) : null);
        Guid runId;
        try
        {
            runId = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId]);
            (await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed)).Status.ShouldBe(GradingRunStatus.Completed);
        }
        finally
        {
            fixture.Fake.FailWhen(null);
        }

        var received = fixture.Fake.Requests.Where(r => r.AllText.Contains(statement, StringComparison.Ordinal)).ToList();
        var firstRubric = received.Where(r => r.SchemaName == GradingScripts.Rubric).Min(r => r.ReceivedAt);
        // Steps were extracted while the analyses ran, and each solution was asked about once: grading reused those calls.
        received.Count(r => r.SchemaName == GradingScripts.ExtractSteps && r.ReceivedAt < firstRubric).ShouldBeGreaterThan(0);
        received.Count(r => r.SchemaName == GradingScripts.ExtractSteps).ShouldBe(12);
        received.Count(r => r.SchemaName == GradingScripts.Grade).ShouldBe(12);
        var items = await fixture.ItemsAsync(runId);
        items.Select(i => i.SolutionId).ShouldBe(solutionIds, ignoreOrder: true);
        // An item handed back after its steps were extracted did not use up an attempt.
        items.ShouldAllBe(i => i.Status == RunItemStatus.Graded && i.Attempts == 1);
        var extractCalls = await fixture.WithDbAsync(db => db.StageCalls.AsNoTracking()
            .Where(c => c.RunId == runId && c.Stage == Stages.ExtractSteps).Select(c => new { c.RunItemId, c.Attempt, c.Status }).ToListAsync());
        extractCalls.Count.ShouldBe(12);
        extractCalls.ShouldAllBe(c => c.Attempt == 1 && c.Status == StageCallStatus.Succeeded);
        extractCalls.Select(c => c.RunItemId).Distinct().Count().ShouldBe(12);
        var grades = await fixture.GradesAsync(runId);
        grades.Count.ShouldBe(12);
        grades.ShouldAllBe(g => g.Status == ModelGradeStatus.Valid);
    }

    [Fact]
    public async Task Run_ThreeSamplesWithMedian_StoresTheMedianAndTheSpread()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, _) = await fixture.NewProblemAsync(projectId, references: 1);
        await fixture.NewSolutionsAsync(projectId, problemId, ["A proof. [points 4]"]);

        var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.Reference, [problemId], samples: 3);
        (await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed)).Status.ShouldBe(GradingRunStatus.Completed);

        var grade = (await fixture.GradesAsync(runId)).ShouldHaveSingleItem();
        grade.Points.ShouldBe(4m);
        using var provenance = JsonDocument.Parse(grade.Provenance);
        provenance.RootElement.GetProperty("samples").GetArrayLength().ShouldBe(3);
        provenance.RootElement.GetProperty("spread").GetDecimal().ShouldBe(0m);
        var calls = await fixture.WithDbAsync(db => db.StageCalls.AsNoTracking().Where(c => c.ModelGradeId == grade.Id && c.Stage == Stages.Grade).ToListAsync());
        calls.Select(c => c.Sample).Order().ShouldBe([0, 1, 2]);
    }

    [Fact]
    public async Task Run_RequiringRubricApproval_WaitsThenResumesAfterApproval()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, statement) = await fixture.NewProblemAsync(projectId, references: 1);
        await fixture.NewSolutionsAsync(projectId, problemId, ["Proof one. [points 6]", "Proof two. [points 2]"]);

        var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId], RubricDesigns.Hybrid, requireApproval: true);
        await fixture.WaitForRunAsync(runId, GradingRunStatus.AwaitingRubricApproval);

        fixture.RequestsFor(statement).GetValueOrDefault(GradingScripts.Grade).ShouldBe(0);
        (await fixture.ItemsAsync(runId)).ShouldAllBe(i => i.Status == RunItemStatus.Pending);
        var draft = await fixture.WithDbAsync(db => db.Rubrics.Include(r => r.Items).SingleAsync(r => r.ProblemId == problemId));
        draft.Status.ShouldBe(RubricStatus.Draft);
        draft.Origin.ShouldBe(RubricOrigin.Derived);
        draft.DerivedByRunId.ShouldBe(runId);
        var runProblem = await fixture.WithDbAsync(db => db.GradingRunProblems.AsNoTracking().SingleAsync(p => p.RunId == runId));
        runProblem.Status.ShouldBe(RunProblemStatus.AwaitingApproval);

        // What the Api's approve endpoint does, followed by the StartRun it enqueues for waiting runs.
        await fixture.WithDbAsync(async db =>
        {
            var rubric = await db.Rubrics.Include(r => r.Items).SingleAsync(r => r.Id == draft.Id);
            rubric.Approve(Guid.NewGuid(), null, DateTimeOffset.UtcNow);
            return await db.SaveChangesAsync();
        });
        await fixture.EnqueuePlanRunAsync(runId);
        (await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed)).Status.ShouldBe(GradingRunStatus.Completed);

        var grades = await fixture.GradesAsync(runId);
        grades.Select(g => g.Points).ShouldBe([6m, 2m], ignoreOrder: true);
        grades.ShouldAllBe(g => g.RubricId == draft.Id);
        fixture.RequestsFor(statement).GetValueOrDefault(GradingScripts.Rubric).ShouldBe(1);
    }

    [Fact]
    public async Task Run_InvalidVerdict_LandsInNeedsAttentionWithTheRawOutput()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, _) = await fixture.NewProblemAsync(projectId, references: 1);
        var ids = await fixture.NewSolutionsAsync(projectId, problemId, ["Obviously true. [invalid]", "A fine proof. [points 7]"]);

        var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.Absolute, [problemId]);
        (await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed)).Status.ShouldBe(GradingRunStatus.Completed);

        var items = await fixture.ItemsAsync(runId);
        var bad = items.Single(i => i.SolutionId == ids[0]);
        bad.Status.ShouldBe(RunItemStatus.NeedsAttention);
        bad.LastError.ShouldNotBeNullOrEmpty();
        items.Single(i => i.SolutionId == ids[1]).Status.ShouldBe(RunItemStatus.Graded);
        var grade = (await fixture.GradesAsync(runId)).Single(g => g.SolutionId == ids[0]);
        grade.Status.ShouldBe(ModelGradeStatus.NeedsAttention);
        grade.Points.ShouldBeNull();
        grade.StatusReason.ShouldContain("outside 0..7");
        grade.RawOutput.ShouldContain("\"totalScore\":12");
        var attempts = await fixture.WithDbAsync(db => db.StageCalls.AsNoTracking().Where(c => c.RunItemId == bad.Id).ToListAsync());
        attempts.Count.ShouldBe(2, "the answer and one repair attempt");
        attempts.ShouldAllBe(c => c.Status == StageCallStatus.Invalid && c.ModelGradeId == grade.Id);
    }

    [Fact]
    public async Task Run_JsonModeProfileAnswerInvalidOnce_RepairCarriesTheBadAnswerAndTheGradeIsStored()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync(mode: StructuredOutputMode.JsonMode);
        var (problemId, statement) = await fixture.NewProblemAsync(projectId, references: 1);
        await fixture.NewSolutionsAsync(projectId, problemId, ["A proof with one gap. [points 6]"]);
        var gradeRequests = 0;
        fixture.Fake.FailWhen(r => r.SchemaName == GradingScripts.Grade && r.AllText.Contains(statement, StringComparison.Ordinal)
            && Interlocked.Increment(ref gradeRequests) == 1 ? FakeFault.SchemaViolation : null);
        try
        {
            var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.Absolute, [problemId]);
            (await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed)).Status.ShouldBe(GradingRunStatus.Completed);

            var sent = fixture.Fake.Requests.Where(r => r.SchemaName == GradingScripts.Grade && r.AllText.Contains(statement, StringComparison.Ordinal)).ToList();
            sent.Count.ShouldBe(2, "the answer and one repair");
            sent.ShouldAllBe(r => r.ResponseFormatType == "json_object");
            sent[0].Messages.Select(m => m.Role).ShouldBe(["system", "system", "user"]);
            sent[0].Messages[1].Content.ShouldStartWith(FakeOpenAiServer.SchemaMarker + GradingScripts.Grade);
            sent[1].Messages.Select(m => m.Role).ShouldBe(["system", "system", "user", "assistant", "user"]);
            sent[1].Messages[3].Content.ShouldBe("{\"fakeSchemaViolation\": true}");
            sent[1].Messages[4].Content.ShouldContain("unexpected property 'fakeSchemaViolation'");
            var item = (await fixture.ItemsAsync(runId)).ShouldHaveSingleItem();
            item.Status.ShouldBe(RunItemStatus.Graded);
            var grade = (await fixture.GradesAsync(runId)).ShouldHaveSingleItem();
            grade.Status.ShouldBe(ModelGradeStatus.Valid);
            grade.Points.ShouldBe(6m);
            var calls = await fixture.WithDbAsync(db => db.StageCalls.AsNoTracking().Where(c => c.RunItemId == item.Id).OrderBy(c => c.Attempt).ToListAsync());
            calls.Select(c => c.Status).ShouldBe([StageCallStatus.Invalid, StageCallStatus.Succeeded]);
            calls[0].RawResponse.ShouldBe("{\"fakeSchemaViolation\": true}");
            calls[1].Parsed.ShouldNotBeNull();
            calls.ShouldAllBe(c => c.ModelGradeId == grade.Id);
        }
        finally
        {
            fixture.Fake.FailWhen(null);
        }
    }

    [Fact]
    public async Task Run_JsonModeProfileAnswerInvalidTwice_LandsInNeedsAttentionWithTheRawOutputStored()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync(mode: StructuredOutputMode.JsonMode);
        var (problemId, statement) = await fixture.NewProblemAsync(projectId, references: 1);
        await fixture.NewSolutionsAsync(projectId, problemId, ["A proof the model cannot describe. [points 6]"]);
        fixture.Fake.FailWhen(r => r.SchemaName == GradingScripts.Grade && r.AllText.Contains(statement, StringComparison.Ordinal)
            ? FakeFault.SchemaViolation : null);
        try
        {
            var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.Absolute, [problemId]);
            (await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed)).Status.ShouldBe(GradingRunStatus.Completed);

            var sent = fixture.Fake.Requests.Where(r => r.SchemaName == GradingScripts.Grade && r.AllText.Contains(statement, StringComparison.Ordinal)).ToList();
            sent.Count.ShouldBe(2, "the answer and exactly one repair");
            sent.ShouldAllBe(r => r.ResponseFormatType == "json_object");
            var item = (await fixture.ItemsAsync(runId)).ShouldHaveSingleItem();
            item.Status.ShouldBe(RunItemStatus.NeedsAttention);
            var grade = (await fixture.GradesAsync(runId)).ShouldHaveSingleItem();
            grade.Status.ShouldBe(ModelGradeStatus.NeedsAttention);
            grade.Points.ShouldBeNull();
            grade.RawOutput.ShouldBe("{\"fakeSchemaViolation\": true}");
            grade.StatusReason.ShouldContain("did not pass validation");
            grade.StatusReason.ShouldContain("unexpected property 'fakeSchemaViolation'");
            item.LastError.ShouldBe(grade.StatusReason);
            var calls = await fixture.WithDbAsync(db => db.StageCalls.AsNoTracking().Where(c => c.RunItemId == item.Id).OrderBy(c => c.Attempt).ToListAsync());
            calls.Select(c => c.Status).ShouldBe([StageCallStatus.Invalid, StageCallStatus.Invalid]);
            calls.ShouldAllBe(c => c.RawResponse == grade.RawOutput && c.Parsed == null && c.ModelGradeId == grade.Id);
        }
        finally
        {
            fixture.Fake.FailWhen(null);
        }
    }

    [Fact]
    public async Task Run_WorkflowNeedingAReference_FailsTheProblemsItemsWithTheReason()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, _) = await fixture.NewProblemAsync(projectId, references: 0);
        await fixture.NewSolutionsAsync(projectId, problemId, ["Something."]);

        var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.ThreeStage, [problemId]);
        (await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed, GradingRunStatus.Failed)).Status.ShouldBe(GradingRunStatus.Completed);

        var item = (await fixture.ItemsAsync(runId)).ShouldHaveSingleItem();
        item.Status.ShouldBe(RunItemStatus.Failed);
        item.LastError.ShouldBe("The three-stage workflow needs at least one reference solution; this problem has none.");
        (await fixture.GradesAsync(runId)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GradeSliceJob_RunAgainAfterGrading_StoresOneGradeAndRepeatsNoCall()
    {
        var projectId = await fixture.NewProjectAsync();
        var profileId = await fixture.NewProfileAsync();
        var (problemId, statement) = await fixture.NewProblemAsync(projectId, references: 2);
        await fixture.NewSolutionsAsync(projectId, problemId, ["A proof. [approach 2] [points 5]"]);
        var runId = await fixture.StartRunAsync(projectId, profileId, Workflows.FiveStage, [problemId]);
        (await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed)).Status.ShouldBe(GradingRunStatus.Completed);
        var before = fixture.RequestsFor(statement).Values.Sum();
        var item = (await fixture.ItemsAsync(runId)).ShouldHaveSingleItem();

        // As if the job were delivered again after its work was done but before the item was seen as finished: the item
        // is open again and the run running; the job finds every call stored and the grade already there.
        await fixture.WithDbAsync(async db =>
        {
            await db.GradingRunItems.Where(i => i.Id == item.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, RunItemStatus.Running));
            var run = await db.GradingRuns.SingleAsync(r => r.Id == runId);
            run.Reopen();
            return await db.SaveChangesAsync();
        });
        var runProblemId = await fixture.WithDbAsync(db => db.GradingRunProblems.Where(p => p.RunId == runId).Select(p => p.Id).SingleAsync());
        // Two slices of the same problem at once: one claims the item, the other finds nothing left (or the item locked).
        await fixture.EnqueueSlicesAsync(runProblemId, 2);
        await fixture.WaitForRunAsync(runId, GradingRunStatus.Completed);

        fixture.RequestsFor(statement).Values.Sum().ShouldBe(before);
        var grade = (await fixture.GradesAsync(runId)).ShouldHaveSingleItem();
        var again = (await fixture.ItemsAsync(runId)).ShouldHaveSingleItem();
        again.Status.ShouldBe(RunItemStatus.Graded);
        again.ModelGradeId.ShouldBe(grade.Id);
        again.Attempts.ShouldBe(2);
    }
}
