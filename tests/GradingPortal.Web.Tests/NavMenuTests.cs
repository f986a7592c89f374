using Bunit;
using GradingPortal.Web.Components.Layout;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace GradingPortal.Web.Tests;

/// <summary>
/// bUnit: the navigation drawer's links as a component, without hosts or a browser. The pattern for component tests:
/// MudBlazor's services, JS interop in loose mode (MudBlazor's calls return defaults), parameters in, markup out.
/// </summary>
public sealed class NavMenuTests : BunitContext
{
    public NavMenuTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void NavMenu_NotAnAdmin_ShowsNoAdminLinks()
    {
        var menu = Render<NavMenu>(p => p.Add(m => m.IsAdmin, false).Add(m => m.JobsUrl, "/admin/jobs"));

        menu.FindAll("a[href='/admin/users']").ShouldBeEmpty();
        menu.FindAll("[data-testid=nav-jobs]").ShouldBeEmpty();
        menu.Find("a[href='/']").TextContent.ShouldContain("Projects");
    }

    [Fact]
    public void NavMenu_SiteAdmin_LinksUsersProfilesAndTheJobDashboardThroughTheWeb()
    {
        var menu = Render<NavMenu>(p => p.Add(m => m.IsAdmin, true).Add(m => m.JobsUrl, "/admin/jobs"));

        menu.Find("a[href='/admin/users']").TextContent.ShouldContain("Users");
        menu.Find("a[href='/admin/model-profiles']").TextContent.ShouldContain("Model profiles");
        menu.Find("a[href='/admin/jobs']").TextContent.ShouldContain("Jobs");
    }

    [Fact]
    public void NavMenu_OnAProjectsPage_LinksThatProjectsRunsImportsAndExport()
    {
        var projectId = Guid.NewGuid();
        Services.GetRequiredService<NavigationManager>().NavigateTo($"/projects/{projectId}/runs");

        var menu = Render<NavMenu>(p => p.Add(m => m.JobsUrl, ""));

        menu.Find($"a[href='/projects/{projectId}/runs']").TextContent.ShouldContain("Grading runs");
        menu.Find($"a[href='/projects/{projectId}/import']").TextContent.ShouldContain("Imports");

        Services.GetRequiredService<NavigationManager>().NavigateTo("/");
        menu.WaitForAssertion(() => menu.FindAll("a[href$='/runs']").ShouldBeEmpty());
    }

    [Fact]
    public void NavMenu_LocationChanges_MovesTheCurrentPageMarkWithNavLinkRules()
    {
        var projectId = Guid.NewGuid();
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo($"/projects/{projectId}/runs?status=Failed");

        var menu = Render<NavMenu>(p => p.Add(m => m.JobsUrl, ""));

        menu.Find("[data-testid=nav-runs]").GetAttribute("aria-current").ShouldBe("page");
        menu.Find("[data-testid=nav-runs]").ClassList.ShouldContain("active");
        // The overview and "Projects" match their whole address only.
        menu.Find("[data-testid=nav-overview]").HasAttribute("aria-current").ShouldBeFalse();
        menu.Find("[data-testid=nav-projects]").HasAttribute("aria-current").ShouldBeFalse();

        navigation.NavigateTo($"/projects/{projectId}");
        menu.WaitForAssertion(() => menu.Find("[data-testid=nav-overview]").GetAttribute("aria-current").ShouldBe("page"));
        menu.FindAll("[aria-current]").Count.ShouldBe(1);

        navigation.NavigateTo("/");
        menu.WaitForAssertion(() => menu.Find("[data-testid=nav-projects]").GetAttribute("aria-current").ShouldBe("page"));
    }

    [Theory]
    [InlineData("/projects/a/runs", "/projects/a/runs", false, true)]
    [InlineData("/projects/a/runs/", "/projects/a/runs", false, true)]
    [InlineData("/runs/1", "/projects/a/runs", false, false)]
    [InlineData("/projects/a/runs/1", "/projects/a/runs", false, true)]
    [InlineData("/projects/a/runsx", "/projects/a/runs", false, false)]
    [InlineData("/projects/a/runs", "/projects/a", true, false)]
    [InlineData("/tokens", "/", false, false)]
    [InlineData("/", "/", true, true)]
    public void NavMenu_Matches_FollowsNavLinkPrefixAndAllRules(string path, string href, bool exact, bool expected) =>
        NavMenu.Matches(path, href, exact).ShouldBe(expected);
}
