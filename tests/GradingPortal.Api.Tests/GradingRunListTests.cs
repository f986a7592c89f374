using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GradingPortal.Domain.Grading;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Tests;

/// <summary>
/// A project's runs and a run's failures a page at a time: every sort key, the filters, the totals and the field errors of
/// bad values. The Worker is not running: the rows it would write are put in place through Domain (<see cref="PipelineRows"/>).
/// </summary>
public sealed class GradingRunListTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static Task<JsonElement> StartAsync(HttpClient client, object body) =>
        client.PostAsJsonAsync("/api/grading-runs", body).ExpectAsync(HttpStatusCode.Accepted);

    /// <summary>
    /// Three runs, oldest first: A completed (2 of 2 finished, two graded calls), B running (1 of 2, one call), C awaiting rubric
    /// approval with the official-rubric workflow (0 of 2, no calls).
    /// </summary>
    private async Task<(ProjectScenario S, Guid A, Guid B, Guid C)> ThreeRunsAsync()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, first) = await s.ProblemAndSolutionAsync();
        var second = await s.CreateSolutionAsync(problem.Id(), "Another attempt.");
        var profile = await PipelineRows.CreateProfileAsync(s.Admin, allowedProjectIds: [s.ProjectId]);
        var body = PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]);
        var a = (await StartAsync(s.Admin, body)).Id();
        var b = (await StartAsync(s.Admin, body)).Id();
        var c = (await StartAsync(s.Admin, PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()], workflow: "official-rubric"))).Id();
        await api.PlanAsync(a, [(problem.Id(), first.Id(), RunItemStatus.Graded), (problem.Id(), second.Id(), RunItemStatus.Graded)],
            GradingRunStatus.Completed);
        await api.PlanAsync(b, [(problem.Id(), first.Id(), RunItemStatus.Graded), (problem.Id(), second.Id(), RunItemStatus.Pending)]);
        await api.PlanAsync(c, [(problem.Id(), first.Id(), RunItemStatus.Pending), (problem.Id(), second.Id(), RunItemStatus.Pending)],
            GradingRunStatus.AwaitingRubricApproval);
        await api.AddModelGradeAsync(first.Id(), a);
        await api.AddModelGradeAsync(second.Id(), a);
        await api.AddModelGradeAsync(first.Id(), b);
        return (s, a, b, c);
    }

    private static Guid[] Ids(JsonElement page) => [.. page.Items("items").Select(r => r.Id())];

    [Fact]
    public async Task ListRuns_EachSortKey_OrdersThePageByIt()
    {
        var (s, a, b, c) = await ThreeRunsAsync();
        Task<JsonElement> List(string query) => s.Viewer.Client.GetAsync($"/api/projects/{s.ProjectId}/grading-runs?{query}").ExpectAsync(HttpStatusCode.OK);

        Ids(await List("")).ShouldBe([c, b, a]);
        Ids(await List("sort=createdAt")).ShouldBe([a, b, c]);
        Ids(await List("sort=-createdAt")).ShouldBe([c, b, a]);
        // In lifecycle order (awaitingRubricApproval, running, completed), not by name (which would put completed before running).
        Ids(await List("sort=status")).ShouldBe([c, b, a]);
        Ids(await List("sort=-status")).ShouldBe([a, b, c]);
        Ids(await List("sort=cost")).ShouldBe([c, b, a]);
        Ids(await List("sort=-cost")).ShouldBe([a, b, c]);
        Ids(await List("sort=progress")).ShouldBe([c, b, a]);
        Ids(await List("sort=-progress")).ShouldBe([a, b, c]);
    }

    [Fact]
    public async Task ListRuns_SortedByStatus_FollowTheLifecycleBothWaysAcrossPages()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, _) = await s.ProblemAndSolutionAsync();
        var profile = await PipelineRows.CreateProfileAsync(s.Admin, allowedProjectIds: [s.ProjectId]);
        var body = PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]);
        // Started in an order that is neither the lifecycle nor the names', one run per status.
        GradingRunStatus[] started = [GradingRunStatus.Failed, GradingRunStatus.Running, GradingRunStatus.Queued, GradingRunStatus.Completed,
            GradingRunStatus.AwaitingRubricApproval, GradingRunStatus.Cancelled, GradingRunStatus.Preparing];
        var runs = new Dictionary<GradingRunStatus, Guid>();
        foreach (var status in started)
        {
            var run = (await StartAsync(s.Admin, body)).Id();
            await api.WithDbAsync(async db =>
            {
                var row = await db.GradingRuns.FirstAsync(r => r.Id == run);
                db.Entry(row).Property(r => r.Status).CurrentValue = status;
                await db.SaveChangesAsync();
            });
            runs[status] = run;
        }
        async Task<Guid[]> AllPagesAsync(string sort)
        {
            var ids = new List<Guid>();
            for (var page = 1; page <= 3; page++)
            {
                ids.AddRange(Ids(await s.Viewer.Client.GetAsync($"/api/projects/{s.ProjectId}/grading-runs?sort={sort}&pageSize=3&page={page}")
                    .ExpectAsync(HttpStatusCode.OK)));
            }
            return [.. ids];
        }
        var lifecycle = Enum.GetValues<GradingRunStatus>().Select(v => runs[v]).ToArray();

        (await AllPagesAsync("status")).ShouldBe(lifecycle);
        (await AllPagesAsync("-status")).ShouldBe([.. lifecycle.Reverse()]);
    }

    [Fact]
    public async Task ListRuns_FiltersAndPages_KeepMatchingRunsAndCountThemAll()
    {
        var (s, a, b, c) = await ThreeRunsAsync();
        Task<JsonElement> List(string query) => s.Admin.GetAsync($"/api/projects/{s.ProjectId}/grading-runs?{query}").ExpectAsync(HttpStatusCode.OK);

        var running = await List("status=running");
        Ids(running).ShouldBe([b]);
        running.GetProperty("total").GetInt32().ShouldBe(1);
        Ids(await List("status=running,completed&sort=createdAt")).ShouldBe([a, b]);
        Ids(await List("status=RUNNING")).ShouldBe([b]);
        Ids(await List("workflow=official-rubric")).ShouldBe([c]);
        Ids(await List("workflow=absolute&status=completed")).ShouldBe([a]);
        Ids(await List("status=failed")).ShouldBeEmpty();

        var second = await List("sort=createdAt&pageSize=2&page=2");
        (second.GetProperty("page").GetInt32(), second.GetProperty("pageSize").GetInt32(), second.GetProperty("total").GetInt32()).ShouldBe((2, 2, 3));
        Ids(second).ShouldBe([c]);
        var summary = (await List("sort=createdAt&pageSize=1")).Items("items").Single();
        (summary.GetProperty("cost").GetDecimal(), summary.GetProperty("counts").GetProperty("graded").GetInt32()).ShouldBe((0.0084m, 2));
    }

    [Fact]
    public async Task ListRuns_BadValues_AnswerFieldErrors()
    {
        var s = await ProjectScenario.CreateAsync(api);

        await s.Admin.GetAsync($"/api/projects/{s.ProjectId}/grading-runs?page=0&pageSize=501&sort=name&status=done&workflow=guess")
            .ExpectValidationAsync("page", "pageSize", "sort", "status", "workflow");
        await s.Admin.GetAsync($"/api/projects/{s.ProjectId}/grading-runs?sort=--cost").ExpectValidationAsync("sort");
        await s.Outsider.Client.GetAsync($"/api/projects/{s.ProjectId}/grading-runs?sort=bogus").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    /// <summary>
    /// A run with four failures and one graded item: solutions "s-b" (failed, 1 attempt, HTTP 500), "s-a" (failed, 3 attempts,
    /// timeout), "s-c" (needs attention: its model grade's reason) and "s-d" (failed, 2 attempts, quota); they finished in that order.
    /// </summary>
    private async Task<(ProjectScenario S, Guid Run, Dictionary<string, Guid> Solutions)> FailedRunAsync(bool hideAuthors = false)
    {
        var s = await ProjectScenario.CreateAsync(api, hideAuthors: hideAuthors);
        var problem = await s.CreateProblemAsync();
        var solutions = new Dictionary<string, Guid>();
        foreach (var (name, author) in new[] { ("s-b", "zed"), ("s-a", "amy"), ("s-c", "bob"), ("s-d", "cat"), ("s-e", "dan") })
        {
            solutions[name] = (await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/solutions",
                new { text = "Let n be even. Then n^2 is even.", author, externalId = name }).ExpectAsync(HttpStatusCode.Created)).Id();
        }
        var profile = await PipelineRows.CreateProfileAsync(s.Admin, allowedProjectIds: [s.ProjectId]);
        var run = (await StartAsync(s.Admin, PipelineRows.RunBody(s.ProjectId, profile.Id(), [problem.Id()]))).Id();
        await api.PlanAsync(run, [(problem.Id(), solutions["s-e"], RunItemStatus.Graded)], GradingRunStatus.Completed);
        var gradeId = await api.AddModelGradeAsync(solutions["s-c"], run);
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        await api.WithDbAsync(async db =>
        {
            var grade = await db.ModelGrades.FirstAsync(g => g.Id == gradeId);
            db.Entry(grade).Property(g => g.StatusReason).CurrentValue = "The answer did not match the rubric's schema.";
            var rows = new (string Name, RunItemStatus Status, int Attempts, string? Error)[]
            {
                ("s-b", RunItemStatus.Failed, 1, "HTTP 500 from the model endpoint"),
                ("s-a", RunItemStatus.Failed, 3, "Timed out after 120 s"),
                ("s-c", RunItemStatus.NeedsAttention, 1, null),
                ("s-d", RunItemStatus.Failed, 2, "Quota exceeded (HTTP 429)"),
            };
            for (var i = 0; i < rows.Length; i++)
            {
                var (name, status, attempts, error) = rows[i];
                db.GradingRunItems.Add(new GradingRunItem(run, s.ProjectId, problem.Id(), solutions[name])
                {
                    Status = status, Attempts = attempts, LastError = error, FinishedAt = start.AddMinutes(i),
                    ModelGradeId = status == RunItemStatus.NeedsAttention ? gradeId : null,
                });
            }
            await db.SaveChangesAsync();
        });
        return (s, run, solutions);
    }

    private static string[] Names(JsonElement page) => [.. page.Items("items").Select(f => f.Str("externalId")!)];

    [Fact]
    public async Task RunFailures_EachSortKey_OrdersThePageByIt()
    {
        var (s, run, _) = await FailedRunAsync();
        Task<JsonElement> List(string query) => s.Viewer.Client.GetAsync($"/api/grading-runs/{run}/failures?{query}").ExpectAsync(HttpStatusCode.OK);

        var all = await List("");
        Names(all).ShouldBe(["s-b", "s-a", "s-c", "s-d"]);
        all.GetProperty("total").GetInt32().ShouldBe(4);
        Names(await List("sort=-finishedAt")).ShouldBe(["s-d", "s-c", "s-a", "s-b"]);
        Names(await List("sort=solution")).ShouldBe(["s-a", "s-b", "s-c", "s-d"]);
        Names(await List("sort=-solution")).ShouldBe(["s-d", "s-c", "s-b", "s-a"]);
        // In lifecycle order: needs attention comes before failed (by name it would come after).
        Names(await List("sort=status"))[0].ShouldBe("s-c");
        Names(await List("sort=status"))[1..].ShouldBe(["s-b", "s-a", "s-d"], ignoreOrder: true);
        Names(await List("sort=-status"))[0..3].ShouldBe(["s-b", "s-a", "s-d"], ignoreOrder: true);
        Names(await List("sort=-status"))[3].ShouldBe("s-c");
        Names(await List("sort=attempts"))[^2..].ShouldBe(["s-d", "s-a"]);
        Names(await List("sort=-attempts"))[0..2].ShouldBe(["s-a", "s-d"]);
    }

    [Fact]
    public async Task RunFailures_StatusSearchAndPage_KeepMatchingItemsAndCountThem()
    {
        var (s, run, solutions) = await FailedRunAsync();
        Task<JsonElement> List(string query) => s.Admin.GetAsync($"/api/grading-runs/{run}/failures?{query}").ExpectAsync(HttpStatusCode.OK);

        var attention = await List("status=needsAttention");
        Names(attention).ShouldBe(["s-c"]);
        var item = attention.Items("items").Single();
        (item.Str("status"), item.Str("error"), item.Str("author"), item.GetProperty("solutionId").GetGuid())
            .ShouldBe(("needsAttention", "The answer did not match the rubric's schema.", "bob", solutions["s-c"]));
        Names(await List("status=failed")).ShouldBe(["s-b", "s-a", "s-d"]);
        // The search looks in the reason, whichever row it comes from, in any case; % is text, not a wildcard.
        Names(await List("search=http")).ShouldBe(["s-b", "s-d"]);
        Names(await List("search=SCHEMA")).ShouldBe(["s-c"]);
        Names(await List("search=%25")).ShouldBeEmpty();
        var page = await List("search=http&pageSize=1&page=2");
        (page.GetProperty("total").GetInt32(), page.GetProperty("page").GetInt32()).ShouldBe((2, 2));
        Names(page).ShouldBe(["s-d"]);
    }

    [Fact]
    public async Task RunFailures_HiddenAuthorsAndRoles_GraderSeesNoAuthorOutsider404()
    {
        var (s, run, _) = await FailedRunAsync(hideAuthors: true);

        var asGrader = await s.Grader.Client.GetAsync($"/api/grading-runs/{run}/failures?sort=solution").ExpectAsync(HttpStatusCode.OK);
        var asAdjudicator = await s.Adjudicator.Client.GetAsync($"/api/grading-runs/{run}/failures?sort=solution").ExpectAsync(HttpStatusCode.OK);

        asGrader.Items("items").ShouldAllBe(f => f.GetProperty("author").ValueKind == JsonValueKind.Null);
        Names(asGrader).ShouldBe(["s-a", "s-b", "s-c", "s-d"]);
        asAdjudicator.Items("items").Select(f => f.Str("author")).ShouldBe(["amy", "zed", "bob", "cat"]);
        await s.Outsider.Client.GetAsync($"/api/grading-runs/{run}/failures").ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Admin.GetAsync($"/api/grading-runs/{Guid.NewGuid()}/failures").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RunFailures_BadValues_AnswerFieldErrors()
    {
        var (s, run, _) = await FailedRunAsync();

        await s.Admin.GetAsync($"/api/grading-runs/{run}/failures?page=x&pageSize=0&sort=reason&status=graded&search={new string('x', 201)}")
            .ExpectValidationAsync("page", "pageSize", "sort", "status", "search");
        await s.Admin.GetAsync($"/api/grading-runs/{run}/failures?status=nonsense").ExpectValidationAsync("status");
    }
}
