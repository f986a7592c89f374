using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GradingPortal.Api.Tests;

/// <summary>Projects and members.</summary>
public sealed class ProjectTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task CreateProject_ByAnyUser_Returns201AndMakesTheCreatorAdmin()
    {
        var creator = await api.UserAsync("Carla Creator");

        using var response = await creator.Client.PostAsJsonAsync("/api/projects", new
        {
            name = "  USAMO 2025  ",
            description = "six provers",
            blindGrading = true,
            customErrorTypes = new[] { "sign-error" },
        });
        var project = await response.ExpectAsync(HttpStatusCode.Created);

        response.Headers.Location!.ToString().ShouldBe($"/api/projects/{project.Id()}");
        project.Str("name").ShouldBe("USAMO 2025");
        project.Str("description").ShouldBe("six provers");
        project.GetProperty("maxPoints").GetInt32().ShouldBe(7);
        project.GetProperty("blindGrading").GetBoolean().ShouldBeTrue();
        project.GetProperty("hideAuthors").GetBoolean().ShouldBeFalse();
        project.GetProperty("usesLabels").GetBoolean().ShouldBeFalse();
        project.Str("myRole").ShouldBe("admin");
        project.GetProperty("problemCount").GetInt32().ShouldBe(0);
        project.RowVersion().ShouldNotBe(0u);
        project.Items("customErrorTypes").Select(t => t.GetString()).ShouldBe(["sign-error"]);
        var errorTypes = project.Items("errorTypes");
        errorTypes.Count.ShouldBe(8);
        errorTypes.Select(t => t.Str("id")).ShouldContain("proof-by-example");
        errorTypes.Single(t => t.Str("id") == "calculation-mistake").Str("label").ShouldBe("Calculation mistake");
        errorTypes.Single(t => t.Str("id") == "sign-error").GetProperty("custom").GetBoolean().ShouldBeTrue();

        var members = await creator.Client.GetAsync($"/api/projects/{project.Id()}/members").ExpectAsync(HttpStatusCode.OK);
        var member = members.Items().ShouldHaveSingleItem();
        (member.GetProperty("userId").GetGuid(), member.Str("role"), member.Str("displayName")).ShouldBe((creator.Id, "admin", "Carla Creator"));
    }

    [Fact]
    public async Task CreateProject_InvalidFields_Returns400PerField()
    {
        var admin = await api.AdminAsync();
        var errors = await admin.PostAsJsonAsync("/api/projects", new { name = " ", maxPoints = 0, customErrorTypes = new[] { "Not Valid" } })
            .ExpectValidationAsync("name", "maxPoints", "customErrorTypes");
        errors.Messages("customErrorTypes").ShouldBe(["'Not Valid' is not a valid identifier (lowercase letters, digits and dashes)."]);
    }

    [Fact]
    public async Task ListProjects_Member_SeesOnlyTheirProjectsWithTheirRole()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var other = await ProjectScenario.CreateAsync(api);
        await s.Admin.DeleteAsync($"/api/projects/{other.ProjectId}/members/{s.Grader.Id}").ExpectAsync(HttpStatusCode.NoContent);

        var forGrader = await s.Grader.Client.GetAsync("/api/projects").ExpectAsync(HttpStatusCode.OK);
        forGrader.Items().Select(p => p.Id()).ShouldContain(s.ProjectId);
        forGrader.Items().Select(p => p.Id()).ShouldNotContain(other.ProjectId);
        forGrader.Items().Single(p => p.Id() == s.ProjectId).Str("myRole").ShouldBe("grader");

        var forOutsider = await s.Outsider.Client.GetAsync("/api/projects").ExpectAsync(HttpStatusCode.OK);
        forOutsider.Items().Select(p => p.Id()).ShouldNotContain(s.ProjectId);

        var forGlobalAdmin = await s.GlobalAdmin.Client.GetAsync("/api/projects").ExpectAsync(HttpStatusCode.OK);
        forGlobalAdmin.Items().Single(p => p.Id() == s.ProjectId).Str("myRole").ShouldBe("admin");
        forGlobalAdmin.Items().Select(p => p.Id()).ShouldContain(other.ProjectId);
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("grader")]
    [InlineData("adjudicator")]
    [InlineData("admin")]
    public async Task GetProject_Member_SeesItWithTheirRoleAndCounts(string role)
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (problem, _) = await s.ProblemAndSolutionAsync();
        await s.CreateSolutionAsync(problem.Id(), "Another proof.");

        var project = await s.As(role).GetAsync($"/api/projects/{s.ProjectId}").ExpectAsync(HttpStatusCode.OK);

        project.Str("myRole").ShouldBe(role);
        project.Str("name").ShouldBe(s.Project.Str("name"));
        project.GetProperty("problemCount").GetInt32().ShouldBe(1);
        project.GetProperty("solutionCount").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task GetProject_NonMemberOrUnknown_Returns404()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.Outsider.Client.GetAsync($"/api/projects/{s.ProjectId}").ExpectProblemAsync(HttpStatusCode.NotFound, "Not found");
        problem.Str("detail").ShouldBe("The project was not found.");
        await s.Admin.GetAsync($"/api/projects/{Guid.NewGuid()}").ExpectProblemAsync(HttpStatusCode.NotFound, "Not found");
    }

    [Fact]
    public async Task PatchProject_ByAdminWithCurrentRowVersion_ChangesOnlyGivenFields()
    {
        var s = await ProjectScenario.CreateAsync(api);

        var patched = await s.ProjectAdmin.Client.PatchAsJsonAsync($"/api/projects/{s.ProjectId}",
            new { hideAuthors = true, maxPoints = 10, customErrorTypes = new[] { "sign-error" }, rowVersion = s.Project.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);

        patched.GetProperty("hideAuthors").GetBoolean().ShouldBeTrue();
        patched.GetProperty("maxPoints").GetInt32().ShouldBe(10);
        patched.Str("name").ShouldBe(s.Project.Str("name"));
        patched.Str("description").ShouldBe("A test campaign");
        patched.RowVersion().ShouldNotBe(s.Project.RowVersion());
        patched.Items("errorTypes").Count.ShouldBe(8);
        var reread = await s.Viewer.Client.GetAsync($"/api/projects/{s.ProjectId}").ExpectAsync(HttpStatusCode.OK);
        reread.GetProperty("hideAuthors").GetBoolean().ShouldBeTrue();
        reread.RowVersion().ShouldBe(patched.RowVersion());
    }

    [Fact]
    public async Task PatchProject_StaleRowVersion_Returns409AndKeepsTheOtherEdit()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var stale = s.Project.RowVersion();
        await s.Admin.PatchAsJsonAsync($"/api/projects/{s.ProjectId}", new { name = "First edit", rowVersion = stale }).ExpectAsync(HttpStatusCode.OK);

        var problem = await s.ProjectAdmin.Client.PatchAsJsonAsync($"/api/projects/{s.ProjectId}", new { name = "Second edit", rowVersion = stale })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "Conflict");

        problem.Str("detail").ShouldBe("Someone else changed this since you loaded it. Reload to see their change; nothing was overwritten.");
        (await s.Admin.GetAsync($"/api/projects/{s.ProjectId}").ExpectAsync(HttpStatusCode.OK)).Str("name").ShouldBe("First edit");
    }

    [Fact]
    public async Task PatchProject_WithoutRowVersion_Returns400ForRowVersionAndChangesNothing()
    {
        var s = await ProjectScenario.CreateAsync(api);

        var errors = await s.ProjectAdmin.Client.PatchAsJsonAsync($"/api/projects/{s.ProjectId}", new { name = "Blind overwrite" })
            .ExpectValidationAsync("rowVersion");

        errors.Messages("rowVersion").ShouldHaveSingleItem().ShouldContain("rowVersion");
        var reread = await s.Admin.GetAsync($"/api/projects/{s.ProjectId}").ExpectAsync(HttpStatusCode.OK);
        reread.Str("name").ShouldBe(s.Project.Str("name"));
        reread.RowVersion().ShouldBe(s.Project.RowVersion());
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("grader")]
    [InlineData("adjudicator")]
    public async Task PatchProject_NonAdminMember_Returns403(string role)
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.As(role).PatchAsJsonAsync($"/api/projects/{s.ProjectId}", new { name = "Mine now" })
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "Forbidden");
        problem.Str("detail").ShouldBe("Your role does not allow you to change project settings.");
        (await s.Admin.GetAsync($"/api/projects/{s.ProjectId}").ExpectAsync(HttpStatusCode.OK)).Str("name").ShouldBe(s.Project.Str("name"));
    }

    [Fact]
    public async Task PatchProject_InvalidValues_Returns400AndChangesNothing()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var version = s.Project.RowVersion();
        await s.Admin.PatchAsJsonAsync($"/api/projects/{s.ProjectId}", new { name = "", customErrorTypes = new[] { "UPPER" }, rowVersion = version })
            .ExpectValidationAsync("name", "customErrorTypes");
        await s.Admin.PatchAsJsonAsync($"/api/projects/{s.ProjectId}", new { maxPoints = 101, rowVersion = version }).ExpectValidationAsync("maxPoints");
        (await s.Admin.GetAsync($"/api/projects/{s.ProjectId}").ExpectAsync(HttpStatusCode.OK)).RowVersion().ShouldBe(s.Project.RowVersion());
    }

    [Fact]
    public async Task Members_AnyMember_SeesEveryRole()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var members = await s.Viewer.Client.GetAsync($"/api/projects/{s.ProjectId}/members").ExpectAsync(HttpStatusCode.OK);
        var roles = members.Items().ToDictionary(m => m.GetProperty("userId").GetGuid(), m => m.Str("role"));
        roles[s.Viewer.Id].ShouldBe("viewer");
        roles[s.Grader.Id].ShouldBe("grader");
        roles[s.OtherGrader.Id].ShouldBe("grader");
        roles[s.Adjudicator.Id].ShouldBe("adjudicator");
        roles[s.ProjectAdmin.Id].ShouldBe("admin");
        roles.Count.ShouldBe(6);
        roles.ShouldNotContainKey(s.Outsider.Id);
        members.Items().Single(m => m.GetProperty("userId").GetGuid() == s.Grader.Id).Str("email").ShouldBe(s.Grader.Email);
        await s.Outsider.Client.GetAsync($"/api/projects/{s.ProjectId}/members").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PutMember_NewAndExisting_GrantsAndChangesTheRole()
    {
        var s = await ProjectScenario.CreateAsync(api);

        var added = await s.ProjectAdmin.Client.PutAsJsonAsync($"/api/projects/{s.ProjectId}/members/{s.Outsider.Id}", new { role = "Viewer" })
            .ExpectAsync(HttpStatusCode.OK);
        (added.GetProperty("userId").GetGuid(), added.Str("role"), added.Str("displayName")).ShouldBe((s.Outsider.Id, "viewer", "Nina Outsider"));
        (await s.Outsider.Client.GetAsync($"/api/projects/{s.ProjectId}").ExpectAsync(HttpStatusCode.OK)).Str("myRole").ShouldBe("viewer");

        var changed = await s.ProjectAdmin.Client.PutAsJsonAsync($"/api/projects/{s.ProjectId}/members/{s.Outsider.Id}", new { role = "adjudicator" })
            .ExpectAsync(HttpStatusCode.OK);
        changed.Str("role").ShouldBe("adjudicator");
        (await s.Outsider.Client.GetAsync($"/api/projects/{s.ProjectId}").ExpectAsync(HttpStatusCode.OK)).Str("myRole").ShouldBe("adjudicator");
    }

    [Theory]
    [InlineData("owner")]
    [InlineData("3")]
    [InlineData("")]
    public async Task PutMember_UnknownRole_Returns400ForRole(string role)
    {
        var s = await ProjectScenario.CreateAsync(api);
        var errors = await s.Admin.PutAsJsonAsync($"/api/projects/{s.ProjectId}/members/{s.Outsider.Id}", new { role }).ExpectValidationAsync("role");
        errors.Messages("role").ShouldBe(["Role is one of viewer, grader, adjudicator, admin."]);
        await s.Outsider.Client.GetAsync($"/api/projects/{s.ProjectId}").ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PutMember_UnknownUser_Returns404()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var problem = await s.Admin.PutAsJsonAsync($"/api/projects/{s.ProjectId}/members/{Guid.NewGuid()}", new { role = "viewer" })
            .ExpectProblemAsync(HttpStatusCode.NotFound);
        problem.Str("detail").ShouldBe("The user was not found.");
    }

    [Fact]
    public async Task DeleteMember_ByAdmin_RemovesAccess()
    {
        var s = await ProjectScenario.CreateAsync(api);
        await s.ProjectAdmin.Client.DeleteAsync($"/api/projects/{s.ProjectId}/members/{s.Viewer.Id}").ExpectAsync(HttpStatusCode.NoContent);

        await s.Viewer.Client.GetAsync($"/api/projects/{s.ProjectId}").ExpectProblemAsync(HttpStatusCode.NotFound);
        var members = await s.Admin.GetAsync($"/api/projects/{s.ProjectId}/members").ExpectAsync(HttpStatusCode.OK);
        members.Items().Select(m => m.GetProperty("userId").GetGuid()).ShouldNotContain(s.Viewer.Id);
        await s.ProjectAdmin.Client.DeleteAsync($"/api/projects/{s.ProjectId}/members/{s.Viewer.Id}")
            .ExpectProblemAsync(HttpStatusCode.NotFound, "Not found");
    }

    [Fact]
    public async Task LastAdmin_RemovedOrDemoted_Returns409UntilAnotherAdminExists()
    {
        var creator = await api.UserAsync("Carla Creator");
        var colleague = await api.UserAsync("Greta Grader");
        var project = await creator.Client.PostAsJsonAsync("/api/projects", new { name = "Solo" }).ExpectAsync(HttpStatusCode.Created);
        var members = $"/api/projects/{project.Id()}/members";

        var removal = await creator.Client.DeleteAsync($"{members}/{creator.Id}").ExpectProblemAsync(HttpStatusCode.Conflict, "Conflict");
        removal.Str("detail").ShouldBe("This is the project's last Admin; make someone else Admin first.");
        await creator.Client.PutAsJsonAsync($"{members}/{creator.Id}", new { role = "grader" }).ExpectProblemAsync(HttpStatusCode.Conflict);
        (await creator.Client.GetAsync($"/api/projects/{project.Id()}").ExpectAsync(HttpStatusCode.OK)).Str("myRole").ShouldBe("admin");

        await creator.Client.PutAsJsonAsync($"{members}/{colleague.Id}", new { role = "admin" }).ExpectAsync(HttpStatusCode.OK);
        await creator.Client.PutAsJsonAsync($"{members}/{creator.Id}", new { role = "grader" }).ExpectAsync(HttpStatusCode.OK);
        await colleague.Client.DeleteAsync($"{members}/{creator.Id}").ExpectAsync(HttpStatusCode.NoContent);
        await colleague.Client.DeleteAsync($"{members}/{colleague.Id}").ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("grader")]
    [InlineData("adjudicator")]
    public async Task MemberChanges_NonAdminMember_Returns403(string role)
    {
        var s = await ProjectScenario.CreateAsync(api);
        var put = await s.As(role).PutAsJsonAsync($"/api/projects/{s.ProjectId}/members/{s.Outsider.Id}", new { role = "admin" })
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "Forbidden");
        put.Str("detail").ShouldBe("Your role does not allow you to manage members.");
        await s.As(role).DeleteAsync($"/api/projects/{s.ProjectId}/members/{s.Viewer.Id}").ExpectProblemAsync(HttpStatusCode.Forbidden);
        await s.As(role).PutAsJsonAsync($"/api/projects/{s.ProjectId}/members/{s.Grader.Id}", new { role = "admin" })
            .ExpectProblemAsync(HttpStatusCode.Forbidden);
        (await s.Admin.GetAsync($"/api/projects/{s.ProjectId}/members").ExpectAsync(HttpStatusCode.OK)).Items().Count.ShouldBe(6);
    }

    [Fact]
    public async Task MemberChanges_NonMember_Returns404()
    {
        var s = await ProjectScenario.CreateAsync(api);
        await s.Outsider.Client.PutAsJsonAsync($"/api/projects/{s.ProjectId}/members/{s.Outsider.Id}", new { role = "admin" })
            .ExpectProblemAsync(HttpStatusCode.NotFound);
        await s.Outsider.Client.DeleteAsync($"/api/projects/{s.ProjectId}/members/{s.Viewer.Id}").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GlobalAdmin_NotAMember_ActsAsProjectAdmin()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var project = await s.GlobalAdmin.Client.GetAsync($"/api/projects/{s.ProjectId}").ExpectAsync(HttpStatusCode.OK);
        project.Str("myRole").ShouldBe("admin");
        await s.GlobalAdmin.Client.PatchAsJsonAsync($"/api/projects/{s.ProjectId}", new { description = "by a global admin", rowVersion = s.Project.RowVersion() })
            .ExpectAsync(HttpStatusCode.OK);
        var members = await s.GlobalAdmin.Client.GetAsync($"/api/projects/{s.ProjectId}/members").ExpectAsync(HttpStatusCode.OK);
        members.Items().Select(m => m.GetProperty("userId").GetGuid()).ShouldNotContain(s.GlobalAdmin.Id);
        members.ValueKind.ShouldBe(JsonValueKind.Array);
    }
}
