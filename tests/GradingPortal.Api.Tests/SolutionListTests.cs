using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GradingPortal.Api.Tests;

/// <summary>A problem's solutions sorted, filtered, searched and paged by the Api; the problems' paged list.</summary>
public sealed class SolutionListTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    /// <summary>
    /// Four solutions, made in this order:
    /// S1 "a-1" by zeta, shortest, nothing on it;
    /// S2 "b-2" by alpha, two annotations, graded 3 (Greta) and 5 (Otto), final 4;
    /// S3 no external id, by mid, one annotation, graded 2 (Otto);
    /// S4 "c-3" with no author, longest, graded 6 (Greta), final 7.
    /// </summary>
    private sealed record Seeded(ProjectScenario S, Guid ProblemId, Guid S1, Guid S2, Guid S3, Guid S4)
    {
        public string Url(string query) => $"/api/problems/{ProblemId}/solutions?{query}";

        /// <summary>The S-names of ids, comma-separated, so a failure reads as the order it found.</summary>
        public string NamesOf(IEnumerable<Guid> ids) => string.Join(",", ids.Select(id =>
            id == S1 ? "S1" : id == S2 ? "S2" : id == S3 ? "S3" : id == S4 ? "S4" : id.ToString()));

        public Guid[] Named(string names) => [.. names.Split(',').Select(n => n switch
        {
            "S1" => S1, "S2" => S2, "S3" => S3, "S4" => S4, _ => throw new ArgumentOutOfRangeException(nameof(names), n, null),
        })];
    }

    private async Task<Seeded> SeedAsync(bool blindGrading = false, bool hideAuthors = false)
    {
        var s = await ProjectScenario.CreateAsync(api, blindGrading, hideAuthors);
        var problem = (await s.CreateProblemAsync()).Id();
        async Task<Guid> Add(string text, string? author, string? externalId) =>
            (await s.Admin.PostAsJsonAsync($"/api/problems/{problem}/solutions", new { text, author, externalId }).ExpectAsync(HttpStatusCode.Created)).Id();
        var s1 = await Add("Short.", "zeta", "a-1");
        var s2 = await Add(ProjectScenario.ProofText + " Some extra words.", "alpha", "b-2");
        var s3 = await Add(ProjectScenario.ProofText, "mid", null);
        var s4 = await Add(ProjectScenario.ProofText + new string('.', 80), null, "c-3");
        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{s2}/annotations", ProjectScenario.Annotation("n be even")).ExpectAsync(HttpStatusCode.Created);
        await s.OtherGrader.Client.PostAsJsonAsync($"/api/solutions/{s2}/annotations", ProjectScenario.Annotation("n^2 is even"))
            .ExpectAsync(HttpStatusCode.Created);
        await s.OtherGrader.Client.PostAsJsonAsync($"/api/solutions/{s3}/annotations", ProjectScenario.Annotation("n be even"))
            .ExpectAsync(HttpStatusCode.Created);
        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{s2}/human-grades", new { points = 3 }).ExpectAsync(HttpStatusCode.Created);
        await s.OtherGrader.Client.PostAsJsonAsync($"/api/solutions/{s2}/human-grades", new { points = 5 }).ExpectAsync(HttpStatusCode.Created);
        await s.OtherGrader.Client.PostAsJsonAsync($"/api/solutions/{s3}/human-grades", new { points = 2 }).ExpectAsync(HttpStatusCode.Created);
        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{s4}/human-grades", new { points = 6 }).ExpectAsync(HttpStatusCode.Created);
        await s.Adjudicator.Client.PutAsJsonAsync($"/api/solutions/{s2}/adjudication", new { points = 4, rationale = "Between the two." })
            .ExpectAsync(HttpStatusCode.Created);
        await s.Adjudicator.Client.PutAsJsonAsync($"/api/solutions/{s4}/adjudication", new { points = 7, rationale = "Complete." })
            .ExpectAsync(HttpStatusCode.Created);
        return new Seeded(s, problem, s1, s2, s3, s4);
    }

    private static List<Guid> Ids(JsonElement page) => [.. page.Items("items").Select(i => i.Id())];

    [Fact]
    public async Task ListSolutions_EachSortKeyBothWays_OrdersByItWithEmptyValuesLastAndTiesInCreationOrder()
    {
        var d = await SeedAsync();
        var expected = new Dictionary<string, string>
        {
            ["created"] = "S1,S2,S3,S4", ["-created"] = "S4,S3,S2,S1",
            ["externalId"] = "S1,S2,S4,S3", ["-externalId"] = "S4,S2,S1,S3",
            ["author"] = "S2,S3,S1,S4", ["-author"] = "S1,S3,S2,S4",
            ["length"] = "S1,S3,S2,S4", ["-length"] = "S4,S2,S3,S1",
            ["annotations"] = "S1,S4,S3,S2", ["-annotations"] = "S2,S3,S1,S4",
            ["grades"] = "S1,S3,S4,S2", ["-grades"] = "S2,S3,S4,S1",
            ["mine"] = "S2,S4,S1,S3", ["-mine"] = "S4,S2,S1,S3",
            ["final"] = "S2,S4,S1,S3", ["-final"] = "S4,S2,S1,S3",
        };
        foreach (var (sort, names) in expected)
        {
            var page = await d.S.Grader.Client.GetAsync(d.Url($"sort={sort}&page=1&pageSize=10")).ExpectAsync(HttpStatusCode.OK);
            $"sort={sort}: {d.NamesOf(Ids(page))}".ShouldBe($"sort={sort}: {names}");
            page.GetProperty("total").GetInt32().ShouldBe(4);
        }
    }

    [Fact]
    public async Task ListSolutions_EachState_KeepsTheMatchingSolutionsAndCountsThem()
    {
        var d = await SeedAsync();
        var expected = new Dictionary<string, string>
        {
            ["ungraded"] = "S1", ["graded"] = "S2,S3,S4", ["mine"] = "S2,S4", ["not-mine"] = "S1,S3", ["double"] = "S2",
            // The project asks for one grade per solution.
            ["needs-grades"] = "S1", ["needs-final"] = "S3", ["adjudicated"] = "S2,S4",
        };
        foreach (var (state, names) in expected)
        {
            var page = await d.S.Grader.Client.GetAsync(d.Url($"state={state}")).ExpectAsync(HttpStatusCode.OK);
            $"state={state}: {d.NamesOf(Ids(page))} of {page.GetProperty("total").GetInt32()}"
                .ShouldBe($"state={state}: {names} of {d.Named(names).Length}");
        }
    }

    [Fact]
    public async Task ListSolutions_PageAndPageSize_GiveTheSortedSliceTheTotalAndALinkToTheNext()
    {
        var d = await SeedAsync();
        var first = await d.S.Viewer.Client.GetAsync(d.Url("sort=-length&pageSize=3&page=1")).ExpectAsync(HttpStatusCode.OK);
        Ids(first).ShouldBe(d.Named("S4,S2,S3"));
        (first.GetProperty("total").GetInt32(), first.GetProperty("page").GetInt32(), first.GetProperty("pageSize").GetInt32()).ShouldBe((4, 1, 3));
        var next = first.Str("next");
        next.ShouldBe($"/api/problems/{d.ProblemId}/solutions?page=2&pageSize=3&sort=-length");

        var second = await d.S.Viewer.Client.GetAsync(next).ExpectAsync(HttpStatusCode.OK);
        Ids(second).ShouldBe(d.Named("S1"));
        second.GetProperty("next").ValueKind.ShouldBe(JsonValueKind.Null);
        var beyond = await d.S.Viewer.Client.GetAsync(d.Url("page=3&pageSize=3")).ExpectAsync(HttpStatusCode.OK);
        Ids(beyond).ShouldBeEmpty();
        beyond.GetProperty("total").GetInt32().ShouldBe(4);
    }

    [Fact]
    public async Task ListSolutions_AfterWithAFilter_WalksTheFilteredListByKeyset()
    {
        var d = await SeedAsync();
        var first = await d.S.Grader.Client.GetAsync(d.Url("state=graded&limit=2")).ExpectAsync(HttpStatusCode.OK);
        Ids(first).ShouldBe(d.Named("S2,S3"));
        first.Str("next").ShouldBe($"/api/problems/{d.ProblemId}/solutions?after={d.S3}&limit=2&state=graded");
        var second = await d.S.Grader.Client.GetAsync(first.Str("next")).ExpectAsync(HttpStatusCode.OK);
        Ids(second).ShouldBe(d.Named("S4"));
        second.GetProperty("page").ValueKind.ShouldBe(JsonValueKind.Null);
        second.GetProperty("total").GetInt32().ShouldBe(3);
    }

    [Fact]
    public async Task ListSolutions_Search_MatchesExternalIdOrAuthorInAnyCase()
    {
        var d = await SeedAsync();
        Ids(await d.S.Viewer.Client.GetAsync(d.Url("search=B-2")).ExpectAsync(HttpStatusCode.OK)).ShouldBe(d.Named("S2"));
        Ids(await d.S.Viewer.Client.GetAsync(d.Url("search=ZET")).ExpectAsync(HttpStatusCode.OK)).ShouldBe(d.Named("S1"));
        // % is text, not a wildcard.
        Ids(await d.S.Viewer.Client.GetAsync(d.Url("search=%25")).ExpectAsync(HttpStatusCode.OK)).ShouldBeEmpty();
        var both = await d.S.Viewer.Client.GetAsync(d.Url("search=-&state=adjudicated&sort=-final")).ExpectAsync(HttpStatusCode.OK);
        Ids(both).ShouldBe(d.Named("S4,S2"));
    }

    [Fact]
    public async Task ListSolutions_HiddenAuthors_AreNotSearchableOrSortableByGradersButAreByAdjudicators()
    {
        var d = await SeedAsync(hideAuthors: true);
        Ids(await d.S.Grader.Client.GetAsync(d.Url("search=alpha")).ExpectAsync(HttpStatusCode.OK)).ShouldBeEmpty();
        Ids(await d.S.Grader.Client.GetAsync(d.Url("search=b-2")).ExpectAsync(HttpStatusCode.OK)).ShouldBe(d.Named("S2"));
        await d.S.Grader.Client.GetAsync(d.Url("sort=author")).ExpectValidationAsync("sort");
        Ids(await d.S.Adjudicator.Client.GetAsync(d.Url("search=alpha")).ExpectAsync(HttpStatusCode.OK)).ShouldBe(d.Named("S2"));
        Ids(await d.S.Adjudicator.Client.GetAsync(d.Url("sort=author")).ExpectAsync(HttpStatusCode.OK)).ShouldBe(d.Named("S2,S3,S1,S4"));
    }

    [Fact]
    public async Task ListSolutions_BlindGraderSortingAndFiltering_SeesOnlyWhatTheirOwnGradesUnveil()
    {
        var d = await SeedAsync(blindGrading: true);
        // Greta graded S2 and S4, so she sees everything on those; on S1 and S3 only her own (nothing).
        Ids(await d.S.Grader.Client.GetAsync(d.Url("state=graded")).ExpectAsync(HttpStatusCode.OK)).ShouldBe(d.Named("S2,S4"));
        Ids(await d.S.Grader.Client.GetAsync(d.Url("state=ungraded")).ExpectAsync(HttpStatusCode.OK)).ShouldBe(d.Named("S1,S3"));
        Ids(await d.S.Grader.Client.GetAsync(d.Url("sort=-annotations")).ExpectAsync(HttpStatusCode.OK)).ShouldBe(d.Named("S2,S1,S3,S4"));
        // Otto graded S2 and S3: S4's grade and final stay hidden from him, in the order as in the filter.
        Ids(await d.S.OtherGrader.Client.GetAsync(d.Url("state=adjudicated")).ExpectAsync(HttpStatusCode.OK)).ShouldBe(d.Named("S2"));
        Ids(await d.S.OtherGrader.Client.GetAsync(d.Url("sort=-final")).ExpectAsync(HttpStatusCode.OK)).ShouldBe(d.Named("S2,S1,S3,S4"));
        Ids(await d.S.OtherGrader.Client.GetAsync(d.Url("sort=-grades")).ExpectAsync(HttpStatusCode.OK)).ShouldBe(d.Named("S2,S3,S1,S4"));
        // The viewer has graded nothing: every row looks ungraded.
        var viewer = await d.S.Viewer.Client.GetAsync(d.Url("state=ungraded")).ExpectAsync(HttpStatusCode.OK);
        viewer.GetProperty("total").GetInt32().ShouldBe(4);
    }

    [Theory]
    [InlineData("sort=bogus", "sort")]
    [InlineData("sort=-", "sort")]
    [InlineData("state=waiting", "state")]
    [InlineData("page=0", "page")]
    [InlineData("pageSize=501", "pageSize")]
    [InlineData("pageSize=ten", "pageSize")]
    [InlineData("after=not-a-guid", "after")]
    [InlineData("after=0193a0f8-0000-7000-8000-000000000000&page=2", "after")]
    [InlineData("after=0193a0f8-0000-7000-8000-000000000000&sort=-final", "after")]
    [InlineData("limit=ten", "limit")]
    [InlineData("limit=5&pageSize=5", "limit")]
    public async Task ListSolutions_BadValue_Returns400WithTheFieldError(string query, string field)
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        await s.Viewer.Client.GetAsync($"/api/problems/{problem.Id()}/solutions?{query}").ExpectValidationAsync(field);
    }

    [Fact]
    public async Task ListSolutions_SearchLongerThan200_Returns400WithTheFieldError()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.CreateProblemAsync();
        await s.Viewer.Client.GetAsync($"/api/problems/{problem.Id()}/solutions?search={new string('x', 201)}").ExpectValidationAsync("search");
    }

    [Fact]
    public async Task ListProblemsPage_SortSearchAndPage_GiveTheSliceAndTheTotal()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var beta = (await s.CreateProblemAsync(title: "Beta inequality")).Id();
        var alpha = (await s.CreateProblemAsync(title: "alpha geometry")).Id();
        var gamma = (await s.CreateProblemAsync(title: "Gamma inequality")).Id();
        await s.CreateSolutionAsync(gamma);
        await s.CreateSolutionAsync(gamma);
        await s.CreateSolutionAsync(alpha);
        var url = $"/api/projects/{s.ProjectId}/problems/page";

        Ids(await s.Viewer.Client.GetAsync(url).ExpectAsync(HttpStatusCode.OK)).ShouldBe([beta, alpha, gamma]);
        Ids(await s.Viewer.Client.GetAsync(url + "?sort=title").ExpectAsync(HttpStatusCode.OK)).ShouldBe([alpha, beta, gamma]);
        Ids(await s.Viewer.Client.GetAsync(url + "?sort=-solutions").ExpectAsync(HttpStatusCode.OK)).ShouldBe([gamma, alpha, beta]);
        var found = await s.Viewer.Client.GetAsync(url + "?search=INEQUALITY&sort=-title&pageSize=1&page=2").ExpectAsync(HttpStatusCode.OK);
        Ids(found).ShouldBe([beta]);
        (found.GetProperty("total").GetInt32(), found.GetProperty("page").GetInt32(), found.GetProperty("pageSize").GetInt32()).ShouldBe((2, 2, 1));
        await s.Viewer.Client.GetAsync(url + "?sort=difficulty&page=0").ExpectValidationAsync("sort", "page");
        await s.Outsider.Client.GetAsync(url).ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
