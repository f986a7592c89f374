using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GradingPortal.Api.Tests;

/// <summary>
/// The small reads an open solution page makes when it is told what changed: the grading part, the annotations and the
/// history's newer events. Each must show exactly what the whole solution (or the whole history) shows the same caller.
/// </summary>
public sealed class SolutionPartReadTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly string[] s_gradingParts = ["humanGrades", "myGrade", "adjudication", "evidenceLevel", "permissions"];

    /// <summary>In a blind project Greta annotates and grades, Ada adjudicates; Otto (the other grader) has done nothing yet.</summary>
    private async Task<(ProjectScenario S, JsonElement Solution)> GradedByGretaAsync()
    {
        var s = await ProjectScenario.CreateAsync(api, blindGrading: true);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/annotations", ProjectScenario.Annotation("n be even"))
            .ExpectAsync(HttpStatusCode.Created);
        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 3, comment = "Greta's view" })
            .ExpectAsync(HttpStatusCode.Created);
        await s.Adjudicator.Client.PutAsJsonAsync($"/api/solutions/{solution.Id()}/adjudication", new { points = 3, rationale = "Ada agrees." })
            .ExpectAsync(HttpStatusCode.Created);
        return (s, solution);
    }

    private static Task<JsonElement> GetAsync(HttpClient client, string url) => client.GetAsync(url).ExpectAsync(HttpStatusCode.OK);

    [Fact]
    public async Task GradingRead_BlindGraderWithoutOwnGrade_ShowsNoOthersGradesAndCountsThem()
    {
        var (s, solution) = await GradedByGretaAsync();

        var grading = await GetAsync(s.OtherGrader.Client, $"/api/solutions/{solution.Id()}/grading");

        grading.GetProperty("solutionId").GetGuid().ShouldBe(solution.Id());
        grading.Items("humanGrades").ShouldBeEmpty();
        grading.GetProperty("myGrade").ValueKind.ShouldBe(JsonValueKind.Null);
        grading.GetProperty("adjudication").ValueKind.ShouldBe(JsonValueKind.Null);
        grading.Str("evidenceLevel").ShouldBe("hidden");
        grading.GetProperty("permissions").GetProperty("othersGradesHidden").GetBoolean().ShouldBeTrue();
        grading.GetProperty("permissions").GetProperty("hiddenGradeCount").GetInt32().ShouldBe(1);
        grading.GetRawText().ShouldNotContain("Greta");
        // Only the grading part travels.
        grading.TryGetProperty("text", out _).ShouldBeFalse();
        grading.TryGetProperty("annotations", out _).ShouldBeFalse();
        grading.TryGetProperty("rubric", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task GradingRead_BlindGraderAfterOwnGrade_ShowsOthersGradesAndTheAdjudication()
    {
        var (s, solution) = await GradedByGretaAsync();
        await s.OtherGrader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 5, comment = "Otto's view" })
            .ExpectAsync(HttpStatusCode.Created);

        var grading = await GetAsync(s.OtherGrader.Client, $"/api/solutions/{solution.Id()}/grading");

        grading.Items("humanGrades").Select(g => g.Str("comment")).ShouldBe(["Greta's view", "Otto's view"]);
        grading.GetProperty("myGrade").Str("comment").ShouldBe("Otto's view");
        grading.GetProperty("adjudication").GetProperty("points").GetDecimal().ShouldBe(3m);
        grading.GetProperty("permissions").GetProperty("hiddenGradeCount").GetInt32().ShouldBe(0);
        grading.Str("evidenceLevel").ShouldBe("adjudicated");
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("grader")]
    [InlineData("otherGrader")]
    [InlineData("adjudicator")]
    [InlineData("admin")]
    [InlineData("globalAdmin")]
    public async Task PartReads_EveryRole_ShowWhatTheWholeSolutionShows(string role)
    {
        var (s, solution) = await GradedByGretaAsync();
        var client = role == "otherGrader" ? s.OtherGrader.Client : s.As(role);

        var whole = await GetAsync(client, $"/api/solutions/{solution.Id()}");
        var grading = await GetAsync(client, $"/api/solutions/{solution.Id()}/grading");
        var annotations = await GetAsync(client, $"/api/solutions/{solution.Id()}/annotations");

        foreach (var part in s_gradingParts)
        {
            grading.GetProperty(part).GetRawText().ShouldBe(whole.GetProperty(part).GetRawText(), part);
        }
        annotations.GetRawText().ShouldBe(whole.GetProperty("annotations").GetRawText());
    }

    [Fact]
    public async Task PartReads_Outsider_Get404()
    {
        var (s, solution) = await GradedByGretaAsync();

        await s.Outsider.Client.GetAsync($"/api/solutions/{solution.Id()}/grading").ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Outsider.Client.GetAsync($"/api/solutions/{solution.Id()}/annotations").ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Grader.Client.GetAsync($"/api/solutions/{Guid.NewGuid()}/grading").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task History_After_GivesOnlyNewerEventsNewestFirst()
    {
        var (s, solution) = await GradedByGretaAsync();
        var all = (await GetAsync(s.Adjudicator.Client, $"/api/solutions/{solution.Id()}/history")).Items();
        all.Select(e => e.Str("entityType")).ShouldBe(["adjudication", "humanGrade", "annotation", "solution"]);
        var annotationEvent = all[2].GetProperty("id").GetInt64();

        var newer = (await GetAsync(s.Adjudicator.Client, $"/api/solutions/{solution.Id()}/history?after={annotationEvent}")).Items();
        var none = (await GetAsync(s.Adjudicator.Client, $"/api/solutions/{solution.Id()}/history?after={all[0].GetProperty("id").GetInt64()}")).Items();

        newer.Select(e => e.GetRawText()).ShouldBe(all.Take(2).Select(e => e.GetRawText()));
        none.ShouldBeEmpty();
    }

    [Fact]
    public async Task History_AfterForABlindGraderWithoutOwnGrade_KeepsOthersEventsOut()
    {
        var (s, solution) = await GradedByGretaAsync();
        await s.OtherGrader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/annotations", ProjectScenario.Annotation("the claim holds"))
            .ExpectAsync(HttpStatusCode.Created);

        var newer = (await GetAsync(s.OtherGrader.Client, $"/api/solutions/{solution.Id()}/history?after=0")).Items();

        newer.Select(e => (e.Str("entityType"), e.Str("actorName"))).ShouldBe([("annotation", "Otto Grader"), ("solution", "Administrator")]);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("99999999999999999999")]
    public async Task History_AfterNotAnEventId_IsAFieldError(string after)
    {
        var (s, solution) = await GradedByGretaAsync();

        await s.Grader.Client.GetAsync($"/api/solutions/{solution.Id()}/history?after={Uri.EscapeDataString(after)}").ExpectValidationAsync("after");
    }
}
