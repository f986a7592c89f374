using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The project page (interactive): its problems grid, the settings form with rowVersion conflicts, and members managed
/// by the project's Admin (add by email, change a role, remove after confirming), checked against what the Api stores.
/// </summary>
public sealed partial class InteractivePagesTests
{
    [Fact]
    public async Task ProjectPage_AdminManagesMembers_AddsChangesRoleAndRemovesAsTheApiRecords()
    {
        var ct = TestContext.Current.CancellationToken;
        var email = await NewUserAsync(ct);
        var graderEmail = await NewUserAsync(ct);
        using var owner = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, email, MemberPassword, ct);
        var projectId = (await owner.PostAsync("/api/projects", new { name = $"Members {Guid.NewGuid():N}"[..20] }, ct)).GetProperty("id").GetGuid();
        var page = await portal.NewPageAsync(bypassCsp: true);
        await SignInAsync(page, email);
        await page.GotoAsync($"/projects/{projectId}");
        var members = page.GetByTestId("members");
        await Expect(page.GetByTestId("member-count")).ToHaveTextAsync("1");

        // An email no account has is refused on the field, and what was typed stays.
        await page.FillAsync("#member-user", "nobody-here@example.org");
        await page.ClickAsync("[data-testid=add-member-submit]");
        await Expect(members).ToContainTextAsync("No account has the email");
        await Expect(page.Locator("#member-user")).ToHaveValueAsync("nobody-here@example.org");

        await page.FillAsync("#member-user", graderEmail);
        await page.ClickAsync("[data-testid=add-member-submit]");
        await Expect(page.GetByTestId("members-message")).ToHaveTextAsync("Member added.");
        await Expect(members).ToContainTextAsync(graderEmail);
        await Expect(page.GetByTestId("member-count")).ToHaveTextAsync("2");
        var graderId = await MemberIdAsync(await FreshAsync(email, ct), projectId, graderEmail, ct);
        (await RoleAsync(await FreshAsync(email, ct), projectId, graderId, ct)).ShouldBe("grader");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await BrowserPortal.ShotAsync(page, "interactive-project-members");

        await page.ClickAsync($"[data-testid=member-role-{graderId}]");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Adjudicator" }).ClickAsync();
        await Expect(page.GetByTestId("members-message")).ToHaveTextAsync("Role saved.");
        (await RoleAsync(await FreshAsync(email, ct), projectId, graderId, ct)).ShouldBe("adjudicator");

        // Removing asks first; cancelling keeps the member.
        await page.ClickAsync($"[data-testid=member-remove-{graderId}]");
        await page.Locator(".mud-dialog button", new() { HasText = "Cancel" }).ClickAsync();
        await Expect(page.GetByTestId("member-count")).ToHaveTextAsync("2");
        await page.ClickAsync($"[data-testid=member-remove-{graderId}]");
        await page.Locator(".mud-dialog button", new() { HasText = "Remove" }).ClickAsync();
        await Expect(page.GetByTestId("members-message")).ToHaveTextAsync("Member removed.");
        await Expect(page.GetByTestId("member-count")).ToHaveTextAsync("1");
        (await RoleAsync(await FreshAsync(email, ct), projectId, graderId, ct)).ShouldBeNull();
    }

    [Fact]
    public async Task ProjectPage_SiteAdminTypesPartOfAName_PicksTheSuggestedPersonAndAddsThem()
    {
        var ct = TestContext.Current.CancellationToken;
        var marker = $"Zq{Guid.NewGuid():N}"[..10];
        string adminEmail = $"picker-admin-{Guid.NewGuid():N}@example.org", pickedEmail = $"picked-{Guid.NewGuid():N}@example.org";
        using (var admin = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct))
        {
            await admin.PostAsync("/api/users", new { email = adminEmail, password = MemberPassword, displayName = "Picker Admin", isAdmin = true }, ct);
            await admin.PostAsync("/api/users", new { email = pickedEmail, password = MemberPassword, displayName = $"{marker} Quill" }, ct);
            await admin.PostAsync("/api/users", new { email = $"other-{Guid.NewGuid():N}@example.org", password = MemberPassword, displayName = $"{marker} Other" }, ct);
        }
        using var owner = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, adminEmail, MemberPassword, ct);
        var projectId = (await owner.PostAsync("/api/projects", new { name = $"Picker {Guid.NewGuid():N}"[..20] }, ct)).GetProperty("id").GetGuid();
        var page = await portal.NewPageAsync(bypassCsp: true);
        await SignInAsync(page, adminEmail);
        await page.GotoAsync($"/projects/{projectId}");
        await Expect(page.GetByTestId("member-count")).ToHaveTextAsync("1");

        // Each keystroke asks the Api again: both people match the marker, then only one its name too.
        var options = page.Locator(".mud-popover-open .mud-list-item");
        await page.Locator("#member-user").PressSequentiallyAsync(marker, new() { Delay = 30 });
        await Expect(options).ToHaveCountAsync(2);
        await page.Locator("#member-user").PressSequentiallyAsync(" Qu", new() { Delay = 30 });
        await Expect(options).ToHaveCountAsync(1);
        await Expect(options).ToHaveTextAsync($"{marker} Quill ({pickedEmail})");
        await options.ClickAsync();
        await Expect(page.Locator("#member-user")).ToHaveValueAsync(pickedEmail);
        await page.ClickAsync("[data-testid=add-member-submit]");

        await Expect(page.GetByTestId("members-message")).ToHaveTextAsync("Member added.");
        await Expect(page.GetByTestId("members")).ToContainTextAsync(pickedEmail);
        await Expect(page.GetByTestId("member-count")).ToHaveTextAsync("2");
        var pickedId = await MemberIdAsync(await FreshAsync(adminEmail, ct), projectId, pickedEmail, ct);
        (await RoleAsync(await FreshAsync(adminEmail, ct), projectId, pickedId, ct)).ShouldBe("grader");
    }

    [Fact]
    public async Task ProjectPage_SettingsSavedThenChangedMeanwhile_HeaderFollowsAndTheConflictKeepsWhatWasTyped()
    {
        var ct = TestContext.Current.CancellationToken;
        var email = await NewUserAsync(ct);
        using var owner = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, email, MemberPassword, ct);
        var projectId = (await owner.PostAsync("/api/projects", new { name = "Settings project", description = "Original" }, ct)).GetProperty("id").GetGuid();
        await owner.PostAsync($"/api/projects/{projectId}/problems", new { title = "Lonely triangle", statement = "Show it.", source = "Shortlist", externalId = "G7" }, ct);
        var page = await portal.NewPageAsync(bypassCsp: true);
        await SignInAsync(page, email);
        await page.GotoAsync($"/projects/{projectId}");
        await Expect(page.GetByTestId("problem-table")).ToContainTextAsync("Lonely triangle");
        await Expect(page.GetByTestId("problem-table")).ToContainTextAsync("#G7");
        await Expect(page.GetByTestId("problem-table")).ToContainTextAsync("0/0 graded");
        await Expect(page.GetByTestId("project-badges")).Not.ToContainTextAsync("Blind grading");

        await page.ClickAsync("[data-testid=settings-blind]");
        await page.FillAsync("#settings-types", "missing-case, unjustified-claim");
        await page.ClickAsync("[data-testid=project-settings] button[type=submit]");
        await Expect(page.GetByTestId("settings-saved")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("project-badges")).ToContainTextAsync("Blind grading");
        await Expect(page.Locator("#settings-types")).ToHaveValueAsync("missing-case, unjustified-claim");
        var stored = await (await FreshAsync(email, ct)).SendAsync(HttpMethod.Get, $"/api/projects/{projectId}", null, ct);
        stored.GetProperty("blindGrading").GetBoolean().ShouldBeTrue();
        stored.GetProperty("customErrorTypes").EnumerateArray().Select(t => t.GetString()).ShouldBe(["missing-case", "unjustified-claim"]);
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        // Someone else saves meanwhile: this save is refused, nothing is overwritten, and the typed name stays.
        await (await FreshAsync(email, ct)).SendAsync(HttpMethod.Patch, $"/api/projects/{projectId}",
            new { name = "Renamed elsewhere", rowVersion = stored.GetProperty("rowVersion").GetUInt32() }, ct);
        await page.FillAsync("#settings-name", "My new name");
        await page.ClickAsync("[data-testid=project-settings] button[type=submit]");
        await Expect(page.GetByTestId("settings-error")).ToContainTextAsync("changed", new() { IgnoreCase = true });
        await Expect(page.Locator("#settings-name")).ToHaveValueAsync("My new name");
        (await (await FreshAsync(email, ct)).SendAsync(HttpMethod.Get, $"/api/projects/{projectId}", null, ct)).GetProperty("name").GetString().ShouldBe("Renamed elsewhere");
    }

    [Fact]
    public async Task ProjectPage_Viewer_SeesProblemsAndMembersButNoSettingsOrManagement()
    {
        var ct = TestContext.Current.CancellationToken;
        var ownerEmail = await NewUserAsync(ct);
        var viewerEmail = await NewUserAsync(ct);
        using var owner = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, ownerEmail, MemberPassword, ct);
        var projectId = (await owner.PostAsync("/api/projects", new { name = "Read only" }, ct)).GetProperty("id").GetGuid();
        var viewerId = (await owner.SendAsync(HttpMethod.Get, $"/api/users?email={Uri.EscapeDataString(viewerEmail)}", null, ct)).GetProperty("items")[0].GetProperty("id").GetGuid();
        await owner.SendAsync(HttpMethod.Put, $"/api/projects/{projectId}/members/{viewerId}", new { role = "viewer" }, ct);
        var page = await portal.NewPageAsync(bypassCsp: true);
        await SignInAsync(page, viewerEmail);

        await page.GotoAsync($"/projects/{projectId}");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Read only");
        await Expect(page.GetByTestId("project-badges")).ToContainTextAsync("Your role: Viewer");
        await Expect(page.GetByTestId("members")).ToContainTextAsync(ownerEmail);
        await Expect(page.GetByTestId("no-problems")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("project-settings")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("add-member")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("new-problem")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("project-runs")).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.GotoAsync($"/projects/{Guid.NewGuid()}");
        await Expect(page.GetByTestId("load-error")).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/projects/[0-9a-f-]{36}$"));
    }

    // Access tokens of this fixture last five seconds and the test client does not renew them: sign in per check.
    private Task<ApiClient> FreshAsync(string email, CancellationToken ct) => ApiClient.SignInAsync(portal.Hosts.ApiUrl, email, MemberPassword, ct);

    private static async Task<Guid> MemberIdAsync(ApiClient api, Guid projectId, string email, CancellationToken ct) =>
        (await api.SendAsync(HttpMethod.Get, $"/api/projects/{projectId}/members", null, ct)).EnumerateArray()
            .Single(m => m.GetProperty("email").GetString() == email).GetProperty("userId").GetGuid();

    private static async Task<string?> RoleAsync(ApiClient api, Guid projectId, Guid userId, CancellationToken ct) =>
        (await api.SendAsync(HttpMethod.Get, $"/api/projects/{projectId}/members", null, ct)).EnumerateArray()
            .Where(m => m.GetProperty("userId").GetGuid() == userId).Select(m => m.GetProperty("role").GetString()).SingleOrDefault();
}
