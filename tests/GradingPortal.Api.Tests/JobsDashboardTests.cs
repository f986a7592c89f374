using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Jobs;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Api.Tests;

/// <summary>
/// Hangfire's dashboard at /admin/jobs: site admins only (a login token or a personal API token of an account that is a
/// site admin now), never anonymous or other accounts, whatever address the request comes from.
/// </summary>
public sealed partial class JobsDashboardTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string TicketRoute = "/api/auth/jobs-dashboard-ticket";

    [Fact]
    public async Task Ticket_OpenedInABrowser_GivesAStrictPathScopedCookieThatOpensTheDashboard()
    {
        var ct = TestContext.Current.CancellationToken;
        var ticket = await TicketAsync(await api.AdminAsync());
        using var browser = api.CreateClient();

        using var exchanged = await browser.GetAsync(ticket.Path, ct);

        exchanged.StatusCode.ShouldBe(HttpStatusCode.OK);
        exchanged.Headers.CacheControl!.NoStore.ShouldBeTrue();
        (await exchanged.Content.ReadAsStringAsync(ct)).ShouldContain("http-equiv=\"refresh\" content=\"0;url=/admin/jobs/\"");
        var cookie = exchanged.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("gp.jobs=", StringComparison.Ordinal)).ToLowerInvariant();
        cookie.ShouldContain("path=/admin/jobs");
        cookie.ShouldContain("samesite=strict");
        cookie.ShouldContain("httponly");
        // A session cookie; the ticket inside it expires after 30 minutes whatever the browser keeps.
        cookie.ShouldNotContain("expires=");
        using var dashboard = await browser.GetAsync("/admin/jobs/", ct);
        dashboard.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await dashboard.Content.ReadAsStringAsync(ct)).ShouldContain("GradingPortal jobs");
        // The cookie is for the dashboard only: the REST API still wants a token.
        using var api403 = await browser.GetAsync("/api/me", ct);
        api403.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Ticket_UsedASecondTime_IsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var ticket = await TicketAsync(await api.AdminAsync());
        using var first = api.CreateClient();
        (await first.GetAsync(ticket.Path, ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var second = api.CreateClient();

        using var again = await second.GetAsync(ticket.Path, ct);

        again.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        again.Headers.Contains("Set-Cookie").ShouldBeFalse();
        (await second.GetAsync("/admin/jobs/", ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Ticket_Forged_IsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        using var browser = api.CreateClient();

        using var response = await browser.GetAsync("/admin/jobs?ticket=" + Convert.ToHexString(Guid.NewGuid().ToByteArray()), ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Headers.Contains("Set-Cookie").ShouldBeFalse();
        (await response.Content.ReadAsStringAsync(ct)).ShouldContain("unknown, already used or expired");
    }

    [Fact]
    public async Task Ticket_Expired_IsRefusedAndRemoved()
    {
        var ct = TestContext.Current.CancellationToken;
        var admin = await api.UserAsync("Ticket Admin", isAdmin: true);
        var (ticket, secret) = JobsDashboardTicket.Issue(admin.Id, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(2));
        await api.WithDbAsync(async db =>
        {
            db.JobsDashboardTickets.Add(ticket);
            await db.SaveChangesAsync(ct);
        });
        using var browser = api.CreateClient();

        using var response = await browser.GetAsync("/admin/jobs?ticket=" + secret, ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.WithDbAsync(db => db.JobsDashboardTickets.AnyAsync(t => t.Id == ticket.Id, ct))).ShouldBeFalse();
    }

    [Fact]
    public async Task Ticket_RequestedByAccountThatIsNotASiteAdmin_IsForbidden()
    {
        var user = await api.UserAsync("Plain Grader");

        using var response = await user.Client.PostAsync(TicketRoute, null, TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Ticket_RequestedWithAPersonalApiToken_IsForbidden()
    {
        var ct = TestContext.Current.CancellationToken;
        var admin = await api.AdminAsync();
        using var created = await admin.PostAsJsonAsync("/api/tokens", new { name = "ticket script" }, ct);
        var token = (await created.Content.ReadFromJsonAsync<Dictionary<string, object>>(ct))!["token"].ToString();

        using var response = await api.ClientWith(token).PostAsync(TicketRoute, null, ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task DashboardCookie_AdminDemotedAfterwards_StopsWorking()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = await api.UserAsync("Cookie Admin", isAdmin: true);
        var ticket = await TicketAsync(user.Client);
        using var browser = api.CreateClient();
        (await browser.GetAsync(ticket.Path, ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await browser.GetAsync("/admin/jobs/", ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await api.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsAdmin, false), ct));

        using var response = await browser.GetAsync("/admin/jobs/", ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task DashboardAction_PostWithoutTheAntiforgeryToken_IsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var ticket = await TicketAsync(await api.AdminAsync());
        using var browser = api.CreateClient();
        (await browser.GetAsync(ticket.Path, ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var page = await browser.GetStringAsync("/admin/jobs/", ct);
        var header = CsrfHeader().Match(page).Groups[1].Value;
        var token = CsrfToken().Match(page).Groups[1].Value;
        header.ShouldNotBeEmpty();
        token.ShouldNotBeEmpty();

        using var forged = await browser.PostAsync("/admin/jobs/stats", new FormUrlEncodedContent([new("metrics[]", "enqueued:count")]), ct);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/jobs/stats")
        {
            Content = new FormUrlEncodedContent([new("metrics[]", "enqueued:count")]),
        };
        request.Headers.Add(header, token);
        using var genuine = await browser.SendAsync(request, ct);

        forged.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        genuine.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static async Task<TicketAnswer> TicketAsync(HttpClient client)
    {
        using var response = await client.PostAsync(TicketRoute, null, TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var ticket = (await response.Content.ReadFromJsonAsync<TicketAnswer>(TestContext.Current.CancellationToken))!;
        ticket.Path.ShouldBe("/admin/jobs?ticket=" + ticket.Ticket);
        ticket.ExpiresAt.ShouldBeLessThanOrEqualTo(DateTimeOffset.UtcNow.AddSeconds(61));
        return ticket;
    }

    private sealed record TicketAnswer(string Ticket, DateTimeOffset ExpiresAt, string Path);

    [GeneratedRegex("<meta name=\"csrf-header\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfHeader();

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();

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
    public async Task Dashboard_QueuesPage_ListsEachQueueOnce()
    {
        // Our queue provider stands beside the library's for the same queues; the page still shows one row per queue.
        var runId = Guid.NewGuid();
        api.Services.GetRequiredService<IBackgroundJobClient>().Enqueue<IGradingJobs>(j => j.PlanRun(runId, CancellationToken.None));
        var admin = await api.AdminAsync();
        var ct = TestContext.Current.CancellationToken;

        using var response = await admin.GetAsync("/admin/jobs/jobs/enqueued", ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var page = await response.Content.ReadAsStringAsync(ct);
        Regex.Count(page, "/jobs/enqueued/fetched/grading\"").ShouldBe(1, page);
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
