using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Rubrics;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Tests;

/// <summary>
/// Grading runs through the Api: who may start them, what is validated and stored, progress, cancel and retry rules,
/// the estimate, and resuming runs when a derived rubric is approved. The Worker is not running here: the rows it would
/// write are put in place through Domain (<see cref="PipelineRows"/>).
/// </summary>
public sealed class GradingRunTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    public static TheoryData<string> Roles => ["viewer", "grader", "adjudicator", "admin", "globalAdmin", "outsider"];

    private async Task<(ProjectScenario S, JsonElement Problem, JsonElement Solution, JsonElement Profile)> ScenarioAsync(bool blind = false)
    {
        var s = await ProjectScenario.CreateAsync(api, blindGrading: blind);
        var (problem, solution) = await s.ProblemAndSolutionAsync();
        return (s, problem, solution, await PipelineRows.CreateProfileAsync(s.Admin, allowedProjectIds: [s.ProjectId]));
    }

    private static Task<JsonElement> StartAsync(HttpClient client, object body) =>
        client.PostAsJsonAsync("/api/grading-runs", body).ExpectAsync(HttpStatusCode.Accepted);

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task StartRun_Role_AdjudicatorsAndAdminsStart_ViewersAndGraders403_Outsiders404(string role)
    {
        var (s, problem, _, profile) = await ScenarioAsync();
        var body = PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]);

        using var response = await s.As(role).PostAsJsonAsync("/api/grading-runs", body);
        using var estimate = await s.As(role).PostAsJsonAsync("/api/grading-runs/estimate", body);

        var expected = role switch
        {
            "viewer" or "grader" => HttpStatusCode.Forbidden,
            "outsider" => HttpStatusCode.NotFound,
            _ => HttpStatusCode.Accepted,
        };
        var run = await response.ExpectAsync(expected);
        await estimate.ExpectAsync(expected == HttpStatusCode.Accepted ? HttpStatusCode.OK : expected);
        if (expected == HttpStatusCode.Accepted)
        {
            response.Headers.Location!.ToString().ShouldBe($"/api/grading-runs/{run.Id()}");
            run.Str("status").ShouldBe("queued");
            (await api.StartRunJobExistsAsync(run.Id())).ShouldBeTrue();
        }
        else
        {
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        }
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task ReadRuns_Role_EveryMemberReads_Outsiders404(string role)
    {
        var (s, problem, _, profile) = await ScenarioAsync();
        var run = await StartAsync(s.Admin, PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]));
        var expected = role == "outsider" ? HttpStatusCode.NotFound : HttpStatusCode.OK;

        await s.As(role).GetAsync($"/api/grading-runs/{run.Id()}").ExpectAsync(expected);
        var list = await s.As(role).GetAsync($"/api/projects/{s.ProjectId}/grading-runs").ExpectAsync(expected);
        if (expected == HttpStatusCode.OK)
        {
            list.Items("items").Select(r => r.Id()).ShouldBe([run.Id()]);
        }
        await s.As(role).GetAsync($"/api/grading-runs/options?projectId={s.ProjectId}").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task StartRun_InvalidFields_Returns400NamingEachField()
    {
        var (s, problem, solution, profile) = await ScenarioAsync();
        var foreign = await ScenarioAsync();

        await s.Admin.PostAsJsonAsync("/api/grading-runs", new { projectId = s.ProjectId, modelProfileId = profile.Id(), workflow = "absolute" })
            .ExpectValidationAsync("problemIds");
        await s.Admin.PostAsJsonAsync("/api/grading-runs",
                PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()], [solution.Id()]))
            .ExpectValidationAsync("solutionIds");
        await s.Admin.PostAsJsonAsync("/api/grading-runs", PipelineRows.RunBody(s.ProjectId, Guid.NewGuid(), [foreign.Problem.Id()],
                workflow: "no-such-workflow", samples: 0))
            .ExpectValidationAsync("problemIds", "modelProfileId", "workflow", "samples");
        await s.Admin.PostAsJsonAsync("/api/grading-runs", PipelineRows.RunBody(s.ProjectId, profile.Id(), solutionIds: [foreign.Solution.Id()],
                rubricDesign: "milestone", requireRubricApproval: true))
            .ExpectValidationAsync("solutionIds", "rubricDesign", "requireRubricApproval");
        await s.Admin.PostAsJsonAsync("/api/grading-runs", new
        {
            projectId = s.ProjectId, problemIds = new[] { problem.Id() }, modelProfileId = profile.Id(), workflow = "five-stage",
            rubricDesign = "vibes", aggregation = "mode",
        }).ExpectValidationAsync("rubricDesign", "aggregation");
        await s.Admin.PostAsJsonAsync("/api/grading-runs", PipelineRows.RunBody(Guid.NewGuid(), profile.Id(), [problem.Id()]))
            .ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task StartRun_Valid_StoresSelectionConfigurationAndASnapshotWithoutTheKey()
    {
        var (s, problem, solution, profile) = await ScenarioAsync();

        var run = await StartAsync(s.Adjudicator.Client, PipelineRows.RunBody(s.ProjectId, profile.Id(), solutionIds: [solution.Id()],
            workflow: "five-stage", samples: 3, requireRubricApproval: true));

        run.Str("workflow").ShouldBe("five-stage");
        run.Str("rubricDesign").ShouldBe("approachability");
        run.Str("aggregation").ShouldBe("median");
        run.GetProperty("samples").GetInt32().ShouldBe(3);
        run.GetProperty("requireRubricApproval").GetBoolean().ShouldBeTrue();
        run.GetProperty("selection").Items("solutionIds").Select(e => e.GetGuid()).ShouldBe([solution.Id()]);
        run.GetProperty("counts").GetProperty("total").GetInt32().ShouldBe(0);
        run.GetProperty("cost").GetDecimal().ShouldBe(0m);
        run.Str("profileName").ShouldBe(profile.Str("name"));
        run.GetProperty("createdById").GetGuid().ShouldBe(s.Adjudicator.Id);

        var stored = await api.WithDbAsync(db => db.GradingRuns.AsNoTracking().FirstAsync(r => r.Id == run.Id()));
        stored.ProfileSnapshot.ShouldNotContain(PipelineRows.SecretKey);
        stored.ProfileSnapshot.ShouldNotContain("protectedApiKey", Case.Insensitive);
        JsonDocument.Parse(stored.ProfileSnapshot).RootElement.GetProperty("model").GetString().ShouldBe("fake-model-1");
        var configuration = JsonDocument.Parse(stored.Configuration).RootElement;
        configuration.GetProperty("stages").EnumerateArray().Select(st => st.GetProperty("stage").GetString())
            .ShouldBe([Stages.ClusterReferences, Stages.ExtractSteps, Stages.AnalyseReference, Stages.DeriveRubric, Stages.Grade]);
        configuration.GetProperty("stages")[4].GetProperty("prompt").GetString().ShouldBe("grade-with-rubric.v3");
        stored.Prompts.Select(p => (p.Stage, p.Prompt)).ShouldBe(Workflows.Find(Workflows.FiveStage)!.Stages.Select(st => (st.Stage, st.Prompt)));
        run.Items("prompts").Select(p => (p.Str("stage"), p.Str("prompt"))).ShouldBe([
            (Stages.ClusterReferences, "cluster-references.v2"), (Stages.ExtractSteps, "extract-steps.v2"),
            (Stages.AnalyseReference, "analyse-reference.v2"), (Stages.DeriveRubric, "derive-rubric.v2"), (Stages.Grade, "grade-with-rubric.v3"),
        ]);
        _ = problem;
    }

    [Fact]
    public async Task StartRun_PromptOverride_StoresTheChosenPromptsAndShowsThem()
    {
        var (s, problem, _, profile) = await ScenarioAsync();

        var run = await StartAsync(s.Admin, PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()], workflow: "three-stage",
            prompts: new() { [Stages.Grade] = "grade-matched-reference.v1" }));

        var view = await s.Viewer.Client.GetAsync($"/api/grading-runs/{run.Id()}").ExpectAsync(HttpStatusCode.OK);
        view.Items("prompts").Select(p => (p.Str("stage"), p.Str("prompt"))).ShouldBe([
            (Stages.ClusterReferences, "cluster-references.v2"), (Stages.ExtractSteps, "extract-steps.v2"), (Stages.Grade, "grade-matched-reference.v1"),
        ]);
        var stored = await api.WithDbAsync(db => db.GradingRuns.AsNoTracking().FirstAsync(r => r.Id == run.Id()));
        stored.PromptOf(Stages.Grade).ShouldBe("grade-matched-reference.v1");
        JsonDocument.Parse(stored.Configuration).RootElement.GetProperty("stages")[2].GetProperty("prompt").GetString()
            .ShouldBe("grade-matched-reference.v1");
    }

    [Fact]
    public async Task StartRun_UnknownPromptOrStage_Returns400WithAFieldErrorPerStage()
    {
        var (s, problem, _, profile) = await ScenarioAsync();

        var errors = await s.Admin.PostAsJsonAsync("/api/grading-runs", PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()],
                workflow: "five-stage", prompts: new() { [Stages.Grade] = "grade-with-rubric.v9", ["polish"] = "polish.v1" }))
            .ExpectValidationAsync("prompts.grade", "prompts.polish");
        errors.Messages("prompts.grade").ShouldHaveSingleItem().ShouldContain("grade-with-rubric.v1");
        errors.Messages("prompts.polish").ShouldHaveSingleItem().ShouldContain("no stage 'polish'");
        // A prompt of another workflow's stage is not a choice either, and the estimate applies the same rules.
        await s.Admin.PostAsJsonAsync("/api/grading-runs/estimate", PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()],
                workflow: "five-stage", prompts: new() { [Stages.Grade] = "grade-absolute.v1" }))
            .ExpectValidationAsync("prompts.grade");
        (await s.Admin.GetAsync($"/api/projects/{s.ProjectId}/grading-runs").ExpectAsync(HttpStatusCode.OK)).Items("items").ShouldBeEmpty();
    }

    [Fact]
    public async Task Estimate_GradingPromptShowingEveryApproach_CountsMoreGradingInputThanTheMatchedApproachOnly()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.Admin.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems", new
        {
            title = "Three references",
            statement = new string('s', 400),
            referenceSolutions = new[]
            {
                new { text = new string('r', 4000), source = "a" }, new { text = new string('q', 3000), source = "b" },
                new { text = new string('p', 2000), source = "c" },
            },
        }).ExpectAsync(HttpStatusCode.Created);
        await s.CreateSolutionAsync(problem.Id(), new string('x', 3000));
        var profile = await PipelineRows.CreateProfileAsync(s.Admin);

        async Task<JsonElement> GradeStageAsync(string workflow, string? prompt)
        {
            var estimate = await s.Admin.PostAsJsonAsync("/api/grading-runs/estimate", PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()],
                workflow: workflow, prompts: prompt is null ? null : new() { [Stages.Grade] = prompt })).ExpectAsync(HttpStatusCode.OK);
            return estimate.Items("stages").Single(st => st.Str("stage") == Stages.Grade);
        }

        foreach (var (workflow, v1) in new[] { ("five-stage", "grade-with-rubric.v1"), ("three-stage", "grade-matched-reference.v1") })
        {
            var every = await GradeStageAsync(workflow, null);
            var matched = await GradeStageAsync(workflow, v1);
            every.Str("prompt").ShouldBe(Workflows.Find(workflow)!.PromptOf(Stages.Grade));
            matched.Str("prompt").ShouldBe(v1);
            // Every approach: all three references (9,000 characters) instead of the longest (4,000), about 1,250 tokens more.
            (every.GetProperty("inputTokens").GetInt64() - matched.GetProperty("inputTokens").GetInt64()).ShouldBeGreaterThanOrEqualTo(1_250, workflow);
        }
    }

    [Fact]
    public async Task GetRun_Planned_ReportsCountsPerStateTokensCostAndFailures()
    {
        var (s, problem, solution, profile) = await ScenarioAsync();
        var more = await s.CreateSolutionAsync(problem.Id(), "Another attempt.");
        var third = await s.CreateSolutionAsync(problem.Id(), "A third attempt.");
        var run = await StartAsync(s.Admin, PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]));
        await api.PlanAsync(run.Id(), [
            (problem.Id(), solution.Id(), RunItemStatus.Graded), (problem.Id(), more.Id(), RunItemStatus.Failed),
            (problem.Id(), third.Id(), RunItemStatus.Running),
        ]);
        await api.AddModelGradeAsync(solution.Id(), run.Id());

        var view = await s.Viewer.Client.GetAsync($"/api/grading-runs/{run.Id()}").ExpectAsync(HttpStatusCode.OK);

        view.Str("status").ShouldBe("running");
        var counts = view.GetProperty("counts");
        (counts.GetProperty("total").GetInt32(), counts.GetProperty("graded").GetInt32(), counts.GetProperty("failed").GetInt32(),
            counts.GetProperty("running").GetInt32(), counts.GetProperty("pending").GetInt32()).ShouldBe((3, 1, 1, 1, 0));
        var tokens = view.GetProperty("tokens");
        (tokens.GetProperty("input").GetInt64(), tokens.GetProperty("cachedInput").GetInt64(), tokens.GetProperty("output").GetInt64(),
            tokens.GetProperty("reasoning").GetInt64()).ShouldBe((1200L, 1000L, 300L, 100L));
        view.GetProperty("cost").GetDecimal().ShouldBe(0.0042m);
        view.GetProperty("calls").GetInt32().ShouldBe(1);
        var failure = view.Items("failures").Single();
        failure.GetProperty("solutionId").GetGuid().ShouldBe(more.Id());
        failure.Str("error")!.ShouldContain("HTTP 500");
        (failure.Str("author"), failure.GetProperty("externalId").ValueKind).ShouldBe(("model-x", JsonValueKind.Null));
        var prepared = view.Items("problems").Single();
        (prepared.Str("title"), prepared.Str("status"), prepared.GetProperty("solutions").GetInt32()).ShouldBe(("Parity", "ready", 3));

        var listed = (await s.Admin.GetAsync($"/api/projects/{s.ProjectId}/grading-runs").ExpectAsync(HttpStatusCode.OK)).Items("items").Single();
        listed.GetProperty("cost").GetDecimal().ShouldBe(0.0042m);
        listed.GetProperty("counts").GetProperty("graded").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task CancelRun_Unfinished_CancelsPendingAndRunningItemsOnly_ThenAnswers409()
    {
        var (s, problem, solution, profile) = await ScenarioAsync();
        var pending = await s.CreateSolutionAsync(problem.Id(), "Pending.");
        var running = await s.CreateSolutionAsync(problem.Id(), "Running.");
        var run = await StartAsync(s.Admin, PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]));
        await api.PlanAsync(run.Id(), [
            (problem.Id(), solution.Id(), RunItemStatus.Graded), (problem.Id(), pending.Id(), RunItemStatus.Pending),
            (problem.Id(), running.Id(), RunItemStatus.Running),
        ]);
        await s.Grader.Client.PostAsync($"/api/grading-runs/{run.Id()}/cancel", null).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await s.Outsider.Client.PostAsync($"/api/grading-runs/{run.Id()}/cancel", null).ExpectProblemAsync(HttpStatusCode.NotFound);

        var cancelled = await s.Adjudicator.Client.PostAsync($"/api/grading-runs/{run.Id()}/cancel", null).ExpectAsync(HttpStatusCode.OK);

        cancelled.Str("status").ShouldBe("cancelled");
        cancelled.GetProperty("finishedAt").ValueKind.ShouldNotBe(JsonValueKind.Null);
        var counts = cancelled.GetProperty("counts");
        (counts.GetProperty("graded").GetInt32(), counts.GetProperty("cancelled").GetInt32(), counts.GetProperty("pending").GetInt32(),
            counts.GetProperty("running").GetInt32()).ShouldBe((1, 2, 0, 0));
        await s.Admin.PostAsync($"/api/grading-runs/{run.Id()}/cancel", null).ExpectProblemAsync(HttpStatusCode.Conflict);
        await s.Admin.PostAsync($"/api/grading-runs/{run.Id()}/retry-failed", null).ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task CancelAndRetry_Role_AdjudicatorsAndAdminsOnly(string role)
    {
        var (s, problem, solution, profile) = await ScenarioAsync();
        var run = await StartAsync(s.Admin, PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]));
        await api.PlanAsync(run.Id(), [(problem.Id(), solution.Id(), RunItemStatus.Failed)]);
        var expected = role switch
        {
            "viewer" or "grader" => HttpStatusCode.Forbidden,
            "outsider" => HttpStatusCode.NotFound,
            _ => HttpStatusCode.Accepted,
        };

        await s.As(role).PostAsync($"/api/grading-runs/{run.Id()}/retry-failed", null).ExpectAsync(expected);
        await s.As(role).PostAsync($"/api/grading-runs/{run.Id()}/cancel", null)
            .ExpectAsync(expected == HttpStatusCode.Accepted ? HttpStatusCode.OK : expected);
    }

    [Fact]
    public async Task RetryFailed_NothingFailed_Returns409()
    {
        var (s, problem, solution, profile) = await ScenarioAsync();
        var run = await StartAsync(s.Admin, PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]));
        await api.PlanAsync(run.Id(), [(problem.Id(), solution.Id(), RunItemStatus.Graded)], GradingRunStatus.Completed);

        await s.Admin.PostAsync($"/api/grading-runs/{run.Id()}/retry-failed", null).ExpectProblemAsync(HttpStatusCode.Conflict);
        await s.Admin.PostAsync($"/api/grading-runs/{run.Id()}/cancel", null).ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task RetryFailed_CompletedRunWithFailures_ReopensItPutsFailedItemsBackAndEnqueuesStartRun()
    {
        var (s, problem, solution, profile) = await ScenarioAsync();
        var failed = await s.CreateSolutionAsync(problem.Id(), "Failed once.");
        var run = await StartAsync(s.Admin, PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]));
        await api.PlanAsync(run.Id(), [(problem.Id(), solution.Id(), RunItemStatus.Graded), (problem.Id(), failed.Id(), RunItemStatus.Failed)],
            GradingRunStatus.Completed);
        await api.WithDbAsync(db => db.GradingRunProblems.Where(p => p.RunId == run.Id())
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.Status, RunProblemStatus.Failed).SetProperty(p => p.Error, "no reference")));
        await api.DeleteStartRunJobAsync(run.Id());
        await s.Viewer.Client.PostAsync($"/api/grading-runs/{run.Id()}/retry-failed", null).ExpectProblemAsync(HttpStatusCode.Forbidden);

        using var response = await s.Adjudicator.Client.PostAsync($"/api/grading-runs/{run.Id()}/retry-failed", null);
        var retried = await response.ExpectAsync(HttpStatusCode.Accepted);

        response.Headers.Location!.ToString().ShouldBe($"/api/grading-runs/{run.Id()}");
        retried.Str("status").ShouldBe("running");
        retried.GetProperty("finishedAt").ValueKind.ShouldBe(JsonValueKind.Null);
        (retried.GetProperty("counts").GetProperty("pending").GetInt32(), retried.GetProperty("counts").GetProperty("failed").GetInt32(),
            retried.GetProperty("counts").GetProperty("graded").GetInt32()).ShouldBe((1, 0, 1));
        retried.Items("problems").Single().Str("status").ShouldBe("pending");
        (await api.StartRunJobExistsAsync(run.Id())).ShouldBeTrue();
        await s.Admin.PostAsync($"/api/grading-runs/{run.Id()}/retry-failed", null).ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Estimate_FiveStage_CountsCallsPerStageAndPricesThem()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.Admin.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems", new
        {
            title = "Two references",
            statement = new string('s', 400),
            referenceSolutions = new[] { new { text = new string('r', 4000), source = "a" }, new { text = new string('q', 2000), source = "b" } },
        }).ExpectAsync(HttpStatusCode.Created);
        foreach (var i in Enumerable.Range(0, 3))
        {
            await s.CreateSolutionAsync(problem.Id(), new string('x', 800 + i));
        }
        var profile = await PipelineRows.CreateProfileAsync(s.Admin);

        var estimate = await s.Admin.PostAsJsonAsync("/api/grading-runs/estimate",
            PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()], workflow: "five-stage", samples: 2)).ExpectAsync(HttpStatusCode.OK);

        estimate.GetProperty("problems").GetInt32().ShouldBe(1);
        estimate.GetProperty("solutions").GetInt32().ShouldBe(3);
        estimate.Items("stages").Select(st => (st.Str("stage"), st.Str("per"), st.GetProperty("calls").GetInt32())).ShouldBe([
            (Stages.ClusterReferences, "problem", 1), (Stages.ExtractSteps, "solution", 3), (Stages.AnalyseReference, "cluster", 2),
            (Stages.DeriveRubric, "cluster", 2), (Stages.Grade, "sample", 6),
        ]);
        estimate.GetProperty("calls").GetInt32().ShouldBe(14);
        var input = estimate.GetProperty("inputTokens").GetInt64();
        var output = estimate.GetProperty("outputTokens").GetInt64();
        input.ShouldBeGreaterThan(14 * 100 + 3 * 200);
        estimate.GetProperty("cost").GetDecimal().ShouldBe(Math.Round((input * 1.25m + output * 10m) / 1_000_000m, 4), 0.0005m);
        estimate.Str("note")!.ShouldContain("estimate");
        (await s.Admin.GetAsync($"/api/projects/{s.ProjectId}/grading-runs").ExpectAsync(HttpStatusCode.OK)).Items("items").ShouldBeEmpty();
    }

    [Fact]
    public async Task Options_AnyMember_ListsWorkflowsAndOnlyWhoMayStartRunsSeesProfilesWithoutKeyDetails()
    {
        var (s, _, _, profile) = await ScenarioAsync();

        var options = await s.Adjudicator.Client.GetAsync($"/api/grading-runs/options?projectId={s.ProjectId}").ExpectAsync(HttpStatusCode.OK);

        options.Items("workflows").Select(w => w.Str("name")).ShouldBe(Workflows.All.Select(w => w.Name));
        options.Items("workflows").Single(w => w.Str("name") == "five-stage").Items("rubricDesigns").Count.ShouldBe(4);
        var grading = options.Items("workflows").Single(w => w.Str("name") == "five-stage").Items("prompts").Single(p => p.Str("stage") == Stages.Grade);
        grading.Str("default").ShouldBe("grade-with-rubric.v3");
        grading.Items("choices").Select(c => c.Str("name")).ShouldBe(["grade-with-rubric.v3", "grade-with-rubric.v1"]);
        grading.Items("choices").ShouldAllBe(c => !string.IsNullOrWhiteSpace(c.Str("description")));
        options.Items("workflows").Single(w => w.Str("name") == "absolute").Items("prompts").Single().Items("choices").Count.ShouldBe(1);
        options.Items("aggregations").Select(a => a.GetString()).ShouldContain("median");
        var choice = options.Items("profiles").Single(p => p.Id() == profile.Id());
        choice.TryGetProperty("hasStoredKey", out _).ShouldBeFalse();
        choice.TryGetProperty("baseUrl", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task ApproveRubric_DerivedWhileARunWaits_EnqueuesStartRunForIt()
    {
        var (s, problem, solution, profile) = await ScenarioAsync();
        var run = await StartAsync(s.Admin, PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()], workflow: "five-stage",
            requireRubricApproval: true));
        await api.PlanAsync(run.Id(), [(problem.Id(), solution.Id(), RunItemStatus.Pending)], GradingRunStatus.AwaitingRubricApproval);
        await api.DeleteStartRunJobAsync(run.Id());
        var rubricId = await api.WithDbAsync(async db =>
        {
            var rubric = Rubric.CreateDraft(s.ProjectId, problem.Id(), 2, 7, RubricOrigin.Derived,
                new RubricContent([new RubricItemContent("Insight", 7, "The key insight.")], "Nothing of value.", null, null), null,
                DateTimeOffset.UtcNow, run.Id(), "cluster-0");
            db.Rubrics.Add(rubric);
            await db.SaveChangesAsync();
            return rubric.Id;
        });
        var waiting = await s.Admin.GetAsync($"/api/grading-runs/{run.Id()}").ExpectAsync(HttpStatusCode.OK);
        waiting.Str("status").ShouldBe("awaitingRubricApproval");
        waiting.Items("rubricsAwaitingApproval").Single().GetProperty("rubricId").GetGuid().ShouldBe(rubricId);
        (await api.StartRunJobExistsAsync(run.Id())).ShouldBeFalse();

        await s.Adjudicator.Client.PostAsync($"/api/rubrics/{rubricId}/approve", null).ExpectAsync(HttpStatusCode.OK);

        (await api.StartRunJobExistsAsync(run.Id())).ShouldBeTrue();
        (await s.Admin.GetAsync($"/api/grading-runs/{run.Id()}").ExpectAsync(HttpStatusCode.OK)).Items("rubricsAwaitingApproval").ShouldBeEmpty();
    }

    [Fact]
    public async Task StartRun_ProfileNotAllowingTheProject_Forbidden403ForProjectRolesUntilAllowed_SiteAdminsAlways()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, _) = await s.ProblemAndSolutionAsync();
        var profile = await PipelineRows.CreateProfileAsync(s.Admin);
        var other = await ProjectScenario.CreateAsync(api);
        var body = PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]);
        profile.Items("allowedProjectIds").ShouldBeEmpty();

        async Task ExpectRefusedAsync()
        {
            foreach (var role in new[] { "adjudicator", "admin" })
            {
                await s.As(role).PostAsJsonAsync("/api/grading-runs", body).ExpectProblemAsync(HttpStatusCode.Forbidden);
                await s.As(role).PostAsJsonAsync("/api/grading-runs/estimate", body).ExpectProblemAsync(HttpStatusCode.Forbidden);
                var options = await s.As(role).GetAsync($"/api/grading-runs/options?projectId={s.ProjectId}").ExpectAsync(HttpStatusCode.OK);
                options.Items("profiles").ShouldNotContain(p => p.Id() == profile.Id());
            }
        }

        await ExpectRefusedAsync();
        await StartAsync(s.As("globalAdmin"), body);
        var elsewhere = await s.Admin.PatchAsJsonAsync($"/api/model-profiles/{profile.Id()}",
            new { allowedProjectIds = new[] { other.ProjectId }, rowVersion = profile.RowVersion() }).ExpectAsync(HttpStatusCode.OK);
        await ExpectRefusedAsync();

        await s.Admin.PatchAsJsonAsync($"/api/model-profiles/{profile.Id()}",
            new { allowedProjectIds = new[] { other.ProjectId, s.ProjectId }, rowVersion = elsewhere.RowVersion() }).ExpectAsync(HttpStatusCode.OK);
        await StartAsync(s.As("adjudicator"), body);
        var allowed = await s.As("admin").GetAsync($"/api/grading-runs/options?projectId={s.ProjectId}").ExpectAsync(HttpStatusCode.OK);
        allowed.Items("profiles").ShouldContain(p => p.Id() == profile.Id());
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("grader")]
    [InlineData("outsider")]
    public async Task Options_CallerWhoMayNotStartRuns_ListsNoProfileNorPrice(string role)
    {
        var (s, _, _, profile) = await ScenarioAsync();

        using var response = await s.As(role).GetAsync($"/api/grading-runs/options?projectId={s.ProjectId}");
        var text = await response.Content.ReadAsStringAsync();
        var options = await response.ExpectAsync(HttpStatusCode.OK);

        options.Items("profiles").ShouldBeEmpty();
        options.Items("workflows").ShouldNotBeEmpty();
        text.ShouldNotContain(profile.Str("name")!);
        (await s.As(role).GetAsync("/api/grading-runs/options").ExpectAsync(HttpStatusCode.OK)).Items("profiles").ShouldBeEmpty();
    }

    [Theory]
    [InlineData("viewer", false)]
    [InlineData("grader", false)]
    [InlineData("adjudicator", true)]
    [InlineData("globalAdmin", true)]
    public async Task ModelGrades_Role_ViewersAndGradersSeeTheProfileNameButNoUrlNorPrices(string role, bool seesDetails)
    {
        var (s, problem, solution, profile) = await ScenarioAsync();
        var run = await StartAsync(s.Admin, PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]));
        var provenance = JsonSerializer.Serialize(new
        {
            workflow = "absolute",
            model = "fake-model-1",
            profile = new
            {
                id = profile.Id(), name = profile.Str("name"), baseUrl = "http://models.internal.example/v1", model = "fake-model-1", temperature = 0.1,
                maxConcurrency = 8, prices = new { input = 1.25m, cachedInput = 0.125m, output = 10m },
            },
        });
        var gradeId = await api.AddModelGradeAsync(solution.Id(), run.Id(), provenance: provenance);

        using var listed = await s.As(role).GetAsync($"/api/solutions/{solution.Id()}/model-grades");
        using var single = await s.As(role).GetAsync($"/api/model-grades/{gradeId}");
        var bodies = new[] { await listed.Content.ReadAsStringAsync(), await single.Content.ReadAsStringAsync() };
        var shown = (await listed.ExpectAsync(HttpStatusCode.OK)).Items().Single().GetProperty("provenance").GetProperty("profile");
        await single.ExpectAsync(HttpStatusCode.OK);

        shown.Str("name").ShouldBe(profile.Str("name"));
        shown.Str("model").ShouldBe("fake-model-1");
        shown.TryGetProperty("baseUrl", out _).ShouldBe(seesDetails);
        shown.TryGetProperty("prices", out _).ShouldBe(seesDetails);
        foreach (var body in bodies)
        {
            body.Contains("models.internal.example", StringComparison.Ordinal).ShouldBe(seesDetails);
        }
        var runView = await s.As(role).GetAsync($"/api/grading-runs/{run.Id()}").ExpectAsync(HttpStatusCode.OK);
        runView.Str("profileName").ShouldBe(profile.Str("name"));
        runView.TryGetProperty("baseUrl", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task StartRun_EstimateAboveThePerRunCap_Returns409AndTheEstimateSaysWhy()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, _) = await s.ProblemAndSolutionAsync();
        var profile = await PipelineRows.CreateProfileAsync(s.Admin, allowedProjectIds: [s.ProjectId], runSpendingCap: 0.0001m);
        var body = PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]);

        var estimate = await s.Adjudicator.Client.PostAsJsonAsync("/api/grading-runs/estimate", body).ExpectAsync(HttpStatusCode.OK);
        var refused = await s.Adjudicator.Client.PostAsJsonAsync("/api/grading-runs", body).ExpectProblemAsync(HttpStatusCode.Conflict);

        estimate.GetProperty("cost").GetDecimal().ShouldBeGreaterThan(0.0001m);
        estimate.Str("spendingCapProblem")!.ShouldContain("per-run spending cap");
        refused.Str("detail")!.ShouldContain("per-run spending cap");
        (await s.Admin.GetAsync($"/api/projects/{s.ProjectId}/grading-runs").ExpectAsync(HttpStatusCode.OK)).Items("items").ShouldBeEmpty();
        var roomy = await PipelineRows.CreateProfileAsync(s.Admin, allowedProjectIds: [s.ProjectId], runSpendingCap: 100m);
        var fits = await s.Adjudicator.Client.PostAsJsonAsync("/api/grading-runs/estimate", PipelineRows.RunBody(s.ProjectId, roomy.Id(), [problem.Id()]))
            .ExpectAsync(HttpStatusCode.OK);
        fits.GetProperty("spendingCapProblem").ValueKind.ShouldBe(JsonValueKind.Null);
        await StartAsync(s.Adjudicator.Client, PipelineRows.RunBody(s.ProjectId, roomy.Id(), [problem.Id()]));
    }

    [Fact]
    public async Task StartRun_DailyCapSpentToday_Returns409_WhileYesterdaysSpendingDoesNotCount()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, solution) = await s.ProblemAndSolutionAsync();
        var profile = await PipelineRows.CreateProfileAsync(s.Admin, allowedProjectIds: [s.ProjectId], dailySpendingCap: 1m);
        var body = PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]);
        Task SpendAsync(DateTimeOffset at, decimal cost) => api.WithDbAsync(async db =>
        {
            db.StageCalls.Add(new StageCall($"spent:{Guid.NewGuid():N}", 1, s.ProjectId, null, null, problem.Id(), solution.Id(), Stages.Grade,
                "grade-absolute.v1", new string('a', 64), profile.Id(), "{}", "[]", at) { Status = StageCallStatus.Succeeded, Cost = cost });
            await db.SaveChangesAsync();
        });

        await SpendAsync(new DateTimeOffset(DateTimeOffset.UtcNow.UtcDateTime.Date, TimeSpan.Zero).AddMinutes(-30), 5m);
        await StartAsync(s.Adjudicator.Client, body);
        await SpendAsync(DateTimeOffset.UtcNow, 0.9999m);

        var refused = await s.Adjudicator.Client.PostAsJsonAsync("/api/grading-runs", body).ExpectProblemAsync(HttpStatusCode.Conflict);
        refused.Str("detail")!.ShouldContain("daily spending cap");
        (await s.Admin.GetAsync($"/api/projects/{s.ProjectId}/grading-runs").ExpectAsync(HttpStatusCode.OK)).Items("items").Count.ShouldBe(1);
    }

    [Fact]
    public async Task RetryFailed_ProfileNoLongerAllowingTheProject_Forbidden403ForProjectRoles_SiteAdminsMay()
    {
        var (s, problem, solution, profile) = await ScenarioAsync();
        var run = await StartAsync(s.Adjudicator.Client, PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]));
        await api.PlanAsync(run.Id(), [(problem.Id(), solution.Id(), RunItemStatus.Failed)], GradingRunStatus.Completed);
        await s.Admin.PatchAsJsonAsync($"/api/model-profiles/{profile.Id()}", new { allowedProjectIds = Array.Empty<Guid>(), rowVersion = profile.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);

        await s.Adjudicator.Client.PostAsync($"/api/grading-runs/{run.Id()}/retry-failed", null).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await s.As("globalAdmin").PostAsync($"/api/grading-runs/{run.Id()}/retry-failed", null).ExpectAsync(HttpStatusCode.Accepted);
    }
}
