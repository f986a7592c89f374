using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// Pages and htmx endpoints over plain HTTP: blind grading as a second grader sees it, Api refusals shown next to the
/// form with what was typed kept, paging through solutions, and signing out.
/// </summary>
public sealed partial class PageFlowTests(ShortTokenPortal portal) : IClassFixture<ShortTokenPortal>
{
    private sealed record Setup(ApiClient Admin, Guid ProjectId, Guid ProblemId, Guid SolutionId, Guid[] ItemIds);

    private async Task<Setup> CreateGradedSetupAsync(bool blind, CancellationToken ct)
    {
        var admin = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var project = await admin.PostAsync("/api/projects", new { name = $"Flow {Guid.NewGuid():N}", blindGrading = blind }, ct);
        var projectId = project.GetProperty("id").GetGuid();
        var problem = await admin.PostAsync($"/api/projects/{projectId}/problems", new
        {
            title = "Two steps",
            statement = "Prove $P$.",
            rubric = new { items = new[] { new { title = "Step one", points = 3m }, new { title = "Step two", points = 4m } } },
        }, ct);
        var items = problem.GetProperty("currentRubric").GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToArray();
        var solution = await admin.PostAsync($"/api/problems/{problem.GetProperty("id").GetGuid()}/solutions",
            new { text = "By step one and step two, $P$ holds.", author = "model-x" }, ct);
        return new Setup(admin, projectId, problem.GetProperty("id").GetGuid(), solution.GetProperty("id").GetGuid(), items);
    }

    private async Task<(WebClient Web, string Email)> NewMemberAsync(Setup setup, string role, CancellationToken ct)
    {
        var email = $"{role}-{Guid.NewGuid():N}@example.org";
        var user = await setup.Admin.PostAsync("/api/users", new { email, password = "member-password-1", displayName = $"Member {role}" }, ct);
        await setup.Admin.SendAsync(HttpMethod.Put, $"/api/projects/{setup.ProjectId}/members/{user.GetProperty("id").GetGuid()}", new { role }, ct);
        var web = new WebClient(portal.Hosts.WebUrl);
        (await web.SignInAsync(email, "member-password-1", ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return (web, email);
    }

    [Fact]
    public async Task BlindProject_GraderSeesOthersGradesOnlyAfterSubmittingTheirOwn()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateGradedSetupAsync(blind: true, ct);
        await setup.Admin.PostAsync($"/api/solutions/{setup.SolutionId}/human-grades", new
        {
            points = 7m,
            items = new[] { new { rubricItemId = setup.ItemIds[0], points = 3m }, new { rubricItemId = setup.ItemIds[1], points = 4m } },
            comment = "Complete.",
        }, ct);
        var (grader, _) = await NewMemberAsync(setup, "grader", ct);
        using var _ = grader;

        var (html, token) = await grader.PageAsync($"/solutions/{setup.SolutionId}", ct);
        html.ShouldContain("data-testid=\"blind-notice\"");
        html.ShouldContain("hidden until you submit yours");
        html.ShouldNotContain("Complete.");
        html.ShouldNotContain("data-testid=\"adjudication-form\"");

        var response = await grader.HtmxAsync(HttpMethod.Post, $"/ui/solutions/{setup.SolutionId}/grade", token, new Dictionary<string, string>
        {
            ["items[0].id"] = setup.ItemIds[0].ToString(),
            ["items[0].points"] = "3",
            ["items[1].id"] = setup.ItemIds[1].ToString(),
            ["items[1].points"] = "1.5",
            ["items[1].comment"] = "Step two skips a case.",
            ["comment"] = "Mostly there.",
        }, ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("HX-Trigger").ShouldContain("gp:changed");
        var fragment = await response.Content.ReadAsStringAsync(ct);
        fragment.ShouldContain("Grade saved.");
        fragment.ShouldContain("4.5 / 7");
        fragment.ShouldContain("Complete.");
        fragment.ShouldNotContain("data-testid=\"blind-notice\"");
        Regex.Count(fragment, "hx-swap-oob=\"true\"").ShouldBeGreaterThanOrEqualTo(3);
    }

    [Fact]
    public async Task Annotation_QuoteNotInText_ShowsApiMessageAndKeepsTheComment()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateGradedSetupAsync(blind: false, ct);
        using var web = new WebClient(portal.Hosts.WebUrl);
        await web.SignInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var (_, token) = await web.PageAsync($"/solutions/{setup.SolutionId}", ct);

        var response = await web.HtmxAsync(HttpMethod.Post, $"/ui/solutions/{setup.SolutionId}/annotations", token, new Dictionary<string, string>
        {
            ["start"] = "3",
            ["end"] = "11",
            ["quote"] = "not this",
            ["errorType"] = "calculation-mistake",
            ["severity"] = "major",
            ["comment"] = "A comment worth keeping",
        }, ct);

        var fragment = await response.Content.ReadAsStringAsync(ct);
        fragment.ShouldContain("The quote does not match the solution text");
        fragment.ShouldContain("A comment worth keeping");
        fragment.ShouldContain("data-gp-saved=\"false\"");
        fragment.ShouldNotContain("hx-swap-oob");
    }

    [Fact]
    public async Task Grade_RevisedWithoutRowVersion_ShowsConflictAndKeepsTypedPoints()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateGradedSetupAsync(blind: false, ct);
        using var web = new WebClient(portal.Hosts.WebUrl);
        await web.SignInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var (_, token) = await web.PageAsync($"/solutions/{setup.SolutionId}", ct);
        Dictionary<string, string> Grade(string second) => new()
        {
            ["items[0].id"] = setup.ItemIds[0].ToString(),
            ["items[0].points"] = "2",
            ["items[1].id"] = setup.ItemIds[1].ToString(),
            ["items[1].points"] = second,
        };
        (await web.HtmxAsync(HttpMethod.Post, $"/ui/solutions/{setup.SolutionId}/grade", token, Grade("4"), ct)).EnsureSuccessStatusCode();

        // A second tab that loaded the page before the first submission posts without the new rowVersion.
        var stale = await web.HtmxAsync(HttpMethod.Post, $"/ui/solutions/{setup.SolutionId}/grade", token, Grade("3.5"), ct);

        var fragment = await stale.Content.ReadAsStringAsync(ct);
        fragment.ShouldContain("data-testid=\"problem\"");
        fragment.ShouldContain("value=\"3.5\"");
        fragment.ShouldNotContain("Grade saved.");
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        var ct = TestContext.Current.CancellationToken;
        using var web = new WebClient(portal.Hosts.WebUrl);
        await web.SignInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var (html, _) = await web.PageAsync("/tokens", ct);
        var token = WebUtility.HtmlDecode(SignOutToken().Match(html).Groups[1].Value);

        var signOut = await web.Http.PostAsync("/signout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }), ct);

        signOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        signOut.Headers.Location!.ToString().ShouldBe("/signin");
        (await web.Http.GetAsync("/", ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [GeneratedRegex("action=\"/signout\"><input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex SignOutToken();
}
