using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GradingPortal.Api.Tests;

/// <summary>
/// Blind projects: a grader sees only their own grades, annotations and history until they submit a grade; Adjudicators
/// and Admins see everything; hidden authors are hidden from graders and viewers.
/// </summary>
public sealed class BlindModeTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    /// <summary>Greta annotates and grades, Ada adjudicates; Otto (the other grader) has done nothing yet.</summary>
    private async Task<(ProjectScenario S, JsonElement Problem, JsonElement Solution, JsonElement Annotation, JsonElement Grade)> GradedByGretaAsync(
        bool blindGrading = true, bool hideAuthors = false)
    {
        var s = await ProjectScenario.CreateAsync(api, blindGrading, hideAuthors);
        var (problem, solution) = await s.ProblemAndSolutionAsync();
        var annotation = await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/annotations", ProjectScenario.Annotation("n be even"))
            .ExpectAsync(HttpStatusCode.Created);
        var grade = await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 3, comment = "Greta's view" })
            .ExpectAsync(HttpStatusCode.Created);
        await s.Adjudicator.Client.PutAsJsonAsync($"/api/solutions/{solution.Id()}/adjudication", new { points = 3, rationale = "Ada agrees with Greta." })
            .ExpectAsync(HttpStatusCode.Created);
        return (s, problem, solution, annotation, grade);
    }

    private static async Task<JsonElement> ViewAsync(HttpClient client, JsonElement solution) =>
        await client.GetAsync($"/api/solutions/{solution.Id()}").ExpectAsync(HttpStatusCode.OK);

    private static async Task<List<JsonElement>> HistoryAsync(HttpClient client, JsonElement solution) =>
        (await client.GetAsync($"/api/solutions/{solution.Id()}/history").ExpectAsync(HttpStatusCode.OK)).Items();

    [Fact]
    public async Task BlindGrader_BeforeOwnGrade_SeesNoOtherGradesAnnotationsAdjudicationOrHistory()
    {
        var (s, problem, solution, _, _) = await GradedByGretaAsync();
        var otto = s.OtherGrader.Client;

        var view = await ViewAsync(otto, solution);
        view.Items("humanGrades").ShouldBeEmpty();
        view.Items("annotations").ShouldBeEmpty();
        view.GetProperty("myGrade").ValueKind.ShouldBe(JsonValueKind.Null);
        view.GetProperty("adjudication").ValueKind.ShouldBe(JsonValueKind.Null);
        view.Str("evidenceLevel").ShouldBe("hidden");
        view.GetProperty("permissions").GetProperty("othersGradesHidden").GetBoolean().ShouldBeTrue();
        view.GetProperty("permissions").GetProperty("hiddenGradeCount").GetInt32().ShouldBe(1);
        view.Str("text").ShouldBe(ProjectScenario.ProofText);

        (await otto.GetAsync($"/api/solutions/{solution.Id()}/human-grades").ExpectAsync(HttpStatusCode.OK)).Items().ShouldBeEmpty();
        (await otto.GetAsync($"/api/solutions/{solution.Id()}/annotations").ExpectAsync(HttpStatusCode.OK)).Items().ShouldBeEmpty();

        var history = await HistoryAsync(otto, solution);
        history.Select(e => (e.Str("entityType"), e.Str("action"))).ShouldBe([("solution", "created")]);
        history.ShouldAllBe(e => e.Str("actorName") != "Greta Grader" && e.Str("actorName") != "Ada Adjudicator");

        var item = (await otto.GetAsync($"/api/problems/{problem.Id()}/solutions").ExpectAsync(HttpStatusCode.OK)).Items("items").Single();
        item.GetProperty("humanGrades").GetInt32().ShouldBe(0);
        item.GetProperty("annotations").GetInt32().ShouldBe(0);
        item.GetProperty("adjudicatedPoints").ValueKind.ShouldBe(JsonValueKind.Null);
        item.GetProperty("myPoints").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task BlindGrader_ProblemCounts_CoverOnlyTheirOwnWork()
    {
        var (s, problem, _, _, _) = await GradedByGretaAsync();
        static JsonElement Counts(JsonElement p) => p.GetProperty("counts");

        var forOtto = Counts(await s.OtherGrader.Client.GetAsync($"/api/problems/{problem.Id()}").ExpectAsync(HttpStatusCode.OK));
        forOtto.GetProperty("solutions").GetInt32().ShouldBe(1);
        forOtto.GetProperty("graded").GetInt32().ShouldBe(0);
        forOtto.GetProperty("adjudicated").GetInt32().ShouldBe(0);
        forOtto.GetProperty("annotated").GetInt32().ShouldBe(0);
        var listed = (await s.OtherGrader.Client.GetAsync($"/api/projects/{s.ProjectId}/problems").ExpectAsync(HttpStatusCode.OK)).Items().Single();
        Counts(listed).GetProperty("graded").GetInt32().ShouldBe(0);

        var forGreta = Counts(await s.Grader.Client.GetAsync($"/api/problems/{problem.Id()}").ExpectAsync(HttpStatusCode.OK));
        forGreta.GetProperty("graded").GetInt32().ShouldBe(1);
        forGreta.GetProperty("annotated").GetInt32().ShouldBe(1);
        forGreta.GetProperty("adjudicated").GetInt32().ShouldBe(0);

        var forAda = Counts(await s.Adjudicator.Client.GetAsync($"/api/problems/{problem.Id()}").ExpectAsync(HttpStatusCode.OK));
        forAda.GetProperty("graded").GetInt32().ShouldBe(1);
        forAda.GetProperty("adjudicated").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task BlindGrader_OwnAnnotationBeforeGrading_SeesOnlyTheirOwn()
    {
        var (s, _, solution, _, _) = await GradedByGretaAsync();
        var mine = await s.OtherGrader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/annotations", ProjectScenario.Annotation("n^2 is even"))
            .ExpectAsync(HttpStatusCode.Created);

        var listed = await s.OtherGrader.Client.GetAsync($"/api/solutions/{solution.Id()}/annotations").ExpectAsync(HttpStatusCode.OK);
        listed.Items().ShouldHaveSingleItem().Id().ShouldBe(mine.Id());
        var history = await HistoryAsync(s.OtherGrader.Client, solution);
        history.Select(e => (e.Str("entityType"), e.Str("actorName"))).ShouldBe([("annotation", "Otto Grader"), ("solution", "Administrator")]);
    }

    [Fact]
    public async Task BlindGrader_DeletingAnotherGradersHiddenAnnotation_Gets404NotAHint()
    {
        var (s, _, _, annotation, _) = await GradedByGretaAsync();
        var problem = await s.OtherGrader.Client.DeleteAsync($"/api/annotations/{annotation.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
        problem.Str("detail").ShouldBe("The annotation was not found.");
        await s.Viewer.Client.DeleteAsync($"/api/annotations/{annotation.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task BlindGrader_AfterSubmittingOwnGrade_SeesEverything()
    {
        var (s, problem, solution, annotation, gretasGrade) = await GradedByGretaAsync();
        var otto = s.OtherGrader.Client;

        var ottosGrade = await otto.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 5 }).ExpectAsync(HttpStatusCode.Created);

        ottosGrade.GetProperty("givenBlind").GetBoolean().ShouldBeTrue();
        var view = await ViewAsync(otto, solution);
        view.Items("humanGrades").Select(g => g.Id()).ShouldBe([gretasGrade.Id(), ottosGrade.Id()], ignoreOrder: true);
        view.Items("annotations").ShouldHaveSingleItem().Id().ShouldBe(annotation.Id());
        view.GetProperty("myGrade").Id().ShouldBe(ottosGrade.Id());
        view.GetProperty("adjudication").Str("rationale").ShouldBe("Ada agrees with Greta.");
        view.Str("evidenceLevel").ShouldBe("adjudicated");
        view.GetProperty("permissions").GetProperty("othersGradesHidden").GetBoolean().ShouldBeFalse();

        var history = await HistoryAsync(otto, solution);
        history.Select(e => e.Str("actorName")).ShouldContain("Greta Grader");
        history.Select(e => e.Str("entityType")).ShouldContain("adjudication");
        history.Select(e => e.Str("entityType")).ShouldContain("annotation");

        var item = (await otto.GetAsync($"/api/problems/{problem.Id()}/solutions").ExpectAsync(HttpStatusCode.OK)).Items("items").Single();
        (item.GetProperty("humanGrades").GetInt32(), item.GetProperty("annotations").GetInt32()).ShouldBe((2, 1));
        item.GetProperty("adjudicatedPoints").GetDecimal().ShouldBe(3m);
        item.GetProperty("myPoints").GetDecimal().ShouldBe(5m);

        // Now Otto may see Greta's annotation, so deleting it is refused as a matter of role.
        await otto.DeleteAsync($"/api/annotations/{annotation.Id()}").ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task BlindGrade_RevisedAfterOthersGradesBecameVisible_LosesGivenBlindAndHistoryKeepsBoth()
    {
        var (s, _, solution, _, _) = await GradedByGretaAsync();
        var otto = s.OtherGrader.Client;
        var first = await otto.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 5 }).ExpectAsync(HttpStatusCode.Created);
        first.GetProperty("givenBlind").GetBoolean().ShouldBeTrue();

        // Submitting showed Otto Greta's grade and Ada's adjudication; whatever he changes now may lean on them.
        var revised = await otto.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 3, rowVersion = first.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);

        revised.GetProperty("givenBlind").GetBoolean().ShouldBeFalse();
        (await ViewAsync(s.Adjudicator.Client, solution)).Items("humanGrades").Single(g => g.Id() == first.Id())
            .GetProperty("givenBlind").GetBoolean().ShouldBeFalse();
        var versions = (await HistoryAsync(s.Adjudicator.Client, solution))
            .Where(e => e.Str("entityType") == "humanGrade" && e.GetProperty("entityId").GetGuid() == first.Id())
            .Select(e => (e.Str("action"), e.GetProperty("data").GetProperty("points").GetDecimal(), e.GetProperty("data").GetProperty("givenBlind").GetBoolean()))
            .ToList();
        versions.ShouldBe([("revised", 3m, false), ("created", 5m, true)]);

        // Blindness lost stays lost, even for a revision that changes nothing.
        var again = await otto.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 3, rowVersion = revised.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);
        again.GetProperty("givenBlind").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task BlindGrade_RevisedWhileNoOtherGradeExists_StaysBlind()
    {
        var s = await ProjectScenario.CreateAsync(api, blindGrading: true);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var first = await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 5 })
            .ExpectAsync(HttpStatusCode.Created);

        var revised = await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 4, rowVersion = first.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);

        revised.GetProperty("givenBlind").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task OpenProjectGrade_RevisedAfterAnotherGraderGraded_LosesGivenBlind()
    {
        var (s, _, solution, _, gretasGrade) = await GradedByGretaAsync(blindGrading: false);
        var otto = s.OtherGrader.Client;
        var ottos = await otto.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 2 }).ExpectAsync(HttpStatusCode.Created);
        ottos.GetProperty("givenBlind").GetBoolean().ShouldBeFalse();

        // Greta graded before anyone else, so her first grade was blind; Otto's grade and Ada's adjudication are in view now.
        gretasGrade.GetProperty("givenBlind").GetBoolean().ShouldBeTrue();
        var revised = await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades",
            new { points = 2, rowVersion = gretasGrade.RowVersion() }).ExpectAsync(HttpStatusCode.OK);

        revised.GetProperty("givenBlind").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task BlindGrader_WhoGradedFirst_SeesTheLaterAdjudication()
    {
        var (s, _, solution, _, _) = await GradedByGretaAsync();
        var view = await ViewAsync(s.Grader.Client, solution);
        view.GetProperty("adjudication").GetProperty("points").GetDecimal().ShouldBe(3m);
        view.Items("humanGrades").ShouldHaveSingleItem();
    }

    [Theory]
    [InlineData("adjudicator")]
    [InlineData("admin")]
    [InlineData("globalAdmin")]
    public async Task BlindProject_AdjudicatorOrAdmin_SeesEverythingWithoutGrading(string role)
    {
        var (s, _, solution, annotation, grade) = await GradedByGretaAsync();

        var view = await ViewAsync(s.As(role), solution);

        view.Items("humanGrades").ShouldHaveSingleItem().Id().ShouldBe(grade.Id());
        view.Items("annotations").ShouldHaveSingleItem().Id().ShouldBe(annotation.Id());
        view.GetProperty("adjudication").ValueKind.ShouldBe(JsonValueKind.Object);
        view.GetProperty("permissions").GetProperty("othersGradesHidden").GetBoolean().ShouldBeFalse();
        (await HistoryAsync(s.As(role), solution)).Select(e => e.Str("entityType")).ShouldBe(["adjudication", "humanGrade", "annotation", "solution"]);
    }

    [Fact]
    public async Task BlindProject_Viewer_NeverSeesOthersGrades()
    {
        // A viewer cannot grade, so BlindPolicy never lifts the blind for them.
        var (s, _, solution, _, _) = await GradedByGretaAsync();
        var view = await ViewAsync(s.Viewer.Client, solution);
        view.Items("humanGrades").ShouldBeEmpty();
        view.GetProperty("adjudication").ValueKind.ShouldBe(JsonValueKind.Null);
        (await HistoryAsync(s.Viewer.Client, solution)).Select(e => e.Str("entityType")).ShouldBe(["solution"]);
    }

    [Fact]
    public async Task OpenProject_Grader_SeesOthersGradesWithoutGrading()
    {
        var (s, _, solution, _, grade) = await GradedByGretaAsync(blindGrading: false);
        var view = await ViewAsync(s.OtherGrader.Client, solution);
        view.Items("humanGrades").ShouldHaveSingleItem().Id().ShouldBe(grade.Id());
        view.Items("annotations").Count.ShouldBe(1);
        view.GetProperty("adjudication").ValueKind.ShouldBe(JsonValueKind.Object);
        grade.GetProperty("givenBlind").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task SwitchingBlindOn_HidesWhatWasVisible()
    {
        var (s, _, solution, _, _) = await GradedByGretaAsync(blindGrading: false);
        (await ViewAsync(s.OtherGrader.Client, solution)).Items("humanGrades").Count.ShouldBe(1);
        await s.Admin.PatchAsJsonAsync($"/api/projects/{s.ProjectId}", new { blindGrading = true, rowVersion = s.Project.RowVersion() }).ExpectAsync(HttpStatusCode.OK);
        (await ViewAsync(s.OtherGrader.Client, solution)).Items("humanGrades").ShouldBeEmpty();
    }

    [Theory]
    [InlineData("viewer", false)]
    [InlineData("grader", false)]
    [InlineData("adjudicator", true)]
    [InlineData("admin", true)]
    public async Task HideAuthors_AuthorShownOnlyToAdjudicatorsAndAdmins(string role, bool seesAuthor)
    {
        var s = await ProjectScenario.CreateAsync(api, hideAuthors: true);
        var (problem, solution) = await s.ProblemAndSolutionAsync();

        var view = await ViewAsync(s.As(role), solution);
        var item = (await s.As(role).GetAsync($"/api/problems/{problem.Id()}/solutions").ExpectAsync(HttpStatusCode.OK)).Items("items").Single();
        var created = (await HistoryAsync(s.As(role), solution)).Single(e => e.Str("entityType") == "solution");

        view.GetProperty("permissions").GetProperty("authorHidden").GetBoolean().ShouldBe(!seesAuthor);
        if (seesAuthor)
        {
            view.Str("author").ShouldBe("model-x");
            item.Str("author").ShouldBe("model-x");
            created.GetProperty("data").GetProperty("author").GetString().ShouldBe("model-x");
        }
        else
        {
            view.GetProperty("author").ValueKind.ShouldBe(JsonValueKind.Null);
            item.GetProperty("author").ValueKind.ShouldBe(JsonValueKind.Null);
            created.GetProperty("data").ToString().ShouldNotContain("model-x");
        }
    }

    [Fact]
    public async Task HideAuthorsOff_GraderSeesTheAuthor()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        (await ViewAsync(s.Grader.Client, solution)).Str("author").ShouldBe("model-x");
    }
}
