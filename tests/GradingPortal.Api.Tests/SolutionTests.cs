using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GradingPortal.Testing;

namespace GradingPortal.Api.Tests;

/// <summary>Adding, paging and reading solutions.</summary>
public sealed class SolutionTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task CreateSolution_ByGrader_Returns201WithTheSolutionView()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();

        using var response = await s.Grader.Client.PostAsJsonAsync($"/api/problems/{problem.Id()}/solutions",
            new { text = ProjectScenario.ProofText, author = " gpt-5 ", externalId = "run-1/p1" });
        var solution = await response.ExpectAsync(HttpStatusCode.Created);

        response.Headers.Location!.ToString().ShouldBe($"/api/solutions/{solution.Id()}");
        solution.Str("text").ShouldBe(ProjectScenario.ProofText);
        solution.Str("author").ShouldBe("gpt-5");
        solution.Str("externalId").ShouldBe("run-1/p1");
        solution.GetProperty("projectId").GetGuid().ShouldBe(s.ProjectId);
        solution.GetProperty("problemId").GetGuid().ShouldBe(problem.Id());
        var problemPart = solution.GetProperty("problem");
        (problemPart.Id(), problemPart.Str("title"), problemPart.GetProperty("maxPoints").GetInt32()).ShouldBe((problem.Id(), "Parity", 7));
        solution.GetProperty("rubric").Id().ShouldBe(problem.GetProperty("currentRubric").Id());
        solution.Items("annotations").ShouldBeEmpty();
        solution.Items("humanGrades").ShouldBeEmpty();
        solution.GetProperty("myGrade").ValueKind.ShouldBe(JsonValueKind.Null);
        solution.GetProperty("adjudication").ValueKind.ShouldBe(JsonValueKind.Null);
        solution.Str("evidenceLevel").ShouldBe("none");
        var permissions = solution.GetProperty("permissions");
        permissions.Str("role").ShouldBe("grader");
        permissions.GetProperty("canGrade").GetBoolean().ShouldBeTrue();
        permissions.GetProperty("canAdjudicate").GetBoolean().ShouldBeFalse();
        permissions.GetProperty("othersGradesHidden").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task GetSolution_OnlyAValidModelGrade_IsModelOnlyEvidence()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        var created = await s.Grader.Client.PostAsJsonAsync($"/api/problems/{problem.Id()}/solutions", new { text = ProjectScenario.ProofText })
            .ExpectAsync(HttpStatusCode.Created);
        await api.WithDbAsync(async db =>
        {
            // A failed verdict alone is not evidence; a valid one is.
            db.ModelGrades.Add(GradingPortal.Domain.Grading.ModelGrade.CreateNeedsAttention(s.ProjectId, created.Id(), 7, "absolute", "m",
                GradingPortal.Domain.Common.Ids.New(), "not JSON", "oops", "{}", null, DateTimeOffset.UtcNow));
            await db.SaveChangesAsync();
        });
        (await s.Grader.Client.GetAsync($"/api/solutions/{created.Id()}").ExpectAsync(HttpStatusCode.OK)).Str("evidenceLevel").ShouldBe("none");

        await api.WithDbAsync(async db =>
        {
            db.ModelGrades.Add(GradingPortal.Domain.Grading.ModelGrade.CreateValid(s.ProjectId, created.Id(), ProjectScenario.ProofText, 7, "absolute",
                "m", GradingPortal.Domain.Common.Ids.New(), null, 5m, [], [], "", "", "{}", "{}", null, DateTimeOffset.UtcNow));
            await db.SaveChangesAsync();
        });
        (await s.Grader.Client.GetAsync($"/api/solutions/{created.Id()}").ExpectAsync(HttpStatusCode.OK)).Str("evidenceLevel").ShouldBe("modelOnly");
    }

    [Fact]
    public async Task CreateSolution_WithoutText_Returns400ForText()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        var errors = await s.Grader.Client.PostAsJsonAsync($"/api/problems/{problem.Id()}/solutions", new { text = "  ", author = "x" }).ExpectValidationAsync("text");
        errors.Messages("text").ShouldBe(["Solution text is required."]);
        await s.Grader.Client.PostAsJsonAsync($"/api/problems/{problem.Id()}/solutions", new { author = new string('a', 201), text = "t" })
            .ExpectValidationAsync("author");
    }

    [Fact]
    public async Task CreateSolution_DuplicateExternalIdInProblem_Returns409()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        var other = await s.CreateProblemAsync(title: "Other");
        await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/solutions", new { text = "a", externalId = "s1" }).ExpectAsync(HttpStatusCode.Created);
        (await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/solutions", new { text = "b", externalId = "s1" })
            .ExpectProblemAsync(HttpStatusCode.Conflict)).Str("detail").ShouldBe("Another record already uses this external id.");
        await s.Admin.PostAsJsonAsync($"/api/problems/{other.Id()}/solutions", new { text = "c", externalId = "s1" }).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task CreateSolution_LongProofFromTheCorpus_KeepsTheTextExactly()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        using var file = JsonDocument.Parse(await File.ReadAllTextAsync(Corpora.PathOf("opc/BMOSL/2016_6.json")));
        var text = file.RootElement.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("solution").GetString()!).MaxBy(t => t.Length)!;
        text.Length.ShouldBeGreaterThan(5_000);

        var created = await s.Grader.Client.PostAsJsonAsync($"/api/problems/{problem.Id()}/solutions", new { text, author = "corpus" })
            .ExpectAsync(HttpStatusCode.Created);

        (await s.Viewer.Client.GetAsync($"/api/solutions/{created.Id()}").ExpectAsync(HttpStatusCode.OK)).Str("text").ShouldBe(text);
        var listed = (await s.Viewer.Client.GetAsync($"/api/problems/{problem.Id()}/solutions").ExpectAsync(HttpStatusCode.OK)).Items("items").Single();
        listed.GetProperty("length").GetInt32().ShouldBe(text.Length);
        var excerpt = listed.Str("excerpt")!;
        excerpt.Length.ShouldBe(201);
        excerpt.ShouldEndWith("…");
        excerpt.ShouldNotContain("\n");
    }

    [Fact]
    public async Task ListSolutions_MoreThanOnePage_FollowingNextGivesEverySolutionOnceInCreationOrder()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        var created = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            created.Add((await s.CreateSolutionAsync(problem.Id(), $"Proof number {i}.", author: $"model-{i}")).Id());
        }
        // Another problem's solutions never leak into this list.
        var other = await s.CreateProblemAsync(title: "Other");
        await s.CreateSolutionAsync(other.Id());

        var seen = new List<Guid>();
        var pageSizes = new List<int>();
        string? next = $"/api/problems/{problem.Id()}/solutions?limit=3";
        while (next is not null)
        {
            var page = await s.Viewer.Client.GetAsync(next).ExpectAsync(HttpStatusCode.OK);
            pageSizes.Add(page.Items("items").Count);
            seen.AddRange(page.Items("items").Select(i => i.Id()));
            var nextLink = page.GetProperty("next");
            next = nextLink.ValueKind == JsonValueKind.Null ? null : nextLink.GetString();
            next?.ShouldStartWith($"/api/problems/{problem.Id()}/solutions?");
            pageSizes.Count.ShouldBeLessThan(10, "paging never ended");
        }

        pageSizes.ShouldBe([3, 3, 2]);
        seen.ShouldBe(created);
        // The same order with one big page, and again: the order is stable.
        var whole = await s.Viewer.Client.GetAsync($"/api/problems/{problem.Id()}/solutions?limit=500").ExpectAsync(HttpStatusCode.OK);
        whole.Items("items").Select(i => i.Id()).ShouldBe(created);
        whole.GetProperty("next").ValueKind.ShouldBe(JsonValueKind.Null);
        var first = whole.Items("items")[0];
        (first.Str("author"), first.Str("excerpt"), first.GetProperty("length").GetInt32()).ShouldBe(("model-0", "Proof number 0.", 15));
    }

    [Theory]
    [InlineData("after=not-a-guid")]
    [InlineData("limit=ten")]
    public async Task ListSolutions_UnreadableQuery_Returns400Problem(string query)
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        await s.Viewer.Client.GetAsync($"/api/problems/{problem.Id()}/solutions?{query}").ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ListSolutions_ExactlyOnePageFull_EndsWithoutAnEmptyPage()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        await s.CreateSolutionAsync(problem.Id(), "a");
        await s.CreateSolutionAsync(problem.Id(), "b");

        var page = await s.Viewer.Client.GetAsync($"/api/problems/{problem.Id()}/solutions?limit=2").ExpectAsync(HttpStatusCode.OK);
        page.Items("items").Count.ShouldBe(2);
        page.GetProperty("next").ValueKind.ShouldBe(JsonValueKind.Null);
        var empty = await s.Viewer.Client.GetAsync($"/api/problems/{Guid.Empty}/solutions").ExpectProblemAsync(HttpStatusCode.NotFound);
        empty.Str("detail").ShouldBe("The problem was not found.");
    }

    [Fact]
    public async Task ListSolutions_SummaryCounts_ShowGradesAnnotationsAndMine()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, solution) = await s.ProblemAndSolutionAsync();
        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/annotations", ProjectScenario.Annotation("n be even"))
            .ExpectAsync(HttpStatusCode.Created);
        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 4.5 }).ExpectAsync(HttpStatusCode.Created);
        await s.OtherGrader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 5 }).ExpectAsync(HttpStatusCode.Created);
        await s.Adjudicator.Client.PutAsJsonAsync($"/api/solutions/{solution.Id()}/adjudication", new { points = 5, rationale = "Agree with Otto." })
            .ExpectAsync(HttpStatusCode.Created);

        var item = (await s.Grader.Client.GetAsync($"/api/problems/{problem.Id()}/solutions").ExpectAsync(HttpStatusCode.OK)).Items("items").Single();

        item.GetProperty("humanGrades").GetInt32().ShouldBe(2);
        item.GetProperty("annotations").GetInt32().ShouldBe(1);
        item.GetProperty("myPoints").GetDecimal().ShouldBe(4.5m);
        item.GetProperty("adjudicatedPoints").GetDecimal().ShouldBe(5m);
        var viewerItem = (await s.Viewer.Client.GetAsync($"/api/problems/{problem.Id()}/solutions").ExpectAsync(HttpStatusCode.OK)).Items("items").Single();
        viewerItem.GetProperty("myPoints").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task GetSolution_Member_SeesNeighboursForKeyboardNavigation()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        var a = await s.CreateSolutionAsync(problem.Id(), "a");
        var b = await s.CreateSolutionAsync(problem.Id(), "b");
        var c = await s.CreateSolutionAsync(problem.Id(), "c");

        var middle = await s.Viewer.Client.GetAsync($"/api/solutions/{b.Id()}").ExpectAsync(HttpStatusCode.OK);

        middle.Str("text").ShouldBe("b");
        middle.GetProperty("previousSolutionId").GetGuid().ShouldBe(a.Id());
        middle.GetProperty("nextSolutionId").GetGuid().ShouldBe(c.Id());
        middle.GetProperty("permissions").Str("role").ShouldBe("viewer");
        middle.GetProperty("permissions").GetProperty("canAnnotate").GetBoolean().ShouldBeFalse();
        var first = await s.Viewer.Client.GetAsync($"/api/solutions/{a.Id()}").ExpectAsync(HttpStatusCode.OK);
        first.GetProperty("previousSolutionId").ValueKind.ShouldBe(JsonValueKind.Null);
        (await s.Viewer.Client.GetAsync($"/api/solutions/{c.Id()}").ExpectAsync(HttpStatusCode.OK))
            .GetProperty("nextSolutionId").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task GetSolution_OutsiderOrUnknown_Returns404()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        (await s.Outsider.Client.GetAsync($"/api/solutions/{solution.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound, "Not found"))
            .Str("detail").ShouldBe("The solution was not found.");
        await s.Admin.GetAsync($"/api/solutions/{Guid.NewGuid()}").ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
