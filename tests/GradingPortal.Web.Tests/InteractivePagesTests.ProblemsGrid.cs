using System.Text.RegularExpressions;
using static GradingPortal.Web.Tests.AddressAssertions;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>The project page's problems grid keeps its search, sort and page in the address.</summary>
public sealed partial class InteractivePagesTests
{
    [Fact]
    public async Task ProjectPage_ProblemsViewInTheAddress_ReloadLinkAndBackShowTheSameRowsAndBadValuesFallBack()
    {
        var ct = TestContext.Current.CancellationToken;
        var email = await NewUserAsync(ct);
        Guid projectId;
        using (var owner = await ApiClient.SignInAsync(portal.Hosts.ApiUrl, email, MemberPassword, ct))
        {
            projectId = (await owner.PostAsync("/api/projects", new { name = "Problems view" }, ct)).GetProperty("id").GetGuid();
            for (var i = 1; i <= 12; i++)
            {
                await owner.PostAsync($"/api/projects/{projectId}/problems", new { title = $"Problem {i:D2}", statement = "Prove it." }, ct);
            }
        }
        var page = await portal.NewPageAsync(bypassCsp: true);
        await SignInAsync(page, email);
        var titles = page.Locator("[data-testid=problem-table] tbody a");
        var search = page.GetByRole(Microsoft.Playwright.AriaRole.Textbox, new() { Name = "Filter problems" });
        var address = $"/projects/{projectId}";

        // Searched and sorted by title, descending, from the page: the view goes into the address.
        await page.GotoAsync(address);
        await Expect(titles).ToHaveCountAsync(12);
        await search.FillAsync("1");
        await Expect(titles).ToHaveTextAsync(["Problem 01", "Problem 10", "Problem 11", "Problem 12"]);
        var titleHeader = page.Locator("[data-testid=problem-table] th", new() { HasText = "Problem" }).Locator(".sortable-column-header");
        await titleHeader.ClickAsync();
        await titleHeader.ClickAsync();
        await Expect(titles).ToHaveTextAsync(["Problem 12", "Problem 11", "Problem 10", "Problem 01"]);
        await ExpectInAddressAsync(page, "q=1", "sort=-title");

        await page.ReloadAsync();
        await Expect(titles).ToHaveTextAsync(["Problem 12", "Problem 11", "Problem 10", "Problem 01"]);
        await Expect(search).ToHaveValueAsync("1");

        // A link to the second page of ten; out to a problem and Back shows that page again.
        await page.GotoAsync($"{address}?sort=title&page=2&pageSize=10");
        await Expect(titles).ToHaveTextAsync(["Problem 11", "Problem 12"]);
        await titles.First.ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Problem 11");
        await page.GoBackAsync();
        await Expect(titles).ToHaveTextAsync(["Problem 11", "Problem 12"]);
        await ExpectInAddressAsync(page, "sort=title", "page=2", "pageSize=10");

        // A page past the end starts at the first; values the grid cannot show fall back to its default, without an error.
        await page.GotoAsync($"{address}?page=5&pageSize=10");
        await Expect(titles).ToHaveCountAsync(10);
        await Expect(page).ToHaveURLAsync(new Regex($"{address}\\?pageSize=10$"));
        await page.GotoAsync($"{address}?sort=createdAt&page=-1&pageSize=500&q={new string('x', 201)}");
        await Expect(titles).ToHaveCountAsync(12);
        await Expect(titles.First).ToHaveTextAsync("Problem 01");
        await Expect(page.GetByTestId("load-error")).ToHaveCountAsync(0);
        await Expect(page).ToHaveURLAsync(new Regex($"{address}$"));
    }
}
