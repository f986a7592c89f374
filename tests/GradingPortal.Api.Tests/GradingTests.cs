using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GradingPortal.Testing;

namespace GradingPortal.Api.Tests;

/// <summary>Annotations, human grades, adjudication and the history of a solution.</summary>
public sealed class GradingTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static string Annotations(JsonElement solution) => $"/api/solutions/{solution.Id()}/annotations";

    private static string Grades(JsonElement solution) => $"/api/solutions/{solution.Id()}/human-grades";

    private static string Adjudication(JsonElement solution) => $"/api/solutions/{solution.Id()}/adjudication";

    /// <summary>A grade's awards in rubric order (the Api does not promise an order for them).</summary>
    private static List<(decimal Points, string? Comment)> AwardsInRubricOrder(JsonElement grade, JsonElement problem)
    {
        var byItem = grade.Items("items").ToDictionary(i => i.GetProperty("rubricItemId").GetGuid());
        byItem.Count.ShouldBe(2);
        return [.. problem.GetProperty("currentRubric").Items("items").Select(i => (byItem[i.Id()].GetProperty("points").GetDecimal(), byItem[i.Id()].Str("comment")))];
    }

    private static object Awards(JsonElement problem, decimal lemma, decimal finish, decimal? total = null, uint? rowVersion = null)
    {
        var items = problem.GetProperty("currentRubric").Items("items");
        return new
        {
            points = total ?? lemma + finish,
            items = new[]
            {
                new { rubricItemId = items[0].Id(), points = lemma, comment = (string?)"lemma" },
                new { rubricItemId = items[1].Id(), points = finish, comment = (string?)null },
            },
            comment = "per item",
            rowVersion,
        };
    }

    [Fact]
    public async Task CreateAnnotation_QuoteMatchesSpan_Returns201WithTheAnnotation()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var start = ProjectScenario.ProofText.IndexOf("hence the claim", StringComparison.Ordinal);

        using var response = await s.Grader.Client.PostAsJsonAsync(Annotations(solution), new
        {
            start, end = start + "hence the claim holds for every n".Length, quote = "hence the claim holds for every n",
            errorType = "wrong-logical-conclusion", severity = "Critical", comment = " one even n proves nothing about odd n ",
        });
        var annotation = await response.ExpectAsync(HttpStatusCode.Created);

        response.Headers.Location!.ToString().ShouldBe($"/api/annotations/{annotation.Id()}");
        annotation.GetProperty("solutionId").GetGuid().ShouldBe(solution.Id());
        (annotation.GetProperty("start").GetInt32(), annotation.GetProperty("end").GetInt32()).ShouldBe((start, start + 33));
        annotation.Str("quote").ShouldBe("hence the claim holds for every n");
        annotation.Str("errorType").ShouldBe("wrong-logical-conclusion");
        annotation.Str("severity").ShouldBe("critical");
        annotation.Str("comment").ShouldBe("one even n proves nothing about odd n");
        (annotation.Str("origin"), annotation.Str("review")).ShouldBe(("human", "accepted"));
        annotation.GetProperty("authorId").GetGuid().ShouldBe(s.Grader.Id);
        annotation.Str("authorName").ShouldBe("Greta Grader");

        var listed = await s.Viewer.Client.GetAsync(Annotations(solution)).ExpectAsync(HttpStatusCode.OK);
        listed.Items().ShouldHaveSingleItem().Id().ShouldBe(annotation.Id());
        var view = await s.Viewer.Client.GetAsync($"/api/solutions/{solution.Id()}").ExpectAsync(HttpStatusCode.OK);
        view.Items("annotations").ShouldHaveSingleItem().Str("authorName").ShouldBe("Greta Grader");
    }

    [Fact]
    public async Task CreateAnnotation_QuoteMismatch_Returns400ForQuote()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var errors = await s.Grader.Client.PostAsJsonAsync(Annotations(solution),
            new { start = 0, end = 13, quote = "Let m be even", errorType = "proof-by-example", severity = "minor" }).ExpectValidationAsync("quote");
        errors.Messages("quote").ShouldBe(["The quote does not match the solution text at [start, end)."]);
        (await s.Grader.Client.GetAsync(Annotations(solution)).ExpectAsync(HttpStatusCode.OK)).Items().ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateAnnotation_SpanOutsideTheText_Returns400ForSpan()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var length = ProjectScenario.ProofText.Length;
        await s.Grader.Client.PostAsJsonAsync(Annotations(solution),
            new { start = length - 2, end = length + 5, quote = "x", errorType = "proof-by-example", severity = "minor" }).ExpectValidationAsync("end");
        await s.Grader.Client.PostAsJsonAsync(Annotations(solution),
            new { start = 5, end = 5, quote = "", errorType = "proof-by-example", severity = "minor" }).ExpectValidationAsync("end");
        await s.Grader.Client.PostAsJsonAsync(Annotations(solution),
            new { start = -1, end = 3, quote = "Let", errorType = "proof-by-example", severity = "minor" }).ExpectValidationAsync("start");
    }

    [Fact]
    public async Task CreateAnnotation_UnknownErrorType_Returns400ButProjectTypesAreAccepted()
    {
        var s = await ProjectScenario.CreateAsync(api, customErrorTypes: ["sign-error"]);
        var (_, solution) = await s.ProblemAndSolutionAsync();

        var errors = await s.Grader.Client.PostAsJsonAsync(Annotations(solution), ProjectScenario.Annotation("n^2 is even", errorType: "hand-waving"))
            .ExpectValidationAsync("errorType");
        errors.Messages("errorType").ShouldBe(["Unknown error type 'hand-waving'."]);
        await s.Grader.Client.PostAsJsonAsync(Annotations(solution), ProjectScenario.Annotation("n^2 is even", errorType: "sign-error"))
            .ExpectAsync(HttpStatusCode.Created);
        await s.Grader.Client.PostAsJsonAsync(Annotations(solution), ProjectScenario.Annotation("n^2 is even", errorType: "calculation-mistake"))
            .ExpectAsync(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("fatal")]
    [InlineData("2")]
    [InlineData(null)]
    public async Task CreateAnnotation_BadSeverity_Returns400ForSeverity(string? severity)
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var errors = await s.Grader.Client.PostAsJsonAsync(Annotations(solution),
            new { start = 0, end = 3, quote = "Let", errorType = "proof-by-example", severity }).ExpectValidationAsync("severity");
        errors.Messages("severity").ShouldBe(["Severity is one of minor, major, critical."]);
    }

    [Fact]
    public async Task CreateAnnotation_Viewer_Returns403()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var problem = await s.Viewer.Client.PostAsJsonAsync(Annotations(solution), ProjectScenario.Annotation("n be even"))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "Forbidden");
        problem.Str("detail").ShouldBe("Your role does not allow you to annotate solutions.");
    }

    [Fact]
    public async Task CreateAnnotation_FindingsFromTheCorpus_AcceptedExactlyWhenTheQuoteMatchesTheSpan()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        using var file = JsonDocument.Parse(await File.ReadAllTextAsync(Corpora.PathOf("opc/BMOSL/2016_6.json")));
        var attempt = file.RootElement.GetProperty("attempts").EnumerateArray()
            .First(a => a.GetProperty("llm_judgment").GetProperty("result").GetProperty("issues").GetArrayLength() >= 2);
        var text = attempt.GetProperty("solution").GetString()!;
        var solution = await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/solutions", new { text, author = attempt.GetProperty("model_id").GetString() })
            .ExpectAsync(HttpStatusCode.Created);

        var accepted = 0;
        var refused = 0;
        foreach (var issue in attempt.GetProperty("llm_judgment").GetProperty("result").GetProperty("issues").EnumerateArray())
        {
            if (issue.GetProperty("start_index").ValueKind != JsonValueKind.Number || issue.GetProperty("end_index").ValueKind != JsonValueKind.Number)
            {
                continue;
            }
            var (start, end, quote) = (issue.GetProperty("start_index").GetInt32(), issue.GetProperty("end_index").GetInt32(), issue.GetProperty("text").GetString());
            var matches = start >= 0 && end > start && end <= text.Length && text[start..end] == quote;
            var call = s.Grader.Client.PostAsJsonAsync(Annotations(solution),
                new { start, end, quote, errorType = "proposal-without-verification", severity = "major", comment = issue.GetProperty("description").GetString() });
            if (matches)
            {
                (await call.ExpectAsync(HttpStatusCode.Created)).Str("quote").ShouldBe(quote);
                accepted++;
            }
            else
            {
                await call.ExpectProblemAsync(HttpStatusCode.BadRequest);
                refused++;
            }
        }

        (accepted + refused).ShouldBeGreaterThan(0);
        (await s.Viewer.Client.GetAsync(Annotations(solution)).ExpectAsync(HttpStatusCode.OK)).Items().Count.ShouldBe(accepted);
    }

    [Fact]
    public async Task DeleteAnnotation_AuthorOrAdjudicator_Deletes_OtherGraderGets403()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var mine = await s.Grader.Client.PostAsJsonAsync(Annotations(solution), ProjectScenario.Annotation("n be even")).ExpectAsync(HttpStatusCode.Created);
        var second = await s.Grader.Client.PostAsJsonAsync(Annotations(solution), ProjectScenario.Annotation("n^2 is even")).ExpectAsync(HttpStatusCode.Created);

        var forbidden = await s.OtherGrader.Client.DeleteAsync($"/api/annotations/{mine.Id()}").ExpectProblemAsync(HttpStatusCode.Forbidden, "Forbidden");
        forbidden.Str("detail").ShouldBe("Your role does not allow you to delete other people's annotations.");
        await s.Viewer.Client.DeleteAsync($"/api/annotations/{mine.Id()}").ExpectProblemAsync(HttpStatusCode.Forbidden);
        await s.Outsider.Client.DeleteAsync($"/api/annotations/{mine.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);

        await s.Grader.Client.DeleteAsync($"/api/annotations/{mine.Id()}").ExpectAsync(HttpStatusCode.NoContent);
        await s.Adjudicator.Client.DeleteAsync($"/api/annotations/{second.Id()}").ExpectAsync(HttpStatusCode.NoContent);

        (await s.Viewer.Client.GetAsync(Annotations(solution)).ExpectAsync(HttpStatusCode.OK)).Items().ShouldBeEmpty();
        (await s.Grader.Client.DeleteAsync($"/api/annotations/{mine.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound)).Str("detail")
            .ShouldBe("The annotation was not found.");
    }

    [Fact]
    public async Task UpdateAnnotation_AuthorWithCurrentRowVersion_ChangesTypeSeverityAndCommentButNotTheSpan()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var created = await s.Grader.Client.PostAsJsonAsync(Annotations(solution), ProjectScenario.Annotation("n be even"))
            .ExpectAsync(HttpStatusCode.Created);
        created.GetProperty("canEdit").GetBoolean().ShouldBeTrue();

        var updated = await s.Grader.Client.PatchAsJsonAsync($"/api/annotations/{created.Id()}", new
        {
            errorType = "begging-the-question", severity = "minor", comment = "  only one case is checked  ", rowVersion = created.RowVersion(),
        }).ExpectAsync(HttpStatusCode.OK);

        updated.Str("errorType").ShouldBe("begging-the-question");
        updated.Str("severity").ShouldBe("minor");
        updated.Str("comment").ShouldBe("only one case is checked");
        updated.Str("quote").ShouldBe("n be even");
        updated.GetProperty("start").GetInt32().ShouldBe(created.GetProperty("start").GetInt32());
        updated.RowVersion().ShouldNotBe(created.RowVersion());
        var onPage = (await s.Grader.Client.GetAsync($"/api/solutions/{solution.Id()}").ExpectAsync(HttpStatusCode.OK)).Items("annotations").Single();
        onPage.Str("comment").ShouldBe("only one case is checked");
        onPage.RowVersion().ShouldBe(updated.RowVersion());
    }

    [Fact]
    public async Task UpdateAnnotation_StaleOrMissingRowVersion_IsRefusedAndNothingChanges()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var created = await s.Grader.Client.PostAsJsonAsync(Annotations(solution), ProjectScenario.Annotation("n be even"))
            .ExpectAsync(HttpStatusCode.Created);
        await s.Grader.Client.PatchAsJsonAsync($"/api/annotations/{created.Id()}", new
        {
            errorType = created.Str("errorType"), severity = "major", comment = "first edit", rowVersion = created.RowVersion(),
        }).ExpectAsync(HttpStatusCode.OK);

        await s.Grader.Client.PatchAsJsonAsync($"/api/annotations/{created.Id()}", new
        {
            errorType = created.Str("errorType"), severity = "minor", comment = "from a stale tab", rowVersion = created.RowVersion(),
        }).ExpectProblemAsync(HttpStatusCode.Conflict, "Conflict");
        var missing = await s.Grader.Client.PatchAsJsonAsync($"/api/annotations/{created.Id()}", new
        {
            errorType = created.Str("errorType"), severity = "minor", comment = "no version",
        }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        missing.GetProperty("errors").TryGetProperty("rowVersion", out _).ShouldBeTrue();

        var stored = (await s.Grader.Client.GetAsync(Annotations(solution)).ExpectAsync(HttpStatusCode.OK)).Items().Single();
        stored.Str("comment").ShouldBe("first edit");
        stored.Str("severity").ShouldBe("major");
    }

    [Fact]
    public async Task UpdateAnnotation_SomeoneElsesOrBadInput_IsRefusedByRoleAndField()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var created = await s.Grader.Client.PostAsJsonAsync(Annotations(solution), ProjectScenario.Annotation("n be even"))
            .ExpectAsync(HttpStatusCode.Created);
        object Edit(string errorType = "proof-by-example", string severity = "minor", string? comment = "x") =>
            new { errorType, severity, comment, rowVersion = created.RowVersion() };

        // Adjudicators may delete a mark, but its words stay its author's.
        (await s.Adjudicator.Client.PatchAsJsonAsync($"/api/annotations/{created.Id()}", Edit()).ExpectProblemAsync(HttpStatusCode.Forbidden))
            .Str("detail").ShouldBe("Your role does not allow you to edit other people's annotations.");
        await s.OtherGrader.Client.PatchAsJsonAsync($"/api/annotations/{created.Id()}", Edit()).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await s.Outsider.Client.PatchAsJsonAsync($"/api/annotations/{created.Id()}", Edit()).ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Grader.Client.PatchAsJsonAsync($"/api/annotations/{Guid.NewGuid()}", Edit()).ExpectProblemAsync(HttpStatusCode.NotFound);
        foreach (var caller in (List<TestUser>)[s.OtherGrader, s.Adjudicator, s.Viewer])
        {
            var seen = (await caller.Client.GetAsync($"/api/solutions/{solution.Id()}").ExpectAsync(HttpStatusCode.OK)).Items("annotations").Single();
            seen.GetProperty("canEdit").GetBoolean().ShouldBeFalse(caller.Email);
        }

        var unknown = await s.Grader.Client.PatchAsJsonAsync($"/api/annotations/{created.Id()}", Edit(errorType: "no-such-type"))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        unknown.GetProperty("errors").TryGetProperty("errorType", out _).ShouldBeTrue();
        var severity = await s.Grader.Client.PatchAsJsonAsync($"/api/annotations/{created.Id()}", Edit(severity: "fatal"))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        severity.GetProperty("errors").TryGetProperty("severity", out _).ShouldBeTrue();
        var tooLong = await s.Grader.Client.PatchAsJsonAsync($"/api/annotations/{created.Id()}", Edit(comment: new string('c', 10_001)))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        tooLong.GetProperty("errors").TryGetProperty("comment", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Annotations_CanDelete_FollowsTheDeleteRuleForEachCaller()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var created = await s.Grader.Client.PostAsJsonAsync(Annotations(solution), ProjectScenario.Annotation("n be even"))
            .ExpectAsync(HttpStatusCode.Created);
        created.GetProperty("canDelete").GetBoolean().ShouldBeTrue();

        foreach (var (caller, mayDelete) in (List<(TestUser, bool)>)[(s.Grader, true), (s.OtherGrader, false), (s.Viewer, false),
            (s.Adjudicator, true), (s.ProjectAdmin, true), (s.GlobalAdmin, true)])
        {
            var onPage = (await caller.Client.GetAsync($"/api/solutions/{solution.Id()}").ExpectAsync(HttpStatusCode.OK)).Items("annotations").Single();
            onPage.GetProperty("canDelete").GetBoolean().ShouldBe(mayDelete, caller.Email);
            var listed = (await caller.Client.GetAsync(Annotations(solution)).ExpectAsync(HttpStatusCode.OK)).Items().Single();
            listed.GetProperty("canDelete").GetBoolean().ShouldBe(mayDelete, caller.Email);
        }

        // The flag and the DELETE answer come from the same rule.
        await s.OtherGrader.Client.DeleteAsync($"/api/annotations/{created.Id()}").ExpectProblemAsync(HttpStatusCode.Forbidden);
        await s.Viewer.Client.DeleteAsync($"/api/annotations/{created.Id()}").ExpectProblemAsync(HttpStatusCode.Forbidden);
        await s.Grader.Client.DeleteAsync($"/api/annotations/{created.Id()}").ExpectAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task SubmitGrade_TotalOnly_Returns201()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();

        var grade = await s.Grader.Client.PostAsJsonAsync(Grades(solution), new { points = 4.5, comment = " gap in the finish " })
            .ExpectAsync(HttpStatusCode.Created);

        grade.GetProperty("points").GetDecimal().ShouldBe(4.5m);
        grade.GetProperty("solutionId").GetGuid().ShouldBe(solution.Id());
        grade.GetProperty("graderId").GetGuid().ShouldBe(s.Grader.Id);
        grade.Str("graderName").ShouldBe("Greta Grader");
        grade.GetProperty("rubricId").ValueKind.ShouldBe(JsonValueKind.Null);
        grade.Items("items").ShouldBeEmpty();
        grade.Str("comment").ShouldBe("gap in the finish");
        grade.GetProperty("givenBlind").GetBoolean().ShouldBeTrue();
        grade.RowVersion().ShouldNotBe(0u);
        var view = await s.Grader.Client.GetAsync($"/api/solutions/{solution.Id()}").ExpectAsync(HttpStatusCode.OK);
        view.GetProperty("myGrade").Id().ShouldBe(grade.Id());
        view.Str("evidenceLevel").ShouldBe("oneHuman");
    }

    [Fact]
    public async Task SubmitGrade_WithItemAwards_RecordsTheRubricVersionAndAwards()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, solution) = await s.ProblemAndSolutionAsync();

        var grade = await s.Grader.Client.PostAsJsonAsync(Grades(solution), Awards(problem, 3, 1.5m)).ExpectAsync(HttpStatusCode.Created);

        grade.GetProperty("points").GetDecimal().ShouldBe(4.5m);
        grade.GetProperty("rubricId").GetGuid().ShouldBe(problem.GetProperty("currentRubric").Id());
        AwardsInRubricOrder(grade, problem).ShouldBe([(3m, "lemma"), (1.5m, "")]);
        var listed = await s.Viewer.Client.GetAsync(Grades(solution)).ExpectAsync(HttpStatusCode.OK);
        listed.Items().ShouldHaveSingleItem().Items("items").Count.ShouldBe(2);
    }

    [Fact]
    public async Task SubmitGrade_ItemOverItsPoints_Returns400ForThatItem()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, solution) = await s.ProblemAndSolutionAsync();
        var errors = await s.Grader.Client.PostAsJsonAsync(Grades(solution), Awards(problem, 3.5m, 2)).ExpectValidationAsync("items[0].points");
        errors.Messages("items[0].points").ShouldBe(["Points for 'Key lemma' must be between 0 and 3."]);
        (await s.Grader.Client.GetAsync(Grades(solution)).ExpectAsync(HttpStatusCode.OK)).Items().ShouldBeEmpty();
    }

    [Fact]
    public async Task SubmitGrade_TotalNotTheSumOfItems_Returns400ForPoints()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, solution) = await s.ProblemAndSolutionAsync();
        var errors = await s.Grader.Client.PostAsJsonAsync(Grades(solution), Awards(problem, 2, 2, total: 5)).ExpectValidationAsync("points");
        errors.Messages("points").ShouldBe(["Total 5 does not equal the sum of item awards 4."]);
    }

    [Fact]
    public async Task SubmitGrade_InvalidTotalsAndItems_Returns400PerField()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, solution) = await s.ProblemAndSolutionAsync();
        (await s.Grader.Client.PostAsJsonAsync(Grades(solution), new { points = 8 }).ExpectValidationAsync("points")).Messages("points")
            .ShouldBe(["Points must be between 0 and 7."]);
        await s.Grader.Client.PostAsJsonAsync(Grades(solution), new { points = 2.25 }).ExpectValidationAsync("points");
        await s.Grader.Client.PostAsJsonAsync(Grades(solution), new { points = -1 }).ExpectValidationAsync("points");
        var itemId = problem.GetProperty("currentRubric").Items("items")[0].Id();
        (await s.Grader.Client.PostAsJsonAsync(Grades(solution), new { points = 3, items = new[] { new { rubricItemId = itemId, points = 3 } } })
            .ExpectValidationAsync("items")).Messages("items").ShouldBe(["Every rubric item needs an award; missing: Finish."]);
        await s.Grader.Client.PostAsJsonAsync(Grades(solution), new { points = 3, items = new[] { new { rubricItemId = Guid.NewGuid(), points = 3 } } })
            .ExpectValidationAsync("items[0].rubricItemId");
    }

    [Fact]
    public async Task SubmitGrade_AgainstADraftRubric_Returns400()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, solution) = await s.ProblemAndSolutionAsync();
        var draft = await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics",
            new { items = new[] { new { title = "All", points = 7 } } }).ExpectAsync(HttpStatusCode.Created);
        var errors = await s.Grader.Client.PostAsJsonAsync(Grades(solution),
            new { points = 7, items = new[] { new { rubricItemId = draft.Items("items")[0].Id(), points = 7 } } }).ExpectValidationAsync("items[0].rubricItemId");
        errors.Messages("items[0].rubricItemId").ShouldBe(["Not an item of an approved rubric of this problem."]);
    }

    [Fact]
    public async Task SubmitGrade_SecondTimeWithoutRowVersion_Returns409AndKeepsTheFirst()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        await s.Grader.Client.PostAsJsonAsync(Grades(solution), new { points = 4 }).ExpectAsync(HttpStatusCode.Created);

        var conflict = await s.Grader.Client.PostAsJsonAsync(Grades(solution), new { points = 6 }).ExpectProblemAsync(HttpStatusCode.Conflict, "Conflict");

        conflict.Str("detail").ShouldBe("You have already graded this solution; send the rowVersion of your grade to revise it.");
        (await s.Grader.Client.GetAsync(Grades(solution)).ExpectAsync(HttpStatusCode.OK)).Items().Single().GetProperty("points").GetDecimal().ShouldBe(4m);
    }

    [Fact]
    public async Task ReviseGrade_CurrentRowVersion_Returns200AndReplacesTheAwards()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, solution) = await s.ProblemAndSolutionAsync();
        var first = await s.Grader.Client.PostAsJsonAsync(Grades(solution), Awards(problem, 3, 4)).ExpectAsync(HttpStatusCode.Created);

        var revised = await s.Grader.Client.PostAsJsonAsync(Grades(solution), Awards(problem, 1, 2, rowVersion: first.RowVersion()))
            .ExpectAsync(HttpStatusCode.OK);

        revised.Id().ShouldBe(first.Id());
        revised.GetProperty("points").GetDecimal().ShouldBe(3m);
        AwardsInRubricOrder(revised, problem).Select(a => a.Points).ShouldBe([1m, 2m]);
        revised.RowVersion().ShouldNotBe(first.RowVersion());
        revised.GetProperty("givenBlind").GetBoolean().ShouldBe(first.GetProperty("givenBlind").GetBoolean());

        // And back to a total-only grade.
        var totalOnly = await s.Grader.Client.PostAsJsonAsync(Grades(solution), new { points = 2, rowVersion = revised.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);
        totalOnly.Items("items").ShouldBeEmpty();
        totalOnly.GetProperty("rubricId").ValueKind.ShouldBe(JsonValueKind.Null);
        var stored = (await s.Viewer.Client.GetAsync(Grades(solution)).ExpectAsync(HttpStatusCode.OK)).Items().Single();
        (stored.GetProperty("points").GetDecimal(), stored.Items("items").Count).ShouldBe((2m, 0));
    }

    [Fact]
    public async Task ReviseGrade_StaleRowVersion_Returns409AndNothingIsOverwritten()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, solution) = await s.ProblemAndSolutionAsync();
        var first = await s.Grader.Client.PostAsJsonAsync(Grades(solution), Awards(problem, 3, 4)).ExpectAsync(HttpStatusCode.Created);
        var second = await s.Grader.Client.PostAsJsonAsync(Grades(solution), Awards(problem, 2, 4, rowVersion: first.RowVersion()))
            .ExpectAsync(HttpStatusCode.OK);

        var conflict = await s.Grader.Client.PostAsJsonAsync(Grades(solution), Awards(problem, 0, 0, rowVersion: first.RowVersion()))
            .ExpectProblemAsync(HttpStatusCode.Conflict, "Conflict");

        conflict.Str("detail").ShouldBe("Someone else changed this since you loaded it. Reload to see their change; nothing was overwritten.");
        var stored = (await s.Grader.Client.GetAsync(Grades(solution)).ExpectAsync(HttpStatusCode.OK)).Items().Single();
        stored.GetProperty("points").GetDecimal().ShouldBe(6m);
        AwardsInRubricOrder(stored, problem).Select(a => a.Points).ShouldBe([2m, 4m]);
        stored.RowVersion().ShouldBe(second.RowVersion());
    }

    [Fact]
    public async Task SubmitGrade_Viewer_Returns403()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        (await s.Viewer.Client.PostAsJsonAsync(Grades(solution), new { points = 3 }).ExpectProblemAsync(HttpStatusCode.Forbidden, "Forbidden"))
            .Str("detail").ShouldBe("Your role does not allow you to grade solutions.");
        (await s.Viewer.Client.GetAsync(Grades(solution)).ExpectAsync(HttpStatusCode.OK)).Items().ShouldBeEmpty();
    }

    [Fact]
    public async Task SubmitGrade_SecondGraderInOpenProject_IsNotBlindAndBothAreListed()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        await s.Grader.Client.PostAsJsonAsync(Grades(solution), new { points = 3 }).ExpectAsync(HttpStatusCode.Created);
        var second = await s.OtherGrader.Client.PostAsJsonAsync(Grades(solution), new { points = 5 }).ExpectAsync(HttpStatusCode.Created);

        second.GetProperty("givenBlind").GetBoolean().ShouldBeFalse();
        var listed = await s.Viewer.Client.GetAsync(Grades(solution)).ExpectAsync(HttpStatusCode.OK);
        listed.Items().Select(g => (g.Str("graderName"), g.GetProperty("points").GetDecimal())).ShouldBe([("Greta Grader", 3m), ("Otto Grader", 5m)]);
        (await s.Viewer.Client.GetAsync($"/api/solutions/{solution.Id()}").ExpectAsync(HttpStatusCode.OK)).Str("evidenceLevel").ShouldBe("twoHumans");
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("grader")]
    public async Task Adjudicate_BelowAdjudicator_Returns403(string role)
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var problem = await s.As(role).PutAsJsonAsync(Adjudication(solution), new { points = 5, rationale = "I say so." })
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "Forbidden");
        problem.Str("detail").ShouldBe("Your role does not allow you to adjudicate.");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Adjudicate_WithoutRationale_Returns400ForRationale(string? rationale)
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var errors = await s.Adjudicator.Client.PutAsJsonAsync(Adjudication(solution), new { points = 5, rationale }).ExpectValidationAsync("rationale");
        errors.Messages("rationale").ShouldBe(["An adjudication needs a rationale."]);
    }

    [Fact]
    public async Task Adjudicate_PointsOutOfBoundsOrUnknownGrade_Returns400()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        await s.Adjudicator.Client.PutAsJsonAsync(Adjudication(solution), new { points = 7.5, rationale = "r" }).ExpectValidationAsync("points");
        await s.Adjudicator.Client.PutAsJsonAsync(Adjudication(solution), new { points = 9, rationale = "" }).ExpectValidationAsync("points", "rationale");
        var errors = await s.Adjudicator.Client.PutAsJsonAsync(Adjudication(solution),
            new { points = 5, rationale = "r", basedOn = new[] { new { kind = "human", gradeId = Guid.NewGuid() } } }).ExpectValidationAsync("basedOn[0]");
        errors.Messages("basedOn[0]").ShouldBe(["Not a grade of this solution."]);
    }

    [Fact]
    public async Task Adjudicate_CreateThenReviseWithRowVersion_RecordsTheFinalGrade()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, solution) = await s.ProblemAndSolutionAsync();
        var grade = await s.Grader.Client.PostAsJsonAsync(Grades(solution), new { points = 3 }).ExpectAsync(HttpStatusCode.Created);

        using var response = await s.Adjudicator.Client.PutAsJsonAsync(Adjudication(solution),
            new { points = 3.5, rationale = "  Greta missed half a point for the lemma.  ", basedOn = new[] { new { kind = "human", gradeId = grade.Id() } } });
        var created = await response.ExpectAsync(HttpStatusCode.Created);

        response.Headers.Location!.ToString().ShouldBe($"/api/solutions/{solution.Id()}/adjudication");
        created.GetProperty("points").GetDecimal().ShouldBe(3.5m);
        created.Str("rationale").ShouldBe("Greta missed half a point for the lemma.");
        created.GetProperty("adjudicatorId").GetGuid().ShouldBe(s.Adjudicator.Id);
        created.Str("adjudicatorName").ShouldBe("Ada Adjudicator");
        var basedOn = created.Items("basedOn").ShouldHaveSingleItem();
        (basedOn.Str("kind"), basedOn.GetProperty("gradeId").GetGuid()).ShouldBe(("human", grade.Id()));

        var withoutVersion = await s.Admin.PutAsJsonAsync(Adjudication(solution), new { points = 4, rationale = "Second look." })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "Conflict");
        withoutVersion.Str("detail").ShouldBe("This solution is already adjudicated; send the adjudication's rowVersion to revise it.");

        var revised = await s.Admin.PutAsJsonAsync(Adjudication(solution), new { points = 4, rationale = "Second look.", rowVersion = created.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);
        revised.Id().ShouldBe(created.Id());
        revised.GetProperty("points").GetDecimal().ShouldBe(4m);
        revised.Str("adjudicatorName").ShouldBe("Administrator");
        revised.Items("basedOn").ShouldBeEmpty();

        var view = await s.Viewer.Client.GetAsync($"/api/solutions/{solution.Id()}").ExpectAsync(HttpStatusCode.OK);
        view.GetProperty("adjudication").GetProperty("points").GetDecimal().ShouldBe(4m);
        view.Str("evidenceLevel").ShouldBe("adjudicated");
        var counts = (await s.Viewer.Client.GetAsync($"/api/problems/{problem.Id()}").ExpectAsync(HttpStatusCode.OK)).GetProperty("counts");
        (counts.GetProperty("graded").GetInt32(), counts.GetProperty("adjudicated").GetInt32()).ShouldBe((1, 1));
    }

    [Fact]
    public async Task Adjudicate_StaleRowVersion_Returns409AndNothingIsOverwritten()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var created = await s.Adjudicator.Client.PutAsJsonAsync(Adjudication(solution), new { points = 3, rationale = "First." })
            .ExpectAsync(HttpStatusCode.Created);
        await s.Adjudicator.Client.PutAsJsonAsync(Adjudication(solution), new { points = 5, rationale = "Second.", rowVersion = created.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);

        await s.Admin.PutAsJsonAsync(Adjudication(solution), new { points = 0, rationale = "Stale.", rowVersion = created.RowVersion() })
            .ExpectProblemAsync(HttpStatusCode.Conflict);

        var stored = (await s.Viewer.Client.GetAsync($"/api/solutions/{solution.Id()}").ExpectAsync(HttpStatusCode.OK)).GetProperty("adjudication");
        (stored.GetProperty("points").GetDecimal(), stored.Str("rationale"), stored.Str("adjudicatorName")).ShouldBe((5m, "Second.", "Ada Adjudicator"));
    }

    [Fact]
    public async Task History_AfterGrading_ListsEveryChangeNewestFirstWithActorNames()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var annotation = await s.Grader.Client.PostAsJsonAsync(Annotations(solution), ProjectScenario.Annotation("n be even")).ExpectAsync(HttpStatusCode.Created);
        var grade = await s.Grader.Client.PostAsJsonAsync(Grades(solution), new { points = 3 }).ExpectAsync(HttpStatusCode.Created);
        await s.Grader.Client.PostAsJsonAsync(Grades(solution), new { points = 4, rowVersion = grade.RowVersion() }).ExpectAsync(HttpStatusCode.OK);
        var adjudication = await s.Adjudicator.Client.PutAsJsonAsync(Adjudication(solution), new { points = 4, rationale = "Agreed." })
            .ExpectAsync(HttpStatusCode.Created);
        await s.Adjudicator.Client.DeleteAsync($"/api/annotations/{annotation.Id()}").ExpectAsync(HttpStatusCode.NoContent);

        var history = (await s.Viewer.Client.GetAsync($"/api/solutions/{solution.Id()}/history").ExpectAsync(HttpStatusCode.OK)).Items();

        history.Select(e => (e.Str("entityType"), e.Str("action"), e.Str("actorName"))).ShouldBe([
            ("annotation", "deleted", "Ada Adjudicator"),
            ("adjudication", "created", "Ada Adjudicator"),
            ("humanGrade", "revised", "Greta Grader"),
            ("humanGrade", "created", "Greta Grader"),
            ("annotation", "created", "Greta Grader"),
            ("solution", "created", "Administrator"),
        ]);
        history.Select(e => e.GetProperty("id").GetInt64()).ShouldBeInOrder(SortDirection.Descending);
        history.Select(e => e.GetProperty("at").GetDateTimeOffset()).ShouldBeInOrder(SortDirection.Descending);
        history[0].GetProperty("entityId").GetGuid().ShouldBe(annotation.Id());
        history[1].GetProperty("entityId").GetGuid().ShouldBe(adjudication.Id());
        history[1].GetProperty("actorId").GetGuid().ShouldBe(s.Adjudicator.Id);
        history[1].GetProperty("data").GetProperty("rationale").GetString().ShouldBe("Agreed.");
        history[2].GetProperty("data").GetProperty("points").GetDecimal().ShouldBe(4m);
        history[3].GetProperty("data").GetProperty("points").GetDecimal().ShouldBe(3m);
        history[4].GetProperty("data").GetProperty("quote").GetString().ShouldBe("n be even");
    }

    [Fact]
    public async Task History_ChangeThroughAnApiToken_NamesTheToken()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var token = await s.Grader.Client.PostAsJsonAsync("/api/tokens", new { name = "bulk grader" }).ExpectAsync(HttpStatusCode.Created);
        await api.ClientWith(token.Str("token")).PostAsJsonAsync(Grades(solution), new { points = 2 }).ExpectAsync(HttpStatusCode.Created);

        var latest = (await s.Admin.GetAsync($"/api/solutions/{solution.Id()}/history").ExpectAsync(HttpStatusCode.OK)).Items()[0];
        (latest.Str("entityType"), latest.Str("actorName")).ShouldBe(("humanGrade", "Greta Grader (API token)"));
        latest.GetProperty("actorId").GetGuid().ShouldBe(s.Grader.Id);
    }
}
