using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GradingPortal.Api.Tests;

/// <summary>
/// Every project-scoped route of the v1 contract called by every role: viewer, grader, adjudicator, project admin, a global
/// admin who is not a member, and an outsider (404 everywhere: non-members cannot learn the project exists).
/// </summary>
public sealed class RoleMatrixTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    public static TheoryData<string> Roles => ["viewer", "grader", "adjudicator", "admin", "globalAdmin", "outsider"];

    private static readonly Dictionary<string, int> s_rank = new()
    {
        ["viewer"] = 0, ["grader"] = 1, ["adjudicator"] = 2, ["admin"] = 3, ["globalAdmin"] = 3,
    };

    /// <summary>What a role gets from a route that needs <paramref name="minimum"/>: success, 403 below it, 404 for outsiders.</summary>
    private static HttpStatusCode Expected(string role, string minimum, HttpStatusCode success) =>
        role == "outsider" ? HttpStatusCode.NotFound
        : s_rank[role] >= s_rank[minimum] ? success
        : HttpStatusCode.Forbidden;

    private sealed record Route(string Name, string Minimum, HttpStatusCode Success, Func<HttpClient, Task<HttpResponseMessage>> Call);

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task EveryRoute_Role_GetsWhatItsRoleAllows(string role)
    {
        var s = await ProjectScenario.CreateAsync(api);
        var extra = await api.UserAsync("Eve Extra");
        var (problem, solution) = await s.ProblemAndSolutionAsync();
        var rubricId = problem.GetProperty("currentRubric").Id();
        var p = s.ProjectId;

        async Task<Guid> DraftAsync() =>
            (await s.Admin.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", new { items = new[] { new { title = "All", points = 7 } } })
                .ExpectAsync(HttpStatusCode.Created)).Id();

        Route[] routes =
        [
            new("GET project", "viewer", HttpStatusCode.OK, c => c.GetAsync($"/api/projects/{p}")),
            new("PATCH project", "admin", HttpStatusCode.OK, async c => await c.PatchAsJsonAsync($"/api/projects/{p}", new { description = "changed", rowVersion = await s.RowVersionAsync($"/api/projects/{p}") })),
            new("GET members", "viewer", HttpStatusCode.OK, c => c.GetAsync($"/api/projects/{p}/members")),
            new("PUT member", "admin", HttpStatusCode.OK, c => c.PutAsJsonAsync($"/api/projects/{p}/members/{extra.Id}", new { role = "viewer" })),
            new("DELETE member", "admin", HttpStatusCode.NoContent, async c =>
            {
                await s.SetRoleAsync(extra, "viewer");
                return await c.DeleteAsync($"/api/projects/{p}/members/{extra.Id}");
            }),
            new("GET problems", "viewer", HttpStatusCode.OK, c => c.GetAsync($"/api/projects/{p}/problems")),
            new("POST problem", "adjudicator", HttpStatusCode.Created,
                c => c.PostAsJsonAsync($"/api/projects/{p}/problems", new { title = "New", statement = "S", rubric = ProjectScenario.SevenPointRubric })),
            new("GET problem", "viewer", HttpStatusCode.OK, c => c.GetAsync($"/api/problems/{problem.Id()}")),
            new("PATCH problem", "adjudicator", HttpStatusCode.OK, async c => await c.PatchAsJsonAsync($"/api/problems/{problem.Id()}",
                new { source = "edited", rowVersion = await s.RowVersionAsync($"/api/problems/{problem.Id()}") })),
            new("DELETE problem", "admin", HttpStatusCode.NoContent, async c =>
            {
                var doomed = await s.CreateProblemAsync(withRubric: false, title: "Doomed");
                return await c.DeleteAsync($"/api/problems/{doomed.Id()}");
            }),
            new("GET rubrics", "viewer", HttpStatusCode.OK, c => c.GetAsync($"/api/problems/{problem.Id()}/rubrics")),
            new("POST rubric", "adjudicator", HttpStatusCode.Created,
                c => c.PostAsJsonAsync($"/api/problems/{problem.Id()}/rubrics", new { items = new[] { new { title = "All", points = 7 } } })),
            new("GET rubric", "viewer", HttpStatusCode.OK, c => c.GetAsync($"/api/rubrics/{rubricId}")),
            new("PUT rubric", "adjudicator", HttpStatusCode.OK, async c =>
            {
                var draft = await DraftAsync();
                return await c.PutAsJsonAsync($"/api/rubrics/{draft}",
                    new { items = new[] { new { title = "Everything", points = 7 } }, rowVersion = await s.RowVersionAsync($"/api/rubrics/{draft}") });
            }),
            new("POST rubric approve", "adjudicator", HttpStatusCode.OK, async c =>
            {
                var draft = await DraftAsync();
                return await c.PostAsync($"/api/rubrics/{draft}/approve", null);
            }),
            new("GET solutions", "viewer", HttpStatusCode.OK, c => c.GetAsync($"/api/problems/{problem.Id()}/solutions")),
            new("POST solution", "grader", HttpStatusCode.Created, c => c.PostAsJsonAsync($"/api/problems/{problem.Id()}/solutions", new { text = "Mine." })),
            new("GET solution", "viewer", HttpStatusCode.OK, c => c.GetAsync($"/api/solutions/{solution.Id()}")),
            new("GET history", "viewer", HttpStatusCode.OK, c => c.GetAsync($"/api/solutions/{solution.Id()}/history")),
            new("GET annotations", "viewer", HttpStatusCode.OK, c => c.GetAsync($"/api/solutions/{solution.Id()}/annotations")),
            new("POST annotation", "grader", HttpStatusCode.Created,
                c => c.PostAsJsonAsync($"/api/solutions/{solution.Id()}/annotations", ProjectScenario.Annotation("n be even"))),
            new("DELETE someone else's annotation", "adjudicator", HttpStatusCode.NoContent, async c =>
            {
                var theirs = await s.Admin.PostAsJsonAsync($"/api/solutions/{solution.Id()}/annotations", ProjectScenario.Annotation("n^2 is even"))
                    .ExpectAsync(HttpStatusCode.Created);
                return await c.DeleteAsync($"/api/annotations/{theirs.Id()}");
            }),
            new("GET human grades", "viewer", HttpStatusCode.OK, c => c.GetAsync($"/api/solutions/{solution.Id()}/human-grades")),
            new("POST human grade", "grader", HttpStatusCode.Created, c => c.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 3 })),
            new("PUT adjudication", "adjudicator", HttpStatusCode.Created, async c =>
            {
                var fresh = await s.CreateSolutionAsync(problem.Id(), "To adjudicate.");
                return await c.PutAsJsonAsync($"/api/solutions/{fresh.Id()}/adjudication", new { points = 2, rationale = "Because." });
            }),
        ];

        var client = s.As(role);
        var failures = new List<string>();
        foreach (var route in routes)
        {
            var expected = Expected(role, route.Minimum, route.Success);
            using var response = await route.Call(client);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != expected)
            {
                failures.Add($"{route.Name}: expected {(int)expected}, got {(int)response.StatusCode} {body}");
                continue;
            }
            if (expected is HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
            {
                var problemDetails = HttpAssertions.Parse(body);
                var title = problemDetails.ValueKind == JsonValueKind.Object && problemDetails.TryGetProperty("title", out var t) ? t.GetString() : null;
                var wanted = expected == HttpStatusCode.Forbidden ? "Forbidden" : "Not found";
                if (response.Content.Headers.ContentType?.MediaType != "application/problem+json" || title != wanted)
                {
                    failures.Add($"{route.Name}: {(int)expected} without a '{wanted}' ProblemDetails: {body}");
                }
            }
            else if (body.Length > 0 && HttpAssertions.Parse(body) is { ValueKind: JsonValueKind.Object } json && json.TryGetProperty("errors", out _))
            {
                failures.Add($"{route.Name}: success carried errors: {body}");
            }
        }

        failures.ShouldBeEmpty(string.Join(Environment.NewLine, failures));
        routes.Length.ShouldBe(25);
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task ProjectList_Role_ShowsTheProjectToMembersAndAdminsOnly(string role)
    {
        var s = await ProjectScenario.CreateAsync(api);
        var list = await s.As(role).GetAsync("/api/projects").ExpectAsync(HttpStatusCode.OK);
        var listed = list.Items().Where(x => x.Id() == s.ProjectId).ToList();
        if (role == "outsider")
        {
            listed.ShouldBeEmpty();
        }
        else
        {
            listed.ShouldHaveSingleItem().Str("myRole").ShouldBe(role == "globalAdmin" ? "admin" : role);
        }
    }
}
