using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GradingPortal.Api.Tests;

/// <summary>Problems and their versioned rubrics.</summary>
public sealed class ProblemTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static object Rubric(params (string Title, decimal Points)[] items) =>
        new { items = items.Select(i => new { title = i.Title, points = i.Points, description = $"{i.Title} done" }).ToArray(), zeroCredit = "Nothing" };

    [Fact]
    public async Task CreateProblem_WithRubric_StoresItAsTheOfficialApprovedVersion1()
    {
        var s = await ProjectScenario.CreateAsync(api);

        using var response = await s.Adjudicator.Client.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems", new
        {
            title = "P1",
            statement = "Prove $\\sum_{k=1}^n k = \\frac{n(n+1)}{2}$.",
            source = "USAMO 2025",
            externalId = "usamo-2025-1",
            referenceSolutions = new[] { new { text = "Induction.", source = (string?)"official" }, new { text = "Pairing.", source = (string?)null } },
            rubric = new
            {
                items = new[] { new { title = "Base case", points = 1.5m, description = "n = 1" }, new { title = "Step", points = 5.5m, description = "" } },
                zeroCredit = "Checking small cases.",
                deductions = new[] { new { description = "Sloppy algebra", points = 0.5m } },
            },
        });
        var problem = await response.ExpectAsync(HttpStatusCode.Created);

        response.Headers.Location!.ToString().ShouldBe($"/api/problems/{problem.Id()}");
        problem.GetProperty("projectId").GetGuid().ShouldBe(s.ProjectId);
        problem.Str("title").ShouldBe("P1");
        problem.Str("statement").ShouldBe("Prove $\\sum_{k=1}^n k = \\frac{n(n+1)}{2}$.");
        problem.GetProperty("maxPoints").GetInt32().ShouldBe(7);
        problem.Str("externalId").ShouldBe("usamo-2025-1");
        problem.Items("referenceSolutions").Select(r => (r.GetProperty("ordinal").GetInt32(), r.Str("text"), r.Str("source")))
            .ShouldBe([(0, "Induction.", "official"), (1, "Pairing.", "")]);
        var rubric = problem.GetProperty("currentRubric");
        rubric.GetProperty("version").GetInt32().ShouldBe(1);
        rubric.Str("status").ShouldBe("approved");
        rubric.Str("origin").ShouldBe("official");
        rubric.GetProperty("totalPoints").GetDecimal().ShouldBe(7m);
        rubric.Str("zeroCredit").ShouldBe("Checking small cases.");
        rubric.GetProperty("approvedAt").ValueKind.ShouldBe(JsonValueKind.String);
        rubric.Items("items").Select(i => (i.Str("title"), i.GetProperty("points").GetDecimal())).ShouldBe([("Base case", 1.5m), ("Step", 5.5m)]);
        rubric.Items("deductions").ShouldHaveSingleItem().GetProperty("points").GetDecimal().ShouldBe(0.5m);
        problem.Items("rubrics").ShouldHaveSingleItem().Id().ShouldBe(rubric.Id());
        problem.GetProperty("counts").GetProperty("solutions").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task CreateProblem_WithoutRubric_HasNoRubricAndTheProjectsMaxPoints()
    {
        var s = await ProjectScenario.CreateAsync(api);
        await s.Admin.PatchAsJsonAsync($"/api/projects/{s.ProjectId}", new { maxPoints = 10, rowVersion = s.Project.RowVersion() }).ExpectAsync(HttpStatusCode.OK);

        var problem = await s.Admin.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems", new { title = "P2", statement = "S" })
            .ExpectAsync(HttpStatusCode.Created);

        problem.GetProperty("maxPoints").GetInt32().ShouldBe(10);
        problem.GetProperty("currentRubric").ValueKind.ShouldBe(JsonValueKind.Null);
        problem.Items("rubrics").ShouldBeEmpty();
        problem.Items("referenceSolutions").ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateProblem_RubricNotSummingToMaxPoints_Returns400ForRubricItemsAndStoresNothing()
    {
        var s = await ProjectScenario.CreateAsync(api);

        var errors = await s.Admin.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems",
            new { title = "P1", statement = "S", maxPoints = 10, rubric = Rubric(("A", 3), ("B", 4)) }).ExpectValidationAsync("rubric.items");

        errors.Messages("rubric.items").ShouldBe(["Item points sum to 7, but the problem is worth 10."]);
        (await s.Admin.GetAsync($"/api/projects/{s.ProjectId}/problems").ExpectAsync(HttpStatusCode.OK)).Items().ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateProblem_BadRubricItem_Returns400ForThatItem()
    {
        var s = await ProjectScenario.CreateAsync(api);
        await s.Admin.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems",
            new { title = "P1", statement = "S", rubric = Rubric(("", 3), ("B", 3.75m), ("C", 0.25m)) })
            .ExpectValidationAsync("rubric.items[0].title", "rubric.items[1].points", "rubric.items[2].points");
        await s.Admin.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems", new { title = "P1", statement = "S", rubric = new { items = Array.Empty<object>() } })
            .ExpectValidationAsync("rubric.items");
    }

    [Fact]
    public async Task CreateProblem_MissingTitleAndStatement_Returns400ForBoth()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var errors = await s.Admin.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems", new { maxPoints = 7 }).ExpectValidationAsync("title", "statement");
        errors.Messages("title").ShouldBe(["Title is required (at most 300 characters)."]);
        await s.Admin.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems", new { title = "  ", statement = "S" }).ExpectValidationAsync("title");
        await s.Admin.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems", new { title = "T", statement = "S", maxPoints = 0 }).ExpectValidationAsync("maxPoints");
        await s.Admin.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems",
            new { title = "T", statement = "S", referenceSolutions = new[] { new { text = " " } } }).ExpectValidationAsync("referenceSolutions[0].text");
    }

    [Fact]
    public async Task CreateProblem_DuplicateExternalId_Returns409()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var body = new { title = "P1", statement = "S", externalId = "p1" };
        await s.Admin.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems", body).ExpectAsync(HttpStatusCode.Created);
        var problem = await s.Admin.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems", body).ExpectProblemAsync(HttpStatusCode.Conflict, "Conflict");
        problem.Str("detail").ShouldBe("Another record already uses this external id.");
    }

    [Fact]
    public async Task ListProblems_Member_SeesLiveProblemsInCreationOrderWithCounts()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var first = await s.CreateProblemAsync(title: "First");
        var second = await s.CreateProblemAsync(withRubric: false, title: "Second");
        var solution = await s.CreateSolutionAsync(first.Id());
        await s.CreateSolutionAsync(first.Id(), "Another proof.");
        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 3 }).ExpectAsync(HttpStatusCode.Created);

        var list = await s.Viewer.Client.GetAsync($"/api/projects/{s.ProjectId}/problems").ExpectAsync(HttpStatusCode.OK);

        list.Items().Select(p => (p.Id(), p.Str("title"))).ShouldBe([(first.Id(), "First"), (second.Id(), "Second")]);
        var counts = list.Items()[0].GetProperty("counts");
        (counts.GetProperty("solutions").GetInt32(), counts.GetProperty("graded").GetInt32(), counts.GetProperty("adjudicated").GetInt32())
            .ShouldBe((2, 1, 0));
        list.Items()[1].GetProperty("counts").GetProperty("solutions").GetInt32().ShouldBe(0);
        list.Items()[0].GetProperty("maxPoints").GetInt32().ShouldBe(7);
    }

    [Fact]
    public async Task GetProblem_Member_SeesReferencesAndRubricVersions()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var created = await s.CreateProblemAsync();

        var problem = await s.Viewer.Client.GetAsync($"/api/problems/{created.Id()}").ExpectAsync(HttpStatusCode.OK);

        problem.Str("title").ShouldBe("Parity");
        problem.Items("referenceSolutions").ShouldHaveSingleItem().Str("source").ShouldBe("official");
        problem.GetProperty("currentRubric").Id().ShouldBe(created.GetProperty("currentRubric").Id());
        problem.RowVersion().ShouldBe(created.RowVersion());
        await s.Admin.GetAsync($"/api/problems/{Guid.NewGuid()}").ExpectProblemAsync(HttpStatusCode.NotFound, "Not found");
    }

    [Fact]
    public async Task PatchProblem_ByAdjudicator_ChangesGivenFieldsAndReplacesReferences()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var created = await s.CreateProblemAsync();

        var patched = await s.Adjudicator.Client.PatchAsJsonAsync($"/api/problems/{created.Id()}", new
        {
            title = "Parity, revised",
            referenceSolutions = new[] { new { text = "New reference.", source = "ours" }, new { text = "Second.", source = "ours" } },
            rowVersion = created.RowVersion(),
        }).ExpectAsync(HttpStatusCode.OK);

        patched.Str("title").ShouldBe("Parity, revised");
        patched.Str("statement").ShouldBe(created.Str("statement"));
        patched.Items("referenceSolutions").Select(r => r.Str("text")).ShouldBe(["New reference.", "Second."]);
        patched.RowVersion().ShouldNotBe(created.RowVersion());
        var reread = await s.Viewer.Client.GetAsync($"/api/problems/{created.Id()}").ExpectAsync(HttpStatusCode.OK);
        reread.Items("referenceSolutions").Count.ShouldBe(2);
    }

    [Fact]
    public async Task PatchProblem_ReferencesAfterOtherEdits_ReplacesThemEveryTime()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (created, _) = await s.ProblemAndSolutionAsync();
        var url = $"/api/problems/{created.Id()}";
        var rowVersion = (await s.Adjudicator.Client.PatchAsJsonAsync(url, new { title = "t2", rowVersion = created.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK)).RowVersion();

        foreach (var text in (string[])["r2", "r3"])
        {
            var patched = await s.Adjudicator.Client.PatchAsJsonAsync(url, new
            {
                title = $"t-{text}",
                referenceSolutions = new[] { new { text, source = "o" } },
                rowVersion,
            }).ExpectAsync(HttpStatusCode.OK);
            patched.Items("referenceSolutions").ShouldHaveSingleItem().Str("text").ShouldBe(text);
            rowVersion = patched.RowVersion();
        }

        var reread = await s.Viewer.Client.GetAsync(url).ExpectAsync(HttpStatusCode.OK);
        reread.Items("referenceSolutions").Select(r => (r.Str("text"), r.GetProperty("ordinal").GetInt32())).ShouldBe([("r3", 0)]);
        reread.Str("title").ShouldBe("t-r3");
    }

    [Fact]
    public async Task PatchProblem_StaleRowVersion_Returns409AndKeepsTheOtherEdit()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var created = await s.CreateProblemAsync();
        await s.Admin.PatchAsJsonAsync($"/api/problems/{created.Id()}", new { title = "First", rowVersion = created.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);

        await s.Adjudicator.Client.PatchAsJsonAsync($"/api/problems/{created.Id()}", new { title = "Second", rowVersion = created.RowVersion() })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "Conflict");

        (await s.Admin.GetAsync($"/api/problems/{created.Id()}").ExpectAsync(HttpStatusCode.OK)).Str("title").ShouldBe("First");
    }

    [Fact]
    public async Task PatchProblem_WithoutRowVersion_Returns400ForRowVersionAndChangesNothing()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var created = await s.CreateProblemAsync();

        await s.Adjudicator.Client.PatchAsJsonAsync($"/api/problems/{created.Id()}", new { title = "Blind overwrite" })
            .ExpectValidationAsync("rowVersion");

        var reread = await s.Admin.GetAsync($"/api/problems/{created.Id()}").ExpectAsync(HttpStatusCode.OK);
        reread.Str("title").ShouldBe(created.Str("title"));
        reread.RowVersion().ShouldBe(created.RowVersion());
    }

    [Fact]
    public async Task PatchProblem_MaxPointsOnceItHasARubric_Returns400ForMaxPoints()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var created = await s.CreateProblemAsync();
        var errors = await s.Admin.PatchAsJsonAsync($"/api/problems/{created.Id()}", new { maxPoints = 10, title = "", rowVersion = created.RowVersion() })
            .ExpectValidationAsync("maxPoints", "title");
        errors.Messages("maxPoints").ShouldBe(["Max points cannot change once the problem has grades or rubrics."]);
        (await s.Admin.GetAsync($"/api/problems/{created.Id()}").ExpectAsync(HttpStatusCode.OK)).GetProperty("maxPoints").GetInt32().ShouldBe(7);
    }

    [Fact]
    public async Task DeleteProblem_ByAdmin_HidesItAndItsSolutions()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, solution) = await s.ProblemAndSolutionAsync();

        await s.ProjectAdmin.Client.DeleteAsync($"/api/problems/{problem.Id()}").ExpectAsync(HttpStatusCode.NoContent);

        (await s.Admin.GetAsync($"/api/problems/{problem.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound)).Str("detail")
            .ShouldBe("The problem was not found.");
        (await s.Admin.GetAsync($"/api/projects/{s.ProjectId}/problems").ExpectAsync(HttpStatusCode.OK)).Items().ShouldBeEmpty();
        await s.Admin.GetAsync($"/api/solutions/{solution.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Admin.GetAsync($"/api/problems/{problem.Id()}/solutions").ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Admin.GetAsync($"/api/problems/{problem.Id()}/rubrics").ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Admin.PatchAsJsonAsync($"/api/problems/{problem.Id()}", new { title = "back?", rowVersion = problem.RowVersion() }).ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Admin.DeleteAsync($"/api/problems/{problem.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
        var project = await s.Admin.GetAsync($"/api/projects/{s.ProjectId}").ExpectAsync(HttpStatusCode.OK);
        (project.GetProperty("problemCount").GetInt32(), project.GetProperty("solutionCount").GetInt32()).ShouldBe((0, 0));
    }

    [Fact]
    public async Task DeleteProblem_ItsRubricsAndAnnotationsAreHiddenToo()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, solution) = await s.ProblemAndSolutionAsync();
        var draft = await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", Rubric(("All", 7))).ExpectAsync(HttpStatusCode.Created);
        var annotation = await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/annotations", ProjectScenario.Annotation("n be even"))
            .ExpectAsync(HttpStatusCode.Created);

        await s.Admin.DeleteAsync($"/api/problems/{problem.Id()}").ExpectAsync(HttpStatusCode.NoContent);

        await s.Admin.GetAsync($"/api/rubrics/{draft.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Admin.PutAsJsonAsync($"/api/rubrics/{draft.Id()}", new { items = new[] { new { title = "x", points = 7 } }, rowVersion = draft.RowVersion() })
            .ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Admin.PostAsync($"/api/rubrics/{draft.Id()}/approve", null).ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Admin.GetAsync($"/api/solutions/{solution.Id()}/annotations").ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Admin.GetAsync($"/api/solutions/{solution.Id()}/history").ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Grader.Client.DeleteAsync($"/api/annotations/{annotation.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 1 }).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeleteProblem_ExternalIdIsFreedForANewProblem()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var body = new { title = "P1", statement = "S", externalId = "p1" };
        var first = await s.Admin.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems", body).ExpectAsync(HttpStatusCode.Created);
        await s.Admin.DeleteAsync($"/api/problems/{first.Id()}").ExpectAsync(HttpStatusCode.NoContent);
        await s.Admin.PostAsJsonAsync($"/api/projects/{s.ProjectId}/problems", body).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task CreateRubric_ByAdjudicator_CreatesTheNextDraftVersion()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();

        using var response = await s.Adjudicator.Client.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", Rubric(("Lemma", 2), ("Rest", 5)));
        var v2 = await response.ExpectAsync(HttpStatusCode.Created);
        var v3 = await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", Rubric(("All", 7))).ExpectAsync(HttpStatusCode.Created);

        response.Headers.Location!.ToString().ShouldBe($"/api/rubrics/{v2.Id()}");
        (v2.GetProperty("version").GetInt32(), v2.Str("status"), v2.Str("origin")).ShouldBe((2, "draft", "manual"));
        v2.GetProperty("problemId").GetGuid().ShouldBe(problem.Id());
        v2.GetProperty("approvedAt").ValueKind.ShouldBe(JsonValueKind.Null);
        v2.Items("items").Select(i => (i.GetProperty("ordinal").GetInt32(), i.Str("title"))).ShouldBe([(0, "Lemma"), (1, "Rest")]);
        v3.GetProperty("version").GetInt32().ShouldBe(3);

        var list = await s.Grader.Client.GetAsync($"/api/problems/{problem.Id()}/rubrics").ExpectAsync(HttpStatusCode.OK);
        list.Items().Select(r => (r.GetProperty("version").GetInt32(), r.Str("status"))).ShouldBe([(3, "draft"), (2, "draft"), (1, "approved")]);
        // Drafts do not replace what graders grade against.
        (await s.Grader.Client.GetAsync($"/api/problems/{problem.Id()}").ExpectAsync(HttpStatusCode.OK))
            .GetProperty("currentRubric").GetProperty("version").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task CreateRubric_ForProblemWithoutRubric_StartsAtVersion1()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync(withRubric: false);
        var v1 = await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", Rubric(("All", 7))).ExpectAsync(HttpStatusCode.Created);
        (v1.GetProperty("version").GetInt32(), v1.Str("status")).ShouldBe((1, "draft"));
    }

    [Fact]
    public async Task CreateRubric_Invalid_Returns400PerField()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        var errors = await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", Rubric(("A", 3), ("B", 3))).ExpectValidationAsync("items");
        errors.Messages("items").ShouldBe(["Item points sum to 6, but the problem is worth 7."]);
        await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", new { items = new[] { new { title = "A", points = 7 } },
            deductions = new[] { new { description = "", points = 9 } } }).ExpectValidationAsync("deductions[0].description", "deductions[0].points");
        (await s.Admin.GetAsync($"/api/problems/{problem.Id()}/rubrics").ExpectAsync(HttpStatusCode.OK)).Items().Count.ShouldBe(1);
    }

    [Fact]
    public async Task GetRubric_Member_SeesItOutsiderGets404()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        var rubricId = problem.GetProperty("currentRubric").Id();
        var rubric = await s.Viewer.Client.GetAsync($"/api/rubrics/{rubricId}").ExpectAsync(HttpStatusCode.OK);
        rubric.Items("items").Select(i => i.Str("title")).ShouldBe(["Key lemma", "Finish"]);
        rubric.Str("zeroCredit").ShouldBe("Only restating the problem.");
        (await s.Outsider.Client.GetAsync($"/api/rubrics/{rubricId}").ExpectProblemAsync(HttpStatusCode.NotFound)).Str("detail")
            .ShouldBe("The rubric was not found.");
        await s.Viewer.Client.GetAsync($"/api/rubrics/{Guid.NewGuid()}").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PutRubric_Draft_ReplacesItsContentIncludingNewItems()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        var draft = await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", Rubric(("All", 7))).ExpectAsync(HttpStatusCode.Created);
        var firstItemId = draft.Items("items")[0].Id();

        var edited = await s.Adjudicator.Client.PutAsJsonAsync($"/api/rubrics/{draft.Id()}", new
        {
            items = new[] { new { title = "Lemma", points = 2.5m }, new { title = "Middle", points = 2m }, new { title = "Finish", points = 2.5m } },
            zeroCredit = "Restating",
            notes = "Split after review.",
            rowVersion = draft.RowVersion(),
        }).ExpectAsync(HttpStatusCode.OK);

        edited.Items("items").Select(i => (i.Str("title"), i.GetProperty("points").GetDecimal())).ShouldBe([("Lemma", 2.5m), ("Middle", 2m), ("Finish", 2.5m)]);
        edited.Items("items")[0].Id().ShouldBe(firstItemId);
        edited.Str("notes").ShouldBe("Split after review.");
        edited.RowVersion().ShouldNotBe(draft.RowVersion());
        var reread = await s.Admin.GetAsync($"/api/rubrics/{draft.Id()}").ExpectAsync(HttpStatusCode.OK);
        reread.Items("items").Count.ShouldBe(3);
        reread.RowVersion().ShouldBe(edited.RowVersion());

        // Fewer items: the dropped ones are gone.
        var shrunk = await s.Admin.PutAsJsonAsync($"/api/rubrics/{draft.Id()}", new { items = new[] { new { title = "All", points = 7 } }, rowVersion = edited.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);
        shrunk.Items("items").ShouldHaveSingleItem().Id().ShouldBe(firstItemId);
        (await s.Admin.GetAsync($"/api/rubrics/{draft.Id()}").ExpectAsync(HttpStatusCode.OK)).Items("items").Count.ShouldBe(1);
    }

    [Fact]
    public async Task PutRubric_StaleRowVersion_Returns409AndKeepsTheOtherEdit()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        var draft = await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", Rubric(("All", 7))).ExpectAsync(HttpStatusCode.Created);
        await s.Adjudicator.Client.PutAsJsonAsync($"/api/rubrics/{draft.Id()}",
            new { items = new[] { new { title = "Adjudicator's version", points = 7 } }, rowVersion = draft.RowVersion() }).ExpectAsync(HttpStatusCode.OK);

        var problemDetails = await s.Admin.PutAsJsonAsync($"/api/rubrics/{draft.Id()}",
            new { items = new[] { new { title = "Admin's version", points = 3 }, new { title = "More", points = 4 } }, rowVersion = draft.RowVersion() })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "Conflict");

        problemDetails.Str("detail")!.ShouldContain("nothing was overwritten");
        var kept = await s.Admin.GetAsync($"/api/rubrics/{draft.Id()}").ExpectAsync(HttpStatusCode.OK);
        kept.Items("items").Select(i => i.Str("title")).ShouldBe(["Adjudicator's version"]);
    }

    [Fact]
    public async Task PutRubric_WithoutRowVersion_Returns400ForRowVersionAndChangesNothing()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        var draft = await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", Rubric(("All", 7))).ExpectAsync(HttpStatusCode.Created);

        await s.Adjudicator.Client.PutAsJsonAsync($"/api/rubrics/{draft.Id()}", new { items = new[] { new { title = "Blind overwrite", points = 7 } } })
            .ExpectValidationAsync("rowVersion");

        var kept = await s.Admin.GetAsync($"/api/rubrics/{draft.Id()}").ExpectAsync(HttpStatusCode.OK);
        kept.Items("items").Select(i => i.Str("title")).ShouldBe(["All"]);
        kept.RowVersion().ShouldBe(draft.RowVersion());
    }

    [Fact]
    public async Task PutRubric_Approved_Returns409AndChangesNothing()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        var v1 = problem.GetProperty("currentRubric");

        var conflict = await s.Admin.PutAsJsonAsync($"/api/rubrics/{v1.Id()}", new { items = new[] { new { title = "All", points = 7 } }, rowVersion = v1.RowVersion() })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "Conflict");

        conflict.Str("detail").ShouldBe("Rubric version 1 is approved; only drafts can be edited. Create a new version instead.");
        (await s.Admin.GetAsync($"/api/rubrics/{v1.Id()}").ExpectAsync(HttpStatusCode.OK)).Items("items").Count.ShouldBe(2);
    }

    [Fact]
    public async Task PutRubric_InvalidContent_Returns400()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        var draft = await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", Rubric(("All", 7))).ExpectAsync(HttpStatusCode.Created);
        await s.Admin.PutAsJsonAsync($"/api/rubrics/{draft.Id()}", new { items = new[] { new { title = "Half", points = 3.5m } }, rowVersion = draft.RowVersion() })
            .ExpectValidationAsync("items");
    }

    [Fact]
    public async Task ApproveRubric_Draft_ApprovesItAndRetiresThePreviousVersion()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        var v1 = problem.GetProperty("currentRubric");
        var v2 = await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", Rubric(("Lemma", 2), ("Rest", 5))).ExpectAsync(HttpStatusCode.Created);

        var approved = await s.Adjudicator.Client.PostAsJsonAsync($"/api/rubrics/{v2.Id()}/approve", new { rowVersion = v2.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);

        approved.Str("status").ShouldBe("approved");
        approved.GetProperty("approvedAt").ValueKind.ShouldBe(JsonValueKind.String);
        (await s.Viewer.Client.GetAsync($"/api/rubrics/{v1.Id()}").ExpectAsync(HttpStatusCode.OK)).Str("status").ShouldBe("retired");
        var reread = await s.Viewer.Client.GetAsync($"/api/problems/{problem.Id()}").ExpectAsync(HttpStatusCode.OK);
        reread.GetProperty("currentRubric").Id().ShouldBe(v2.Id());
        reread.Items("rubrics").Select(r => (r.GetProperty("version").GetInt32(), r.Str("status"))).ShouldBe([(2, "approved"), (1, "retired")]);

        var again = await s.Adjudicator.Client.PostAsync($"/api/rubrics/{v2.Id()}/approve", null).ExpectProblemAsync(HttpStatusCode.Conflict);
        again.Str("detail").ShouldBe("Rubric version 2 is already approved.");
        await s.Adjudicator.Client.PostAsync($"/api/rubrics/{v1.Id()}/approve", null).ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task ApproveRubric_WithoutBody_Approves()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync(withRubric: false);
        var v1 = await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", Rubric(("All", 7))).ExpectAsync(HttpStatusCode.Created);
        (await s.Admin.PostAsync($"/api/rubrics/{v1.Id()}/approve", null).ExpectAsync(HttpStatusCode.OK)).Str("status").ShouldBe("approved");
    }

    [Fact]
    public async Task ApproveRubric_StaleRowVersion_Returns409AndLeavesItADraft()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        var v2 = await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", Rubric(("All", 7))).ExpectAsync(HttpStatusCode.Created);
        await s.Admin.PutAsJsonAsync($"/api/rubrics/{v2.Id()}", new { items = new[] { new { title = "All, reworded", points = 7 } }, rowVersion = v2.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);

        await s.Adjudicator.Client.PostAsJsonAsync($"/api/rubrics/{v2.Id()}/approve", new { rowVersion = v2.RowVersion() })
            .ExpectProblemAsync(HttpStatusCode.Conflict);

        (await s.Admin.GetAsync($"/api/rubrics/{v2.Id()}").ExpectAsync(HttpStatusCode.OK)).Str("status").ShouldBe("draft");
        (await s.Admin.GetAsync($"/api/rubrics/{problem.GetProperty("currentRubric").Id()}").ExpectAsync(HttpStatusCode.OK)).Str("status").ShouldBe("approved");
    }
}
