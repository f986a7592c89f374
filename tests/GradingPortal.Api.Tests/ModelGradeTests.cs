using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GradingPortal.Api.Tests;

/// <summary>Model grades of a solution: items, findings with spans, stage calls, finding review, and the blind policy.</summary>
public sealed class ModelGradeTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private async Task<(ProjectScenario S, JsonElement Solution, Guid RunId, Guid GradeId)> GradedByModelAsync(bool blind)
    {
        var s = await ProjectScenario.CreateAsync(api, blindGrading: blind);
        var (problem, solution) = await s.ProblemAndSolutionAsync();
        var profile = await PipelineRows.CreateProfileAsync(s.Admin);
        var run = await s.Admin.PostAsJsonAsync("/api/grading-runs", PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]))
            .ExpectAsync(HttpStatusCode.Accepted);
        await api.PlanAsync(run.Id(), [(problem.Id(), solution.Id(), Domain.Grading.RunItemStatus.Graded)]);
        return (s, solution, run.Id(), await api.AddModelGradeAsync(solution.Id(), run.Id()));
    }

    [Fact]
    public async Task ListModelGrades_OpenProject_ReturnsItemsAndFindingsPlacedOnTheText()
    {
        var (s, solution, runId, gradeId) = await GradedByModelAsync(blind: false);

        var grade = (await s.Viewer.Client.GetAsync($"/api/solutions/{solution.Id()}/model-grades").ExpectAsync(HttpStatusCode.OK)).Items().Single();

        grade.Id().ShouldBe(gradeId);
        grade.GetProperty("runId").GetGuid().ShouldBe(runId);
        (grade.Str("status"), grade.GetProperty("points").GetDecimal(), grade.GetProperty("maxPoints").GetInt32()).ShouldBe(("valid", 3m, 7));
        grade.Items("items").Select(i => (i.Str("title"), i.GetProperty("points").GetDecimal())).ShouldBe([("Key lemma", 3m), ("Finish", 0m)], ignoreOrder: true);
        var finding = grade.Items("findings").Single();
        var start = ProjectScenario.ProofText.IndexOf("n be even", StringComparison.Ordinal);
        (finding.GetProperty("start").GetInt32(), finding.GetProperty("end").GetInt32()).ShouldBe((start, start + "n be even".Length));
        (finding.Str("errorType"), finding.Str("severity"), finding.Str("review"), finding.Str("spanMatch")).ShouldBe(
            ("proof-by-example", "major", "proposed", "exact"));
        grade.GetProperty("stageCalls").ValueKind.ShouldBe(JsonValueKind.Null);
        grade.GetProperty("rawOutput").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task GetModelGrade_Member_IncludesRawOutputAndStageCallsWithoutAnyKey()
    {
        var (s, _, _, gradeId) = await GradedByModelAsync(blind: false);

        using var response = await s.Grader.Client.GetAsync($"/api/model-grades/{gradeId}");
        var text = await response.Content.ReadAsStringAsync();
        var grade = await response.ExpectAsync(HttpStatusCode.OK);

        grade.Str("rawOutput").ShouldBe("""{"points":3}""");
        grade.GetProperty("provenance").GetProperty("workflow").GetString().ShouldBe("absolute");
        var call = grade.Items("stageCalls").Single();
        (call.Str("stage"), call.Str("promptName"), call.Str("status"), call.GetProperty("latencyMs").GetInt32()).ShouldBe(
            ("grade", "grade-absolute.v1", "succeeded", 840));
        call.Str("promptSha256")!.Length.ShouldBe(64);
        call.GetProperty("tokens").GetProperty("cachedInput").GetInt64().ShouldBe(1000);
        call.GetProperty("cost").GetDecimal().ShouldBe(0.0042m);
        call.GetProperty("requestMessages").GetArrayLength().ShouldBe(2);
        call.Str("rawResponse")!.ShouldContain("choices");
        call.GetProperty("parsed").GetProperty("points").GetInt32().ShouldBe(3);
        text.ShouldNotContain(PipelineRows.SecretKey);
        await s.Outsider.Client.GetAsync($"/api/model-grades/{gradeId}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Admin.GetAsync($"/api/model-grades/{Guid.NewGuid()}").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ModelGrades_BlindProject_HiddenFromGraderUntilOwnGrade_VisibleToAdjudicator()
    {
        var (s, solution, _, gradeId) = await GradedByModelAsync(blind: true);
        var list = $"/api/solutions/{solution.Id()}/model-grades";

        (await s.Grader.Client.GetAsync(list).ExpectAsync(HttpStatusCode.OK)).Items().ShouldBeEmpty();
        (await s.Viewer.Client.GetAsync(list).ExpectAsync(HttpStatusCode.OK)).Items().ShouldBeEmpty();
        await s.Grader.Client.GetAsync($"/api/model-grades/{gradeId}").ExpectProblemAsync(HttpStatusCode.NotFound);
        (await s.Adjudicator.Client.GetAsync(list).ExpectAsync(HttpStatusCode.OK)).Items().Single().Id().ShouldBe(gradeId);

        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 2 }).ExpectAsync(HttpStatusCode.Created);

        (await s.Grader.Client.GetAsync(list).ExpectAsync(HttpStatusCode.OK)).Items().Single().Id().ShouldBe(gradeId);
        await s.Grader.Client.GetAsync($"/api/model-grades/{gradeId}").ExpectAsync(HttpStatusCode.OK);
        (await s.OtherGrader.Client.GetAsync(list).ExpectAsync(HttpStatusCode.OK)).Items().ShouldBeEmpty();
    }

    [Fact]
    public async Task ReviewFinding_GraderAcceptsViewerForbidden_BlindGraderCannotSeeIt()
    {
        var (s, solution, _, gradeId) = await GradedByModelAsync(blind: false);
        var grade = await s.Admin.GetAsync($"/api/model-grades/{gradeId}").ExpectAsync(HttpStatusCode.OK);
        var findingId = grade.Items("findings").Single().Id();

        await s.Viewer.Client.PostAsJsonAsync($"/api/model-findings/{findingId}/review", new { accept = true }).ExpectProblemAsync(HttpStatusCode.Forbidden);
        var reviewed = await s.Grader.Client.PostAsJsonAsync($"/api/model-findings/{findingId}/review", new { accept = true })
            .ExpectAsync(HttpStatusCode.OK);
        reviewed.Str("review").ShouldBe("accepted");
        reviewed.GetProperty("reviewedById").GetGuid().ShouldBe(s.Grader.Id);
        var rejected = await s.Adjudicator.Client.PostAsJsonAsync($"/api/model-findings/{findingId}/review", new { accept = false })
            .ExpectAsync(HttpStatusCode.OK);
        rejected.Str("review").ShouldBe("rejected");
        await s.Outsider.Client.PostAsJsonAsync($"/api/model-findings/{findingId}/review", new { accept = true }).ExpectProblemAsync(HttpStatusCode.NotFound);

        var blind = await GradedByModelAsync(blind: true);
        var blindFinding = (await blind.S.Admin.GetAsync($"/api/model-grades/{blind.GradeId}").ExpectAsync(HttpStatusCode.OK)).Items("findings").Single();
        await blind.S.Grader.Client.PostAsJsonAsync($"/api/model-findings/{blindFinding.Id()}/review", new { accept = true })
            .ExpectProblemAsync(HttpStatusCode.NotFound);
        _ = solution;
    }
}
