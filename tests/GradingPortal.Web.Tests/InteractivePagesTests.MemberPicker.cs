using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The members picker of a site admin, used from the keyboard: the suggestion picked with the arrows and Enter, the role
/// chosen and the person added without the mouse, several people in a row, and a slow server that must not pull the
/// focus back into the picker or the role once the person has moved on.
/// </summary>
public sealed partial class InteractivePagesTests
{
    [Fact]
    public async Task ProjectPage_SlowServerAndTabbingOnFromThePicker_KeepsTheFocusOnTheRole()
    {
        var ct = TestContext.Current.CancellationToken;
        var (page, slow, _, _, email) = await SlowPickerAsync(ct);

        // A whole email typed (or pasted) and Tab straight away, before the picker's answer to being focused came back:
        // that answer must not take the focus back from the role, or the keys meant for the role go to the picker.
        await TypeEmailAndTabOnAsync(page, slow, email, ct);

        await Expect(page.Locator("#member-user")).Not.ToBeFocusedAsync(new() { Timeout = 1_000 });
        await Expect(page.Locator("[data-testid=add-member-role]:focus, [data-testid=add-member-role] :focus")).ToHaveCountAsync(1, new() { Timeout = 1_000 });
        await Expect(page.Locator("#member-user")).ToHaveValueAsync(email);
    }

    [Fact]
    public async Task ProjectPage_SlowServerAndRoleTypedThenTabToAdd_EnterAddsTheMember()
    {
        var ct = TestContext.Current.CancellationToken;
        var (page, slow, adminEmail, projectId, email) = await SlowPickerAsync(ct);

        // The role chosen by its first letter and straight on to Add: the select's answer to the letter comes a round
        // trip later and must not take the focus back, or Enter opens the role list instead of adding.
        await TypeEmailAndTabOnAsync(page, slow, email, ct);
        await page.Keyboard.PressAsync("a");
        await page.Keyboard.PressAsync("Tab");
        await slow.QuietAsync(ct);
        await Expect(page.GetByTestId("add-member-submit")).ToBeFocusedAsync(new() { Timeout = 1_000 });
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByTestId("member-count")).ToHaveTextAsync("2");
        var api = await FreshAsync(adminEmail, ct);
        (await RoleAsync(api, projectId, await MemberIdAsync(api, projectId, email, ct), ct)).ShouldBe("adjudicator");
    }

    [Fact]
    public async Task ProjectPage_SiteAdminAddsTwoMembersByKeyboardOnly_BothAreAddedWithTheirRoles()
    {
        var ct = TestContext.Current.CancellationToken;
        var (adminEmail, projectId, people) = await PickerProjectAsync(2, ct);
        var page = await portal.NewPageAsync(bypassCsp: true);
        await SignInAsync(page, adminEmail);
        await page.GotoAsync($"/projects/{projectId}");
        await Expect(page.GetByTestId("member-count")).ToHaveTextAsync("1");
        var picker = page.Locator("#member-user");
        var options = page.Locator(".mud-popover-open .mud-list-item");
        // A site admin's form has the picker (with its suggestions button) where others have a plain email field.
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await picker.FocusAsync();

        // The role list starts on the role chosen last (grader at first); arrows move through viewer, grader, adjudicator, admin.
        foreach (var (person, key, steps, count) in new[] { (people[0], "ArrowDown", 1, "2"), (people[1], "ArrowUp", 2, "3") })
        {
            await Expect(picker).ToBeFocusedAsync();
            await page.Keyboard.TypeAsync(person.Name, new() { Delay = 20 });
            await Expect(options).ToHaveCountAsync(1);
            await Expect(options).ToHaveTextAsync($"{person.Name} ({person.Email})");
            // The only suggestion is highlighted; the arrow wraps round to it, and Enter takes it.
            await page.Keyboard.PressAsync("ArrowDown");
            await page.Keyboard.PressAsync("Enter");
            await Expect(picker).ToHaveValueAsync(person.Email);
            await Expect(options).ToHaveCountAsync(0);

            await page.Keyboard.PressAsync("Tab");
            var roleFocused = page.Locator("[data-testid=add-member-role]:focus, [data-testid=add-member-role] :focus");
            await Expect(roleFocused).ToHaveCountAsync(1);
            await page.Keyboard.PressAsync("ArrowDown");
            await Expect(options.First).ToBeVisibleAsync();
            for (var step = 0; step < steps; step++)
            {
                await page.Keyboard.PressAsync(key);
            }
            await page.Keyboard.PressAsync("Enter");
            await Expect(options).ToHaveCountAsync(0);
            await Expect(roleFocused).ToHaveCountAsync(1);

            await page.Keyboard.PressAsync("Tab");
            await Expect(page.GetByTestId("add-member-submit")).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Enter");

            await Expect(page.GetByTestId("members-message")).ToHaveTextAsync("Member added.");
            await Expect(page.GetByTestId("member-count")).ToHaveTextAsync(count);
            await Expect(page.GetByTestId("members")).ToContainTextAsync(person.Email);
            // Ready for the next person: the picker is empty and has the focus.
            await Expect(picker).ToHaveValueAsync("");
            await Expect(picker).ToBeFocusedAsync();
        }

        var api = await FreshAsync(adminEmail, ct);
        (await RoleAsync(api, projectId, await MemberIdAsync(api, projectId, people[0].Email, ct), ct)).ShouldBe("adjudicator");
        (await RoleAsync(api, projectId, await MemberIdAsync(api, projectId, people[1].Email, ct), ct)).ShouldBe("viewer");
    }

    /// <summary>A site admin on their project's page, the circuit's server messages held back 400 ms, the page settled.</summary>
    private async Task<(IPage Page, SlowCircuit Slow, string AdminEmail, Guid ProjectId, string Email)> SlowPickerAsync(CancellationToken ct)
    {
        var (adminEmail, projectId, people) = await PickerProjectAsync(1, ct);
        var page = await portal.NewPageAsync(bypassCsp: true);
        await SignInAsync(page, adminEmail);
        var slow = await SlowCircuit.DelayServerMessagesAsync(page, TimeSpan.FromMilliseconds(400));
        await page.GotoAsync($"/projects/{projectId}");
        await Expect(page.GetByTestId("member-count")).ToHaveTextAsync("1");
        await slow.QuietAsync(ct);
        return (page, slow, adminEmail, projectId, people[0].Email);
    }

    /// <summary>A whole email put in the picker at once (as typed fast or pasted) and Tab straight away.</summary>
    private static async Task TypeEmailAndTabOnAsync(IPage page, SlowCircuit slow, string email, CancellationToken ct)
    {
        await page.Locator("#member-user").FocusAsync();
        await page.Keyboard.InsertTextAsync(email);
        await page.Keyboard.PressAsync("Tab");
        await slow.QuietAsync(ct);
    }

    /// <summary>A site admin, their project, and <paramref name="count"/> people whose names match nobody else's.</summary>
    private async Task<(string AdminEmail, Guid ProjectId, (string Name, string Email)[] People)> PickerProjectAsync(int count, CancellationToken ct)
    {
        var adminEmail = $"keys-admin-{Guid.NewGuid():N}@example.org";
        var people = Enumerable.Range(0, count)
            .Select(_ => ($"Kb{Guid.NewGuid():N}"[..12] + " Person", $"keys-{Guid.NewGuid():N}@example.org")).ToArray();
        using (var admin = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct))
        {
            await admin.PostAsync("/api/users", new { email = adminEmail, password = MemberPassword, displayName = "Keys Admin", isAdmin = true }, ct);
            foreach (var (name, email) in people)
            {
                await admin.PostAsync("/api/users", new { email, password = MemberPassword, displayName = name }, ct);
            }
        }
        using var owner = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, adminEmail, MemberPassword, ct);
        var projectId = (await owner.PostAsync("/api/projects", new { name = $"Keys {Guid.NewGuid():N}"[..20] }, ct)).GetProperty("id").GetGuid();
        return (adminEmail, projectId, people);
    }
}
