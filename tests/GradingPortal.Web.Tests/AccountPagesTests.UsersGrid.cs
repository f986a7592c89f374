using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static GradingPortal.Web.Tests.AddressAssertions;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>The users grid keeps its search, status, sort and page in the address.</summary>
public sealed partial class AccountPagesTests
{
    [Fact]
    public async Task UsersPage_ViewInTheAddress_ReloadLinkAndBackShowTheSameRowsAndBadValuesFallBack()
    {
        var ct = TestContext.Current.CancellationToken;
        // Twelve people only this test's search finds (other tests add users too), named so that name order is known.
        var marker = $"Ug{Guid.NewGuid():N}"[..10];
        using (var admin = await AdminApiAsync())
        {
            for (var i = 1; i <= 12; i++)
            {
                var user = await admin.PostAsync("/api/users",
                    new { email = $"{marker}-{i:D2}@example.org".ToLowerInvariant(), password = "users-grid-pass-1", displayName = $"{marker} {i:D2}" }, ct);
                if (i == 3)
                {
                    await admin.SendAsync(HttpMethod.Patch, $"/api/users/{user.GetProperty("id").GetGuid()}", new { disabled = true }, ct);
                }
            }
        }
        var page = await SignedInPageAsync();
        var names = page.Locator("tr.gp-user-row td:first-child");
        var search = page.Locator("input[data-testid=user-filter], [data-testid=user-filter] input");

        // Searched and sorted by name, descending, from the page: the view goes into the address.
        await page.GotoAsync("/admin/users");
        await search.FillAsync(marker);
        await Expect(names).ToHaveCountAsync(12);
        var nameHeader = page.Locator("[data-testid=user-table] th", new() { HasText = "Name" }).Locator(".sortable-column-header");
        await nameHeader.ClickAsync();
        await Expect(names.First).ToHaveTextAsync($"{marker} 01");
        await nameHeader.ClickAsync();
        await Expect(names.First).ToHaveTextAsync($"{marker} 12");
        await ExpectInAddressAsync(page, $"q={marker}", "sort=-name");

        await page.ReloadAsync();
        await Expect(names.First).ToHaveTextAsync($"{marker} 12");
        await Expect(names).ToHaveCountAsync(12);
        await Expect(search).ToHaveValueAsync(marker);
        await Expect(page.Locator("[data-testid=user-table] th", new() { HasText = "Name" }).Locator(".mud-direction-desc")).ToHaveCountAsync(1);

        // Links to the second page of ten and to the disabled only: exactly those rows.
        await page.GotoAsync($"/admin/users?q={marker}&sort=-name&page=2&pageSize=10");
        await Expect(names).ToHaveTextAsync([$"{marker} 02", $"{marker} 01"]);
        await page.GotoAsync($"/admin/users?q={marker}&status=disabled");
        await Expect(names).ToHaveTextAsync([$"{marker} 03"]);
        await Expect(page.GetByTestId("user-status-filter")).ToContainTextAsync("Disabled");

        // Out and Back: the same view.
        await page.GotoAsync($"/admin/users?q={marker}&sort=-name&page=2&pageSize=10");
        await Expect(names).ToHaveTextAsync([$"{marker} 02", $"{marker} 01"]);
        await page.ClickAsync("[data-testid=nav-projects]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        await page.GoBackAsync();
        await Expect(names).ToHaveTextAsync([$"{marker} 02", $"{marker} 01"]);
        await ExpectInAddressAsync(page, $"q={marker}", "sort=-name", "page=2", "pageSize=10");

        // A page past the end starts at the first; values the grid cannot show fall back to its default, without an error.
        await page.GotoAsync($"/admin/users?q={marker}&page=9&pageSize=10");
        await Expect(names).ToHaveCountAsync(10);
        await Expect(page).ToHaveURLAsync(new Regex($"/admin/users\\?q={marker}&pageSize=10$"));
        await page.GotoAsync($"/admin/users?q={marker}&status=banned&sort=password&page=x&pageSize=7");
        await Expect(names).ToHaveCountAsync(12);
        await Expect(names.First).ToHaveTextAsync($"{marker} 01");
        await Expect(page.GetByTestId("load-error")).ToHaveCountAsync(0);
        await Expect(page).ToHaveURLAsync(new Regex($"/admin/users\\?q={marker}$"));
    }
}
