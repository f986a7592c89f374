using System.Net;
using System.Net.Http.Json;
using GradingPortal.Domain.Jobs;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Api.Tests;

/// <summary>
/// Hangfire's dashboard at /admin/jobs: site admins only (a login token or a personal API token of an account that is a
/// site admin now), never anonymous or other accounts, whatever address the request comes from.
/// </summary>
public sealed class JobsDashboardTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Dashboard_Anonymous_IsRefusedWith401()
    {
        using var response = await api.CreateClient().GetAsync("/admin/jobs", TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Dashboard_SignedInUserWhoIsNotASiteAdmin_IsForbidden()
    {
        var user = await api.UserAsync("Plain Grader");

        using var response = await user.Client.GetAsync("/admin/jobs", TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Dashboard_SiteAdmin_GetsThePageUnderItsOwnPolicy()
    {
        var admin = await api.AdminAsync();
        var ct = TestContext.Current.CancellationToken;

        using var response = await admin.GetAsync("/admin/jobs", ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync(ct)).ShouldContain("GradingPortal jobs");
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        policy.ShouldContain("script-src 'self'");
        policy.ShouldContain("frame-ancestors 'none'");
    }

    [Fact]
    public async Task Dashboard_SiteAdminsPersonalApiToken_GetsThePage()
    {
        var admin = await api.AdminAsync();
        var ct = TestContext.Current.CancellationToken;
        using var created = await admin.PostAsJsonAsync("/api/tokens", new { name = "dashboard script" }, ct);
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var token = (await created.Content.ReadFromJsonAsync<Dictionary<string, object>>(ct))!["token"].ToString();

        using var response = await api.ClientWith(token).GetAsync("/admin/jobs/jobs/enqueued", ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Dashboard_AdminDemotedWhileTheirTokenIsStillValid_IsForbidden()
    {
        // The admin flag inside a login token outlives a demotion by up to an hour; the dashboard asks the database.
        var user = await api.UserAsync("Former Admin", isAdmin: true);
        var ct = TestContext.Current.CancellationToken;
        (await user.Client.GetAsync("/admin/jobs", ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await api.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsAdmin, false), ct));

        using var response = await user.Client.GetAsync("/admin/jobs", ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Dashboard_QueuedJob_ShowsItsIdsAsArguments()
    {
        var runId = Guid.NewGuid();
        var jobId = api.Services.GetRequiredService<IBackgroundJobClient>().Enqueue<IGradingJobs>(j => j.PlanRun(runId, CancellationToken.None));
        var admin = await api.AdminAsync();
        var ct = TestContext.Current.CancellationToken;

        using var response = await admin.GetAsync($"/admin/jobs/jobs/details/{jobId}", ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var page = await response.Content.ReadAsStringAsync(ct);
        page.ShouldContain("PlanRun");
        page.ShouldContain(runId.ToString());
        await api.DeleteStartRunJobAsync(runId);
    }

    [Fact]
    public async Task Enqueue_SameJobTwiceWhileTheFirstWaits_QueuesItOnce()
    {
        var jobs = api.Services.GetRequiredService<IBackgroundJobClient>();
        var runId = Guid.NewGuid();

        var first = jobs.Enqueue<IGradingJobs>(j => j.PlanRun(runId, CancellationToken.None));
        var second = jobs.Enqueue<IGradingJobs>(j => j.PlanRun(runId, CancellationToken.None));
        var otherSlice = jobs.Enqueue<IGradingJobs>(j => j.GradeSlice(runId, 1, CancellationToken.None));

        first.ShouldNotBeNull();
        second.ShouldBeNull();
        otherSlice.ShouldNotBeNull();
        (await api.StartRunJobExistsAsync(runId)).ShouldBeTrue();
        await api.DeleteStartRunJobAsync(runId);
        // Once the waiting job is gone (done, deleted), the same job can be queued again.
        jobs.Enqueue<IGradingJobs>(j => j.PlanRun(runId, CancellationToken.None)).ShouldNotBeNull();
        await api.DeleteStartRunJobAsync(runId);
    }
}
