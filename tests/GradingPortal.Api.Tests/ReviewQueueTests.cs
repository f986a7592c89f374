using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GradingPortal.Api.Tests;

/// <summary>
/// The review queue and its progress on a seeded project (P, max 7, pass mark 6; one run unless noted; risk weights from
/// docs/evaluation-metrics.md):
/// <code>
///      model grades                          people                      expected risk for Greta (not graded any)
/// s1   run 4, samples spread 3               -                           sample-spread 25 + needs-grade 10 = 35
/// s2   run 6                                 -                           at-threshold 20 + 10 = 30
/// s3   run NeedsAttention                    -                           needs-attention 40 + 10 = 50
/// s4   run 7 with a critical finding         -                           critical-on-high-score 35 + 10 = 45
/// s5   run 2, common prefix 0                -                           poor-approach-match 15 + 10 = 25
/// s6   -                                     -                           needs-grade 10
/// s7   -                                     Otto 2, Ada 6               (enough grades) Ada's queue: graders-disagree 30
/// s8   -                                     Otto 3                      (enough grades while one is required)
/// s9   -                                     Otto 5, adjudicated 5, gold needs-grade 10 (gold enters unannounced)
/// </code>
/// </summary>
public sealed class ReviewQueueTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record Seeded(ProjectScenario S, Guid ProblemId, Guid[] Solutions);

    private static string Url(Guid projectId, string query = "") => $"/api/projects/{projectId}/review-queue{query}";

    private async Task<Seeded> SeedAsync(bool blind = false, bool hideAuthors = false)
    {
        var s = await ProjectScenario.CreateAsync(api, blindGrading: blind, hideAuthors: hideAuthors);
        var problem = await s.CreateProblemAsync();
        var ids = new Guid[9];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = (await s.CreateSolutionAsync(problem.Id())).Id();
        }
        var profile = await PipelineRows.CreateProfileAsync(s.Admin);
        var run = (await s.Admin.PostAsJsonAsync("/api/grading-runs", PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]))
            .ExpectAsync(HttpStatusCode.Accepted)).Id();
        await api.AddReviewModelGradeAsync(ids[0], run, 4, """{"spread": 3, "samples": [{"points": 2}, {"points": 5}, {"points": 4}]}""");
        await api.AddReviewModelGradeAsync(ids[1], run, 6);
        await api.AddReviewModelGradeAsync(ids[2], run, null);
        await api.AddReviewModelGradeAsync(ids[3], run, 7, critical: true);
        await api.AddReviewModelGradeAsync(ids[4], run, 2, """{"matching": {"method": "steps", "commonPrefix": 0, "commonSubsequence": 1}}""");
        async Task Grade(TestUser who, Guid solution, decimal points) =>
            await who.Client.PostAsJsonAsync($"/api/solutions/{solution}/human-grades", new { points }).ExpectAsync(HttpStatusCode.Created);
        await Grade(s.OtherGrader, ids[6], 2);
        await Grade(s.Adjudicator, ids[6], 6);
        await Grade(s.OtherGrader, ids[7], 3);
        await Grade(s.OtherGrader, ids[8], 5);
        await s.Adjudicator.Client.PutAsJsonAsync($"/api/solutions/{ids[8]}/adjudication", new { points = 5, rationale = "Complete but for one slip." })
            .ExpectAsync(HttpStatusCode.Created);
        await s.Adjudicator.Client.PutAsJsonAsync($"/api/solutions/{ids[8]}/gold", new { note = "known answer" }).ExpectAsync(HttpStatusCode.OK);
        return new Seeded(s, problem.Id(), ids);
    }

    private static List<(Guid Id, int? Score, string[] Codes)> Entries(JsonElement queue) =>
        [.. queue.Items("items").Select(i => (i.GetProperty("solutionId").GetGuid(),
            i.GetProperty("riskScore").ValueKind == JsonValueKind.Null ? (int?)null : i.GetProperty("riskScore").GetInt32(),
            i.Items("reasons").Select(r => r.Str("code")!).ToArray()))];

    [Fact]
    public async Task ReviewQueue_Grader_OrdersByRiskWithReasons()
    {
        var seeded = await SeedAsync();
        var ids = seeded.Solutions;

        var queue = await seeded.S.Grader.Client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);

        (queue.GetProperty("total").GetInt32(), queue.GetProperty("requiredHumanGrades").GetInt32()).ShouldBe((7, 1));
        var entries = Entries(queue);
        entries.Select(e => e.Id).ShouldBe([ids[2], ids[3], ids[0], ids[1], ids[4], ids[5], ids[8]]);
        entries.Select(e => e.Score).ShouldBe([50, 45, 35, 30, 25, 10, 10]);
        entries.Select(e => string.Join(' ', e.Codes)).ShouldBe([
            "needs-attention needs-grade", "critical-on-high-score needs-grade", "sample-spread needs-grade", "at-threshold needs-grade",
            "poor-approach-match needs-grade", "needs-grade", "needs-grade",
        ]);
        var spread = queue.Items("items")[2].Items("reasons")[0];
        spread.Str("message").ShouldBe("A model's samples spread over 3 points and no person has graded it yet.");
        // The gold solution looks like any other solution that needs a grade.
        queue.Items("items").ShouldAllBe(i => i.GetProperty("gold").ValueKind == JsonValueKind.Null);
        queue.Items("items")[6].GetRawText().Replace(ids[8].ToString(), "", StringComparison.Ordinal)
            .ShouldBe(queue.Items("items")[5].GetRawText().Replace(ids[5].ToString(), "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReviewQueue_Adjudicator_AddsDisagreementsAndSeesGold()
    {
        var seeded = await SeedAsync();
        var ids = seeded.Solutions;

        var queue = await seeded.S.Adjudicator.Client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);

        var entries = Entries(queue);
        entries.Select(e => e.Id).ShouldBe([ids[2], ids[3], ids[0], ids[1], ids[6], ids[4], ids[5], ids[8]]);
        entries[4].Codes.ShouldBe(["graders-disagree"]);
        entries[4].Score.ShouldBe(30);
        queue.Items("items")[4].Items("reasons")[0].Str("message").ShouldBe("People's grades range from 2 to 6 and no final grade has been decided.");
        queue.Items("items").Select(i => i.GetProperty("gold").GetBoolean()).ShouldBe([false, false, false, false, false, false, false, true]);
    }

    [Fact]
    public async Task ReviewQueue_ProjectHidesAuthors_NamesTheAuthorToAdjudicatorsOnly()
    {
        var seeded = await SeedAsync(hideAuthors: true);

        var graders = await seeded.S.Grader.Client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);
        var adjudicators = await seeded.S.Adjudicator.Client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);

        graders.Items("items").ShouldAllBe(i => i.GetProperty("author").ValueKind == JsonValueKind.Null);
        adjudicators.Items("items").Select(i => i.Str("author")).Distinct().ShouldBe(["model-x"]);
        adjudicators.Items("items").ShouldAllBe(i => i.GetProperty("externalId").ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task ReviewQueue_AuthorsShown_EveryItemNamesItsAuthor()
    {
        var seeded = await SeedAsync();

        var queue = await seeded.S.Grader.Client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);

        queue.Items("items").Select(i => i.Str("author")).Distinct().ShouldBe(["model-x"]);
    }

    [Fact]
    public async Task ReviewQueue_BlindProject_WithholdsReasonsFromGraders()
    {
        var seeded = await SeedAsync(blind: true);
        var ids = seeded.Solutions;

        var queue = await seeded.S.Grader.Client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);

        var entries = Entries(queue);
        // Still riskiest first, but neither scores nor what the checks found.
        entries.Select(e => e.Id).ShouldBe([ids[2], ids[3], ids[0], ids[1], ids[4], ids[5], ids[8]]);
        entries.ShouldAllBe(e => e.Score == null);
        entries.Take(5).ShouldAllBe(e => e.Codes.SequenceEqual(new[] { "review-recommended", "needs-grade" }));
        entries.Skip(5).ShouldAllBe(e => e.Codes.SequenceEqual(new[] { "needs-grade" }));
        queue.GetRawText().ShouldNotContain("spread");

        // Adjudicators see everything in blind projects too.
        var adjudicator = await seeded.S.Adjudicator.Client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);
        Entries(adjudicator)[0].Score.ShouldBe(50);
    }

    [Fact]
    public async Task ReviewQueue_GradingAndRequiredGrades_ChangeWhatIsQueued()
    {
        var seeded = await SeedAsync();
        var ids = seeded.Solutions;
        var client = seeded.S.Grader.Client;

        await client.PostAsJsonAsync($"/api/solutions/{ids[5]}/human-grades", new { points = 1 }).ExpectAsync(HttpStatusCode.Created);
        var afterGrading = await client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);
        Entries(afterGrading).Select(e => e.Id).ShouldNotContain(ids[5]);
        afterGrading.GetProperty("total").GetInt32().ShouldBe(6);

        // Two independent grades per solution: s8 (one grade so far) comes back; s7 (two) does not; s1 keeps needing both.
        var projectUrl = $"/api/projects/{seeded.S.ProjectId}";
        var rowVersion = await seeded.S.RowVersionAsync(projectUrl);
        var updated = await seeded.S.ProjectAdmin.Client.PatchAsJsonAsync(projectUrl, new { requiredHumanGrades = 2, rowVersion })
            .ExpectAsync(HttpStatusCode.OK);
        updated.GetProperty("requiredHumanGrades").GetInt32().ShouldBe(2);
        var twoEach = await client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);
        var entries = Entries(twoEach);
        entries.Select(e => e.Id).ShouldContain(ids[7]);
        entries.Select(e => e.Id).ShouldNotContain(ids[6]);
        twoEach.GetProperty("requiredHumanGrades").GetInt32().ShouldBe(2);
        // s6 needs a second grade, but not from the person who gave the first.
        entries.Select(e => e.Id).ShouldNotContain(ids[5]);
        var other = await seeded.S.OtherGrader.Client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);
        Entries(other).Select(e => e.Id).ShouldContain(ids[5]);
    }

    [Fact]
    public async Task ReviewQueue_Paging_ReturnsTheRequestedSlice()
    {
        var seeded = await SeedAsync();
        var ids = seeded.Solutions;

        var page = await seeded.S.Grader.Client.GetAsync(Url(seeded.S.ProjectId, "?page=2&pageSize=2")).ExpectAsync(HttpStatusCode.OK);

        (page.GetProperty("page").GetInt32(), page.GetProperty("pageSize").GetInt32(), page.GetProperty("total").GetInt32()).ShouldBe((2, 2, 7));
        Entries(page).Select(e => e.Id).ShouldBe([ids[0], ids[1]]);
        var filtered = await seeded.S.Grader.Client.GetAsync(Url(seeded.S.ProjectId, $"?problemIds={seeded.ProblemId}")).ExpectAsync(HttpStatusCode.OK);
        filtered.GetProperty("total").GetInt32().ShouldBe(7);
    }

    [Fact]
    public async Task ReviewQueue_InvalidQuery_ReturnsFieldErrors()
    {
        var seeded = await SeedAsync();
        var client = seeded.S.Grader.Client;

        await client.GetAsync(Url(seeded.S.ProjectId, "?page=0&pageSize=501")).ExpectValidationAsync("page", "pageSize");
        await client.GetAsync(Url(seeded.S.ProjectId, "?pageSize=ten")).ExpectValidationAsync("pageSize");
        await client.GetAsync(Url(seeded.S.ProjectId, $"?problemIds={Guid.NewGuid()}")).ExpectValidationAsync("problemIds");
        await client.GetAsync($"/api/projects/{seeded.S.ProjectId}/review-queue/progress?problemIds=x").ExpectValidationAsync("problemIds");
    }

    [Theory]
    [InlineData("viewer", HttpStatusCode.Forbidden)]
    [InlineData("outsider", HttpStatusCode.NotFound)]
    public async Task ReviewQueue_NonGraders_AreRefused(string role, HttpStatusCode expected)
    {
        var seeded = await SeedAsync();

        await seeded.S.As(role).GetAsync(Url(seeded.S.ProjectId)).ExpectProblemAsync(expected);
        await seeded.S.As(role).GetAsync($"/api/projects/{seeded.S.ProjectId}/review-queue/progress").ExpectProblemAsync(expected);
    }

    [Fact]
    public async Task ReviewProgress_Adjudicator_CountsEveryGrader()
    {
        var seeded = await SeedAsync();
        var url = $"/api/projects/{seeded.S.ProjectId}/review-queue/progress";

        var progress = await seeded.S.Adjudicator.Client.GetAsync(url).ExpectAsync(HttpStatusCode.OK);

        // Waiting for a grade: s1–s6 (no grade yet), plus the gold s9 for everyone who has not graded it.
        var totals = progress.GetProperty("totals");
        (totals.GetProperty("solutions").GetInt32(), totals.GetProperty("complete").GetInt32(), totals.GetProperty("gradesNeeded").GetInt32())
            .ShouldBe((9, 3, 6));
        var rows = progress.Items("graders").ToDictionary(g => g.GetProperty("graderId").GetGuid(),
            g => (g.GetProperty("graded").GetInt32(), g.GetProperty("remaining").GetInt32(), g.GetProperty("assigned").GetInt32()));
        rows[seeded.S.Grader.Id].ShouldBe((0, 7, 7));
        rows[seeded.S.OtherGrader.Id].ShouldBe((3, 6, 9));
        rows[seeded.S.Adjudicator.Id].ShouldBe((1, 7, 8));
        rows.ShouldNotContainKey(seeded.S.Viewer.Id);

        var own = await seeded.S.Grader.Client.GetAsync(url).ExpectAsync(HttpStatusCode.OK);
        own.GetProperty("totals").ValueKind.ShouldBe(JsonValueKind.Null);
        own.Items("graders").Single().GetProperty("graderId").GetGuid().ShouldBe(seeded.S.Grader.Id);
    }

    [Fact]
    public async Task ProjectRequiredHumanGrades_OutOfRangeOrUnversioned_IsRefused()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var url = $"/api/projects/{s.ProjectId}";
        var rowVersion = await s.RowVersionAsync(url);

        (await s.Admin.GetAsync(url).ExpectAsync(HttpStatusCode.OK)).GetProperty("requiredHumanGrades").GetInt32().ShouldBe(1);
        await s.ProjectAdmin.Client.PatchAsJsonAsync(url, new { requiredHumanGrades = 0, rowVersion }).ExpectValidationAsync("requiredHumanGrades");
        await s.ProjectAdmin.Client.PatchAsJsonAsync(url, new { requiredHumanGrades = 11, rowVersion }).ExpectValidationAsync("requiredHumanGrades");
        await s.ProjectAdmin.Client.PatchAsJsonAsync(url, new { requiredHumanGrades = 3 }).ExpectValidationAsync("rowVersion");
        await s.Adjudicator.Client.PatchAsJsonAsync(url, new { requiredHumanGrades = 3, rowVersion }).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await s.ProjectAdmin.Client.PatchAsJsonAsync(url, new { requiredHumanGrades = 3, rowVersion }).ExpectAsync(HttpStatusCode.OK);
        await s.ProjectAdmin.Client.PatchAsJsonAsync(url, new { requiredHumanGrades = 2, rowVersion }).ExpectProblemAsync(HttpStatusCode.Conflict);

        var created = await s.Admin.PostAsJsonAsync("/api/projects", new { name = "Three each", requiredHumanGrades = 3 }).ExpectAsync(HttpStatusCode.Created);
        created.GetProperty("requiredHumanGrades").GetInt32().ShouldBe(3);
    }
}
