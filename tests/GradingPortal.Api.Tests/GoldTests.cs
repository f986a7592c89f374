using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Tests;

/// <summary>Gold solutions: marking and unmarking with history, who may, and graders' agreement with them over time.</summary>
public sealed class GoldTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static string GoldUrl(Guid solutionId) => $"/api/solutions/{solutionId}/gold";

    private static async Task<Guid> AdjudicatedAsync(ProjectScenario s, Guid problemId, decimal points)
    {
        var solution = (await s.CreateSolutionAsync(problemId)).Id();
        await s.Adjudicator.Client.PutAsJsonAsync($"/api/solutions/{solution}/adjudication", new { points, rationale = "Decided." })
            .ExpectAsync(HttpStatusCode.Created);
        return solution;
    }

    [Fact]
    public async Task Gold_MarkAndUnmark_KeepsHistory()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = (await s.CreateProblemAsync()).Id();
        var solution = await AdjudicatedAsync(s, problem, 5);
        var client = s.Adjudicator.Client;

        var marked = await client.PutAsJsonAsync(GoldUrl(solution), new { note = "clean 5" }).ExpectAsync(HttpStatusCode.OK);
        (marked.GetProperty("active").GetBoolean(), marked.GetProperty("adjudicatedPoints").GetDecimal(), marked.Str("note")).ShouldBe((true, 5m, "clean 5"));
        var unmarked = await client.DeleteAsync(GoldUrl(solution)).ExpectAsync(HttpStatusCode.OK);
        unmarked.GetProperty("active").GetBoolean().ShouldBeFalse();
        unmarked.GetProperty("unmarkedById").GetGuid().ShouldBe(s.Adjudicator.Id);
        await client.DeleteAsync(GoldUrl(solution)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.PutAsJsonAsync(GoldUrl(solution), new { note = "back again" }).ExpectAsync(HttpStatusCode.OK);

        var list = await client.GetAsync($"/api/projects/{s.ProjectId}/gold").ExpectAsync(HttpStatusCode.OK);
        var item = list.Items().Single();
        (item.GetProperty("solutionId").GetGuid(), item.GetProperty("active").GetBoolean(), item.Str("note")).ShouldBe((solution, true, "back again"));
        item.Items("history").Select(h => (h.Str("action"), h.Str("note"), h.GetProperty("actorId").GetGuid()))
            .ShouldBe([("marked", "clean 5", s.Adjudicator.Id), ("unmarked", "clean 5", s.Adjudicator.Id), ("marked", "back again", s.Adjudicator.Id)]);

        // The export record carries the flag, and its change time moves with it (incremental exports pick it up).
        var exported = await client.GetAsync($"/api/solutions/{solution}/export").ExpectAsync(HttpStatusCode.OK);
        exported.GetProperty("adjudication").GetProperty("gold").GetBoolean().ShouldBeTrue();
        exported.GetProperty("solution").GetProperty("updatedAt").GetDateTimeOffset().ShouldBe(item.GetProperty("markedAt").GetDateTimeOffset());

        // The solution's own history, open to Graders, says nothing about gold.
        var history = await s.Grader.Client.GetAsync($"/api/solutions/{solution}/history").ExpectAsync(HttpStatusCode.OK);
        history.GetRawText().ShouldNotContain("gold", Case.Insensitive);
    }

    [Fact]
    public async Task Gold_NotAdjudicatedOrNotAllowed_IsRefused()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = (await s.CreateProblemAsync()).Id();
        var open = (await s.CreateSolutionAsync(problem)).Id();
        var decided = await AdjudicatedAsync(s, problem, 7);

        await s.Adjudicator.Client.PutAsJsonAsync(GoldUrl(open), new { }).ExpectProblemAsync(HttpStatusCode.Conflict);
        var exported = await s.Adjudicator.Client.GetAsync($"/api/solutions/{decided}/export").ExpectAsync(HttpStatusCode.OK);
        exported.GetProperty("adjudication").GetProperty("gold").GetBoolean().ShouldBeFalse();
        await s.Grader.Client.PutAsJsonAsync(GoldUrl(decided), new { }).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await s.Grader.Client.DeleteAsync(GoldUrl(decided)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await s.Outsider.Client.PutAsJsonAsync(GoldUrl(decided), new { }).ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Grader.Client.GetAsync($"/api/projects/{s.ProjectId}/gold").ExpectProblemAsync(HttpStatusCode.Forbidden);
        await s.Adjudicator.Client.PutAsJsonAsync(GoldUrl(decided), new { note = new string('x', 2001) }).ExpectValidationAsync("note");
    }

    [Fact]
    public async Task GoldAgreement_GradesOverWeeks_ComparesWithAdjudicatedPoints()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = (await s.CreateProblemAsync()).Id();
        var first = await AdjudicatedAsync(s, problem, 5);
        var second = await AdjudicatedAsync(s, problem, 2);
        var notGold = await AdjudicatedAsync(s, problem, 7);
        foreach (var gold in new[] { first, second })
        {
            await s.Adjudicator.Client.PutAsJsonAsync(GoldUrl(gold), new { }).ExpectAsync(HttpStatusCode.OK);
        }
        async Task Grade(TestUser who, Guid solution, decimal points, DateTimeOffset at)
        {
            await who.Client.PostAsJsonAsync($"/api/solutions/{solution}/human-grades", new { points }).ExpectAsync(HttpStatusCode.Created);
            await api.WithDbAsync(db => db.HumanGrades.Where(h => h.SolutionId == solution && h.GraderId == who.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(h => h.CreatedAt, at)));
        }
        // Greta: week of Monday 2 November 3 against 5 (off by 2), week of 9 November 2 against 2 (exact). Otto: 5 against 5.
        await Grade(s.Grader, first, 3, new DateTimeOffset(2026, 11, 8, 23, 0, 0, TimeSpan.Zero));
        await Grade(s.Grader, second, 2, new DateTimeOffset(2026, 11, 9, 1, 0, 0, TimeSpan.Zero));
        await Grade(s.OtherGrader, first, 5, new DateTimeOffset(2026, 11, 3, 12, 0, 0, TimeSpan.Zero));
        await Grade(s.Grader, notGold, 0, new DateTimeOffset(2026, 11, 3, 12, 0, 0, TimeSpan.Zero));

        var report = await s.ProjectAdmin.Client.GetAsync($"/api/projects/{s.ProjectId}/gold/agreement?bucket=week").ExpectAsync(HttpStatusCode.OK);

        (report.Str("bucket"), report.GetProperty("goldSolutions").GetInt32()).ShouldBe(("week", 2));
        var graders = report.Items("graders").ToDictionary(g => g.GetProperty("graderId").GetGuid());
        graders.Count.ShouldBe(2);
        var greta = graders[s.Grader.Id];
        (greta.GetProperty("n").GetInt32(), greta.GetProperty("mae").GetDouble(), greta.GetProperty("exact").GetDouble()).ShouldBe((2, 1.0, 0.5));
        greta.Items("periods").Select(p => (p.GetProperty("start").GetDateTimeOffset(), p.GetProperty("n").GetInt32(), p.GetProperty("mae").GetDouble()))
            .ShouldBe([(new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero), 1, 2.0), (new DateTimeOffset(2026, 11, 9, 0, 0, 0, TimeSpan.Zero), 1, 0.0)]);
        var otto = graders[s.OtherGrader.Id];
        (otto.GetProperty("n").GetInt32(), otto.GetProperty("exact").GetDouble()).ShouldBe((1, 1.0));

        var monthly = await s.ProjectAdmin.Client.GetAsync($"/api/projects/{s.ProjectId}/gold/agreement?bucket=month").ExpectAsync(HttpStatusCode.OK);
        monthly.Items("graders").Single(g => g.GetProperty("graderId").GetGuid() == s.Grader.Id).Items("periods").Single()
            .GetProperty("start").GetDateTimeOffset().ShouldBe(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));

        await s.ProjectAdmin.Client.GetAsync($"/api/projects/{s.ProjectId}/gold/agreement?bucket=year").ExpectValidationAsync("bucket");
        await s.Adjudicator.Client.GetAsync($"/api/projects/{s.ProjectId}/gold/agreement").ExpectProblemAsync(HttpStatusCode.Forbidden);
        await s.Grader.Client.GetAsync($"/api/projects/{s.ProjectId}/gold/agreement").ExpectProblemAsync(HttpStatusCode.Forbidden);
    }
}
