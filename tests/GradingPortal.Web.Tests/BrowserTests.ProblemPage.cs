using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using GradingPortal.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>The interactive problem page: typeset statement and references, rubric versions, paged solutions.</summary>
public sealed partial class BrowserTests
{
    [Fact]
    public async Task ProblemPage_StatementReferencesAndRubric_AreTypesetAndRawHtmlIsNotRendered()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await ApiAsAdminAsync(ct);
        var project = await PostAsync(api, "/api/projects", new { name = $"Problem page {Guid.NewGuid():N}" }, ct);
        var problem = await PostAsync(api, $"/api/projects/{project.GetProperty("id").GetGuid()}/problems", new
        {
            title = "Sum of squares",
            statement = "Show that $x^2 + y^2 \\ge 2xy$ for all reals. <img src=x onerror=\"document.title='owned'\"><script>document.title='owned'</script>",
            source = "Folklore",
            externalId = "sq-1",
            referenceSolutions = new[] { new { text = "Expand $(x-y)^2 \\ge 0$.", source = "official" } },
            rubric = new
            {
                items = new[] { new { title = "Uses a square", points = 3m, description = "Any $(x-y)^2$ argument." }, new { title = "Concludes", points = 4m, description = "" } },
                zeroCredit = "Only examples.",
                deductions = new[] { new { description = "Sloppy algebra", points = 0.5m } },
            },
        }, ct);
        var page = await AxePageAsync();

        await page.GotoAsync($"/problems/{problem.GetProperty("id").GetGuid()}");

        await Expect(page.GetByTestId("problem-title")).ToHaveTextAsync("Sum of squares");
        await Expect(page.GetByTestId("problem-facts")).ToContainTextAsync("#sq-1");
        await Expect(page.Locator("#gp-statement .katex").First).ToBeVisibleAsync();
        await Expect(page.Locator("#gp-statement .gp-math:not([data-rendered])")).ToHaveCountAsync(0);
        await Expect(page.Locator("#gp-statement img, #gp-statement script")).ToHaveCountAsync(0);
        (await page.TitleAsync()).ShouldNotBe("owned");
        await Expect(page.GetByTestId("current-rubric").GetByTestId("rubric-item")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("current-rubric").Locator(".katex").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("current-rubric").GetByTestId("rubric-total")).ToHaveTextAsync("7 points");
        await Expect(page.GetByTestId("current-rubric").GetByTestId("rubric-deductions")).ToContainTextAsync("−0.5: Sloppy algebra");
        await Expect(page.GetByTestId("no-solutions")).ToBeVisibleAsync();

        // A reference opens in place, and its math is typeset once it is shown.
        await page.GetByTestId("reference").GetByText("Reference 1 · official").ClickAsync();
        await Expect(page.GetByTestId("reference").Locator(".katex").First).ToBeVisibleAsync();
        await BrowserPortal.ShotAsync(page, "problem-page");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
    }

    [Fact]
    public async Task ProblemPage_DraftChangedMeanwhile_ApproveShowsTheConflictThenApprovesAfterReload()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await ApiAsAdminAsync(ct);
        var project = await PostAsync(api, "/api/projects", new { name = $"Approve {Guid.NewGuid():N}" }, ct);
        var problem = await PostAsync(api, $"/api/projects/{project.GetProperty("id").GetGuid()}/problems", new
        {
            title = "Digits",
            statement = "Let $k$ be a positive integer.",
            rubric = new { items = new[] { new { title = "All", points = 7m } }, zeroCredit = "" },
        }, ct);
        var problemId = problem.GetProperty("id").GetGuid();
        var draft = await PostAsync(api, $"/api/problems/{problemId}/rubrics", new
        {
            items = new[] { new { title = "Closed form", points = 3m }, new { title = "Bound", points = 4m } },
            zeroCredit = "",
        }, ct);
        var page = await AxePageAsync();
        await page.GotoAsync($"/problems/{problemId}");
        await Expect(page.GetByTestId("rubric-version")).ToHaveCountAsync(2);

        // Someone edits the draft after this page loaded it: approving the version shown here is refused, and said so.
        using (var edit = await api.PutAsJsonAsync($"/api/rubrics/{draft.GetProperty("id").GetGuid()}", new
        {
            items = new[] { new { title = "Closed form for each digit", points = 3m }, new { title = "Bound", points = 4m } },
            zeroCredit = "",
            deductions = Array.Empty<object>(),
            notes = "",
            rowVersion = draft.GetProperty("rowVersion").GetInt64(),
        }, ct))
        {
            edit.EnsureSuccessStatusCode();
        }
        await page.GetByTestId("approve-rubric").ClickAsync();
        await Expect(page.GetByTestId("rubric-error")).ToContainTextAsync(new Regex("changed|modified|conflict|meanwhile", RegexOptions.IgnoreCase));
        await Expect(page.GetByTestId("current-rubric")).ToContainTextAsync("Version 1");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.ReloadAsync();
        await page.GetByTestId("approve-rubric").ClickAsync();
        await Expect(page.GetByTestId("rubric-message")).ToContainTextAsync("Version 2 approved");
        await Expect(page.GetByTestId("current-rubric")).ToContainTextAsync("Closed form for each digit");
        await Expect(page.GetByTestId("approve-rubric")).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(page);
    }

    [Fact]
    public async Task ProblemPage_MoreSolutionsThanOnePage_NextAndPreviousPageThroughEveryOneOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await ApiAsAdminAsync(ct);
        var project = await PostAsync(api, "/api/projects", new { name = $"Paging {Guid.NewGuid():N}" }, ct);
        var problem = await PostAsync(api, $"/api/projects/{project.GetProperty("id").GetGuid()}/problems", new { title = "Many", statement = "Prove it." }, ct);
        var problemId = problem.GetProperty("id").GetGuid();
        for (var i = 0; i < 55; i++)
        {
            await PostAsync(api, $"/api/problems/{problemId}/solutions", new { text = $"Attempt {i}: $x_{i}$.", externalId = $"attempt-{i:00}" }, ct);
        }
        var page = await AxePageAsync();
        await page.GotoAsync($"/problems/{problemId}");

        var rows = page.GetByTestId("solution-row");
        await Expect(rows).ToHaveCountAsync(50);
        await Expect(page.GetByTestId("solution-range")).ToHaveTextAsync("1–50 of 55");
        await Expect(page.GetByTestId("previous-solutions")).ToBeDisabledAsync();
        var first = await SolutionHrefsAsync(rows);
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.GetByTestId("next-solutions").ClickAsync();
        await Expect(rows).ToHaveCountAsync(5);
        await Expect(page.GetByTestId("solution-range")).ToHaveTextAsync("51–55 of 55");
        await Expect(page.GetByTestId("next-solutions")).ToBeDisabledAsync();
        var second = await SolutionHrefsAsync(rows);
        first.Concat(second).Distinct().Count().ShouldBe(55);

        await page.GetByTestId("previous-solutions").ClickAsync();
        await Expect(rows).ToHaveCountAsync(50);
        (await SolutionHrefsAsync(rows)).ShouldBe(first);
    }

    [Fact]
    public async Task ProblemPage_SortByLengthFilterUngradedThenPage_ShowsTheApisSliceAndKeepsItInTheAddress()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = await ApiAsAdminAsync(ct);
        var project = await PostAsync(api, "/api/projects", new { name = $"Grid {Guid.NewGuid():N}" }, ct);
        var problem = await PostAsync(api, $"/api/projects/{project.GetProperty("id").GetGuid()}/problems", new { title = "Sorted", statement = "Prove it." }, ct);
        var problemId = problem.GetProperty("id").GetGuid();
        for (var i = 0; i < 60; i++)
        {
            // Longer with every attempt; every even one graded.
            var solution = await PostAsync(api, $"/api/problems/{problemId}/solutions", new { text = $"Attempt {i}. " + new string('x', i), externalId = $"sol-{i:00}" }, ct);
            if (i % 2 == 0)
            {
                await PostAsync(api, $"/api/solutions/{solution.GetProperty("id").GetGuid()}/human-grades", new { points = i % 8 }, ct);
            }
        }
        var page = await AxePageAsync();
        await page.GotoAsync($"/problems/{problemId}");
        var rows = page.GetByTestId("solution-row");
        var range = page.GetByTestId("solution-range");
        await Expect(range).ToHaveTextAsync("1–50 of 60");

        var chars = page.GetByRole(AriaRole.Columnheader, new() { Name = "Chars" }).GetByText("Chars");
        await chars.ClickAsync();
        await Expect(rows.First).ToContainTextAsync("sol-00");
        await chars.ClickAsync();
        await Expect(rows.First).ToContainTextAsync("sol-59");
        await Expect(page).ToHaveURLAsync(new Regex("sort=-length"));

        await page.GetByTestId("solution-state").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Ungraded" }).ClickAsync();
        await Expect(range).ToHaveTextAsync("1–30 of 30");
        await Expect(rows.First).ToContainTextAsync("sol-59");
        await page.GetByTestId("solution-page-size").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "25", Exact = true }).ClickAsync();
        await Expect(range).ToHaveTextAsync("1–25 of 30");
        await page.GetByTestId("next-solutions").ClickAsync();
        await Expect(range).ToHaveTextAsync("26–30 of 30");
        await Expect(rows).ToHaveCountAsync(5);
        await Expect(rows.First).ToContainTextAsync("sol-09");
        await Expect(rows.Last).ToContainTextAsync("sol-01");
        await Expect(page.GetByTestId("next-solutions")).ToBeDisabledAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        // The address holds the view: a reload (or the link sent to someone) shows the same rows.
        foreach (var part in new[] { "state=ungraded", "sort=-length", "page=2", "pageSize=25" })
        {
            await Expect(page).ToHaveURLAsync(new Regex($"[?&]{part}(&|$)"));
        }
        await page.ReloadAsync();
        await Expect(range).ToHaveTextAsync("26–30 of 30");
        await Expect(rows.First).ToContainTextAsync("sol-09");

        // A search starts again from the first page of what it finds.
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Filter solutions" }).FillAsync("sol-5");
        await Expect(range).ToHaveTextAsync("1–5 of 5");
        await Expect(rows.First).ToContainTextAsync("sol-59");
        await Expect(rows.Last).ToContainTextAsync("sol-51");

        // The project's problems are searched by the Api too.
        await page.GotoAsync($"/projects/{project.GetProperty("id").GetGuid()}");
        var problems = page.GetByTestId("problem-table");
        await Expect(problems).ToContainTextAsync("30/60 graded");
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Filter problems" }).FillAsync("no such problem");
        await Expect(page.GetByTestId("no-problems")).ToHaveTextAsync("No problems match.");
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Filter problems" }).FillAsync("SORT");
        await Expect(problems).ToContainTextAsync("Sorted");
    }

    private static async Task<List<string>> SolutionHrefsAsync(ILocator rows)
    {
        var hrefs = await rows.Locator("a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))");
        return hrefs.ToList();
    }

    // Axe is injected into the page, which the Content Security Policy would refuse.
    private async Task<IPage> AxePageAsync()
    {
        var page = await portal.NewPageAsync(bypassCsp: true);
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", PortalHosts.AdminEmail);
        await page.FillAsync("#password", PortalHosts.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        return page;
    }
}
