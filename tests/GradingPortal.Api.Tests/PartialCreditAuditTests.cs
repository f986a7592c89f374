using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GradingPortal.Api.Tests;

/// <summary>
/// The partial-credit audit on a seeded project (rubric A = Key lemma 3, B = Finish 4; values checked by hand):
/// <code>
///        people (in order)            run (absolute)      opc-judge (imported)
/// s1     Greta A3 B4, Otto A2 B3      A3 B4               A1 B4
/// s2     Greta A1 B1                  A2 B1               -
/// </code>
/// Mean reference: s1 A 2.5, B 3.5; s2 A 1, B 1. Disagreements: judge s1 A 1.5, run s2 A 1, run s1 A 0.5, run s1 B 0.5,
/// judge s1 B 0.5, run s2 B 0.
/// </summary>
public sealed class PartialCreditAuditTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record Seeded(ProjectScenario S, Guid RunId, Guid[] Solutions, Guid[] Items);

    private static string Url(Guid projectId, string query = "") => $"/api/projects/{projectId}/audit/partial-credit{query}";

    private async Task<Seeded> SeedAsync(bool blind = false, bool hideAuthors = false)
    {
        var s = await ProjectScenario.CreateAsync(api, blindGrading: blind, hideAuthors: hideAuthors);
        var problem = await s.CreateProblemAsync();
        var items = problem.GetProperty("currentRubric").Items("items").Select(i => i.Id()).ToArray();
        var solutions = new[] { (await s.CreateSolutionAsync(problem.Id())).Id(), (await s.CreateSolutionAsync(problem.Id())).Id() };
        async Task Grade(TestUser who, Guid solution, decimal a, decimal b, string comment) =>
            await who.Client.PostAsJsonAsync($"/api/solutions/{solution}/human-grades", new
            {
                points = a + b,
                items = new[] { new { rubricItemId = items[0], points = a, comment }, new { rubricItemId = items[1], points = b, comment = "" } },
            }).ExpectAsync(HttpStatusCode.Created);
        await Grade(s.Grader, solutions[0], 3, 4, "lemma fine");
        await Grade(s.OtherGrader, solutions[0], 2, 3, "lemma has a gap");
        await Grade(s.Grader, solutions[1], 1, 1, "barely started");
        var profile = await PipelineRows.CreateProfileAsync(s.Admin);
        var run = (await s.Admin.PostAsJsonAsync("/api/grading-runs", PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]))
            .ExpectAsync(HttpStatusCode.Accepted)).Id();
        await api.AddReviewModelGradeAsync(solutions[0], run, 7, items: [(items[0], 3, "lemma proved"), (items[1], 4, "finished")]);
        await api.AddReviewModelGradeAsync(solutions[1], run, 3, items: [(items[0], 2, "lemma stated"), (items[1], 1, "a start")]);
        await api.AddReviewModelGradeAsync(solutions[0], null, 5, items: [(items[0], 1, "lemma assumed"), (items[1], 4, "finished")]);
        return new Seeded(s, run, solutions, items);
    }

    private static List<(string Kind, Guid Solution, Guid Item, decimal Disagreement)> Rows(JsonElement audit) =>
        [.. audit.Items("rows").Select(r => (r.GetProperty("grader").Str("kind")!, r.GetProperty("solutionId").GetGuid(),
            r.GetProperty("rubricItem").Id(), r.GetProperty("disagreement").GetDecimal()))];

    [Fact]
    public async Task PartialCreditAudit_SeededProject_LargestDisagreementFirst()
    {
        var seeded = await SeedAsync();
        var (s1, s2) = (seeded.Solutions[0], seeded.Solutions[1]);
        var (a, b) = (seeded.Items[0], seeded.Items[1]);

        var audit = await seeded.S.Adjudicator.Client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);

        (audit.Str("humanSource"), audit.GetProperty("total").GetInt32()).ShouldBe(("adjudicated", 6));
        Rows(audit).ShouldBe([
            ("imported", s1, a, 1.5m), ("run", s2, a, 1m), ("run", s1, a, 0.5m), ("run", s1, b, 0.5m), ("imported", s1, b, 0.5m), ("run", s2, b, 0m),
        ]);
        var top = audit.Items("rows")[0];
        (top.GetProperty("modelPoints").GetDecimal(), top.Str("modelReason"), top.GetProperty("reference").GetDecimal()).ShouldBe((1m, "lemma assumed", 2.5m));
        (top.GetProperty("rubricItem").Str("title"), top.GetProperty("rubricItem").GetProperty("maxPoints").GetDecimal()).ShouldBe(("Key lemma", 3m));
        top.Items("people").Select(p => (p.GetProperty("graderId").GetGuid(), p.GetProperty("points").GetDecimal(), p.Str("comment")))
            .ShouldBe([(seeded.S.Grader.Id, 3m, "lemma fine"), (seeded.S.OtherGrader.Id, 2m, "lemma has a gap")]);
        top.GetProperty("grader").Str("label").ShouldBe("opc-judge");
        (top.Str("author"), top.GetProperty("externalId").ValueKind).ShouldBe(("model-x", JsonValueKind.Null));
    }

    [Fact]
    public async Task PartialCreditAudit_ProjectHidesAuthors_NamesTheAuthorToAdjudicatorsOnly()
    {
        var seeded = await SeedAsync(hideAuthors: true);

        var graders = await seeded.S.Grader.Client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);
        var adjudicators = await seeded.S.Adjudicator.Client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);

        graders.Items("rows").ShouldAllBe(r => r.GetProperty("author").ValueKind == JsonValueKind.Null);
        adjudicators.Items("rows").Select(r => r.Str("author")).Distinct().ShouldBe(["model-x"]);
    }

    [Fact]
    public async Task PartialCreditAudit_FiltersAndPaging_NarrowTheRows()
    {
        var seeded = await SeedAsync();
        var client = seeded.S.Adjudicator.Client;
        var (s1, s2) = (seeded.Solutions[0], seeded.Solutions[1]);
        var (a, b) = (seeded.Items[0], seeded.Items[1]);

        var first = await client.GetAsync(Url(seeded.S.ProjectId, "?humanSource=first")).ExpectAsync(HttpStatusCode.OK);
        // Against Greta's awards alone: judge s1 A is 2 off, run s2 A 1 off, the rest agree.
        Rows(first).Take(2).ShouldBe([("imported", s1, a, 2m), ("run", s2, a, 1m)]);
        Rows(first).Skip(2).ShouldAllBe(r => r.Disagreement == 0m);

        var runOnly = await client.GetAsync(Url(seeded.S.ProjectId, $"?graderIds={seeded.RunId}")).ExpectAsync(HttpStatusCode.OK);
        Rows(runOnly).ShouldAllBe(r => r.Kind == "run");
        runOnly.GetProperty("total").GetInt32().ShouldBe(4);

        var itemB = await client.GetAsync(Url(seeded.S.ProjectId, $"?rubricItemIds={b}")).ExpectAsync(HttpStatusCode.OK);
        Rows(itemB).ShouldBe([("run", s1, b, 0.5m), ("imported", s1, b, 0.5m), ("run", s2, b, 0m)]);

        var page = await client.GetAsync(Url(seeded.S.ProjectId, "?page=2&pageSize=2")).ExpectAsync(HttpStatusCode.OK);
        (page.GetProperty("total").GetInt32(), page.GetProperty("page").GetInt32()).ShouldBe((6, 2));
        Rows(page).ShouldBe([("run", s1, a, 0.5m), ("run", s1, b, 0.5m)]);
    }

    [Fact]
    public async Task PartialCreditAudit_InvalidQuery_ReturnsFieldErrors()
    {
        var seeded = await SeedAsync();
        var client = seeded.S.Adjudicator.Client;

        await client.GetAsync(Url(seeded.S.ProjectId, "?humanSource=best&page=0")).ExpectValidationAsync("humanSource", "page");
        await client.GetAsync(Url(seeded.S.ProjectId, "?rubricItemIds=nope&pageSize=501")).ExpectValidationAsync("rubricItemIds", "pageSize");
        await client.GetAsync(Url(seeded.S.ProjectId, $"?problemIds={Guid.NewGuid()}")).ExpectValidationAsync("problemIds");
    }

    [Theory]
    [InlineData(false, "viewer", HttpStatusCode.OK)]
    [InlineData(false, "grader", HttpStatusCode.OK)]
    [InlineData(true, "viewer", HttpStatusCode.Forbidden)]
    [InlineData(true, "grader", HttpStatusCode.Forbidden)]
    [InlineData(true, "adjudicator", HttpStatusCode.OK)]
    [InlineData(true, "admin", HttpStatusCode.OK)]
    [InlineData(true, "outsider", HttpStatusCode.NotFound)]
    public async Task PartialCreditAudit_RoleAndBlindMode_DecideAccess(bool blind, string role, HttpStatusCode expected)
    {
        var seeded = await SeedAsync(blind);

        if (expected == HttpStatusCode.OK)
        {
            (await seeded.S.As(role).GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK)).GetProperty("total").GetInt32().ShouldBe(6);
        }
        else
        {
            await seeded.S.As(role).GetAsync(Url(seeded.S.ProjectId)).ExpectProblemAsync(expected);
        }
    }
}
