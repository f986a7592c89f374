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
}
