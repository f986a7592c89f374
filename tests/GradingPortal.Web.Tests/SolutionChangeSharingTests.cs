using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.RegularExpressions;
using GradingPortal.Web.Components.Pages.Solutions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// Records the change streams open at the Api right now, with the user whose token opened each: what the Web process
/// holds open, seen from the other side of the wire.
/// </summary>
public sealed class OpenChangeStreams : IStartupFilter
{
    private readonly ConcurrentDictionary<HttpContext, Guid> _open = new();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, proceed) =>
        {
            var path = context.Request.Path.Value ?? "";
            if (HttpMethods.IsGet(context.Request.Method) && path.StartsWith("/api/solutions/", StringComparison.Ordinal)
                && Guid.TryParse(path["/api/solutions/".Length..], out var read))
            {
                Reads.AddOrUpdate(read, 1, (_, n) => n + 1);
            }
            if (HttpMethods.IsGet(context.Request.Method) && path.StartsWith("/api/solutions/", StringComparison.Ordinal)
                && path.EndsWith("/model-grades", StringComparison.Ordinal)
                && Guid.TryParse(path["/api/solutions/".Length..^"/model-grades".Length], out var graded))
            {
                ModelGradeReads.AddOrUpdate(graded, 1, (_, n) => n + 1);
            }
            if (HttpMethods.IsGet(context.Request.Method) && path.StartsWith("/api/solutions/", StringComparison.Ordinal)
                && path.Length > "/api/solutions/".Length + 36 && Guid.TryParse(path.AsSpan("/api/solutions/".Length, 36), out var part))
            {
                // "grading", "annotations", "history" or "history?after" (the newer events only).
                var name = path["/api/solutions/".Length..][37..] + (context.Request.Query.ContainsKey("after") ? "?after" : "");
                PartReads.AddOrUpdate((part, name), 1, (_, n) => n + 1);
            }
            if (!path.StartsWith("/api/solutions/", StringComparison.Ordinal) || !path.EndsWith("/changes", StringComparison.Ordinal)
                || !Guid.TryParse(path["/api/solutions/".Length..^"/changes".Length], out var solutionId))
            {
                await proceed();
                return;
            }
            _open[context] = solutionId;
            try
            {
                await proceed();
            }
            finally
            {
                _open.TryRemove(context, out _);
            }
        });
        next(app);
    };

    /// <summary><c>GET /api/solutions/{id}</c> requests the Api answered, by solution id.</summary>
    public ConcurrentDictionary<Guid, int> Reads { get; } = new();

    /// <summary><c>GET /api/solutions/{id}/model-grades</c> requests the Api answered, by solution id.</summary>
    public ConcurrentDictionary<Guid, int> ModelGradeReads { get; } = new();

    /// <summary>GETs of a part of a solution (<c>/api/solutions/{id}/{part}</c>), by solution id and part.</summary>
    public ConcurrentDictionary<(Guid Solution, string Part), int> PartReads { get; } = new();

    public int PartReadsOf(Guid solutionId, string part) => PartReads.GetValueOrDefault((solutionId, part));

    /// <summary>The users whose tokens hold a stream of <paramref name="solutionId"/> open that the Api accepted.</summary>
    public IReadOnlyList<Guid> UsersFollowing(Guid solutionId) =>
    [
        .. _open.Where(o => o.Value == solutionId && o.Key.Response.StatusCode == StatusCodes.Status200OK)
            .Select(o => Guid.TryParse(o.Key.User.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : Guid.Empty),
    ];
}

/// <summary>Hosts whose solution pages poll once an hour, with the Api's open change streams counted.</summary>
public sealed class StreamCountingPortal : BrowserPortal
{
    public OpenChangeStreams Streams { get; } = new();

    protected override Task<PortalHosts> StartHostsAsync() =>
        PortalHosts.StartAsync("web-shared-stream", services => services.AddSingleton<IStartupFilter>(Streams),
            new Dictionary<string, string> { ["SolutionPage:PollEvery"] = "01:00:00" });
}

/// <summary>
/// The circuits of one Web process that have a solution open share one change stream from the Api (ADR 022), opened with
/// one follower's token and moved to another's when that follower leaves or signs out; each still reads the solution
/// with its own token, and one that may no longer see the solution stops following.
/// </summary>
public sealed class SolutionChangeSharingTests(StreamCountingPortal portal) : IClassFixture<StreamCountingPortal>, IAsyncDisposable
{
    /// <summary>A failed test prints what its pages showed and what the hosts logged.</summary>
    public ValueTask DisposeAsync() => portal.ReportIfFailedAsync();

    private const string MemberPassword = "shared-password-1";

    private sealed record Setup(ApiClient Admin, Guid AdminId, Guid ProjectId, Guid SolutionId, Guid[] ItemIds);

    private async Task<Setup> CreateSetupAsync(CancellationToken ct)
    {
        var made = await TwoStepSolution.CreateAsync(portal.Hosts.ApiUrl, "Shared", blind: false, ct);
        var me = await made.Admin.SendAsync(HttpMethod.Get, "/api/me", null, ct);
        return new Setup(made.Admin, me.GetProperty("id").GetGuid(), made.ProjectId, made.SolutionId, made.ItemIds);
    }

    private static async Task<(string Email, Guid Id)> NewGraderAsync(Setup setup, CancellationToken ct)
    {
        var email = $"shared-{Guid.NewGuid():N}@example.org";
        var user = await setup.Admin.PostAsync("/api/users", new { email, password = MemberPassword, displayName = $"Grader {email[7..11]}" }, ct);
        var id = user.GetProperty("id").GetGuid();
        await setup.Admin.SendAsync(HttpMethod.Put, $"/api/projects/{setup.ProjectId}/members/{id}", new { role = "grader" }, ct);
        return (email, id);
    }

    private async Task<IPage> SignedInPageAsync(string email, string password, IBrowserContext? context = null)
    {
        context ??= await portal.NewContextAsync();
        var page = await context.NewPageAsync();
        BrowserPortal.EchoConsole(page);
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Projects");
        return page;
    }

    private static async Task FollowAsync(IPage page, Guid solutionId)
    {
        await page.GotoAsync($"/solutions/{solutionId}");
        await Expect(page.Locator("#gp-proof[data-gp-keys=on]")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("solution-live")).ToHaveAttributeAsync("data-following", "on");
    }

    /// <summary>Waits until the streams open at the Api for the solution are exactly the given users' (one each).</summary>
    private async Task StreamsShouldBeAsync(Guid solutionId, params Guid[] users)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        IReadOnlyList<Guid> open;
        while (!(open = portal.Streams.UsersFollowing(solutionId)).Order().SequenceEqual(users.Order()) && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
        }
        open.Order().ShouldBe(users.Order());
    }

    private static Task GradeAsync(Setup setup, string comment, CancellationToken ct) =>
        setup.Admin.PostAsync($"/api/solutions/{setup.SolutionId}/human-grades", new
        {
            points = 7m,
            items = new[] { new { rubricItemId = setup.ItemIds[0], points = 3m }, new { rubricItemId = setup.ItemIds[1], points = 4m } },
            comment,
        }, ct);

    private int FollowersOf(Guid solutionId) => portal.Hosts.Web.Services.GetRequiredService<SolutionChangeHub>().FollowerCount(solutionId);

    [Fact]
    public async Task TwoCircuitsOnOneSolution_ShareOneApiStream_AndBothShowAChange()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(ct);
        using var admin = setup.Admin;
        var (email, _) = await NewGraderAsync(setup, ct);
        var first = await SignedInPageAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword);
        await FollowAsync(first, setup.SolutionId);
        var second = await SignedInPageAsync(email, MemberPassword);
        await FollowAsync(second, setup.SolutionId);

        // The first follower's token opened the one stream; the second joined it.
        await StreamsShouldBeAsync(setup.SolutionId, setup.AdminId);
        FollowersOf(setup.SolutionId).ShouldBe(2);

        await GradeAsync(setup, "Seen through one stream.", ct);

        await Expect(second.GetByTestId("other-grade")).ToContainTextAsync("Seen through one stream.");
        await Expect(first.GetByTestId("my-grade-points")).ToHaveTextAsync("7 / 7");
        portal.Streams.UsersFollowing(setup.SolutionId).Count.ShouldBe(1);
    }

    [Fact]
    public async Task OpenerLeavesThePage_StreamReopensOnAnotherFollowersToken_AndChangesStillArrive()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(ct);
        using var admin = setup.Admin;
        var (email, graderId) = await NewGraderAsync(setup, ct);
        var opener = await SignedInPageAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword);
        await FollowAsync(opener, setup.SolutionId);
        var staying = await SignedInPageAsync(email, MemberPassword);
        await FollowAsync(staying, setup.SolutionId);
        await StreamsShouldBeAsync(setup.SolutionId, setup.AdminId);

        // Leaves within the app (same circuit): the page goes away at once. A closed tab's circuit, by contrast, is kept for
        // a while in case the browser reconnects, and it follows (with a token still valid) until the circuit ends.
        await opener.Locator($"a[href='/projects/{setup.ProjectId}']").First.ClickAsync();
        await Expect(opener).ToHaveURLAsync(new Regex($"/projects/{setup.ProjectId}$"));

        await StreamsShouldBeAsync(setup.SolutionId, graderId);
        await Expect(staying.GetByTestId("solution-live")).ToHaveAttributeAsync("data-following", "on");
        await GradeAsync(setup, "After the opener left.", ct);
        await Expect(staying.GetByTestId("other-grade")).ToContainTextAsync("After the opener left.");
    }

    [Fact]
    public async Task OpenerSignsOut_StreamMovesToTheOtherFollower_AndTheSignedOutCircuitIsDropped()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(ct);
        using var admin = setup.Admin;
        var (email, graderId) = await NewGraderAsync(setup, ct);
        var opener = await SignedInPageAsync(email, MemberPassword);
        await FollowAsync(opener, setup.SolutionId);
        var staying = await SignedInPageAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword);
        await FollowAsync(staying, setup.SolutionId);
        await StreamsShouldBeAsync(setup.SolutionId, graderId);

        // Signing out in another tab of the same browser ends the sign-in of every circuit it has.
        var other = await opener.Context.NewPageAsync();
        await other.GotoAsync("/");
        await other.ClickAsync("[data-testid=user-menu]");
        await other.ClickAsync("[data-testid=sign-out]");
        await Expect(opener).ToHaveURLAsync(new Regex("/signin"));

        await StreamsShouldBeAsync(setup.SolutionId, setup.AdminId);
        FollowersOf(setup.SolutionId).ShouldBe(1);
        await GradeAsync(setup, "After the opener signed out.", ct);
        await Expect(staying.GetByTestId("my-grade-points")).ToHaveTextAsync("7 / 7");
    }

    [Fact]
    public async Task FollowerRemovedFromTheProject_StopsFollowing_WhileOthersGoOn()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(ct);
        using var admin = setup.Admin;
        var (email, graderId) = await NewGraderAsync(setup, ct);
        var staying = await SignedInPageAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword);
        await FollowAsync(staying, setup.SolutionId);
        var removed = await SignedInPageAsync(email, MemberPassword);
        await FollowAsync(removed, setup.SolutionId);
        FollowersOf(setup.SolutionId).ShouldBe(2);

        await admin.SendAsync(HttpMethod.Delete, $"/api/projects/{setup.ProjectId}/members/{graderId}", null, ct);
        await GradeAsync(setup, "Not for the removed grader.", ct);

        // Its own read is refused: it leaves the shared stream and shows nothing new; the admin's page goes on.
        await Expect(removed.GetByTestId("solution-live")).ToHaveAttributeAsync("data-following", "off");
        await Expect(staying.GetByTestId("my-grade-points")).ToHaveTextAsync("7 / 7");
        FollowersOf(setup.SolutionId).ShouldBe(1);
        (await removed.ContentAsync()).ShouldNotContain("Not for the removed grader.");
        await StreamsShouldBeAsync(setup.SolutionId, setup.AdminId);
    }

    [Fact]
    public async Task ClosedTab_ItsKeptCircuit_DoesNotReadTheSolutionOnAChange()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(ct);
        using var admin = setup.Admin;
        var (email, _) = await NewGraderAsync(setup, ct);
        var open = await SignedInPageAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword);
        await FollowAsync(open, setup.SolutionId);
        var closed = await SignedInPageAsync(email, MemberPassword);
        await FollowAsync(closed, setup.SolutionId);

        // Blazor keeps the closed tab's circuit (and so its follower) in case the browser reconnects; nobody sees it.
        await closed.CloseAsync();
        await Task.Delay(500, ct);
        FollowersOf(setup.SolutionId).ShouldBe(2);
        var before = portal.Streams.PartReadsOf(setup.SolutionId, "grading");

        await GradeAsync(setup, "Only for the open tab.", ct);
        await Expect(open.GetByTestId("my-grade-points")).ToHaveTextAsync("7 / 7");
        // Time for the kept circuit to have read too, had it been going to.
        await Task.Delay(1500, ct);

        // A grade reads the grading part of the solution.
        (portal.Streams.PartReadsOf(setup.SolutionId, "grading") - before).ShouldBe(1);
    }

    [Fact]
    public async Task GradeGivenElsewhere_OpenPages_ShowItWithoutReadingModelGrades()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(ct);
        using var admin = setup.Admin;
        var (email, _) = await NewGraderAsync(setup, ct);
        var first = await SignedInPageAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword);
        await FollowAsync(first, setup.SolutionId);
        var second = await SignedInPageAsync(email, MemberPassword);
        await FollowAsync(second, setup.SolutionId);
        var reads = portal.Streams.Reads.GetValueOrDefault(setup.SolutionId);
        var modelReads = portal.Streams.ModelGradeReads.GetValueOrDefault(setup.SolutionId);
        var gradingReads = portal.Streams.PartReadsOf(setup.SolutionId, "grading");
        var newerEventReads = portal.Streams.PartReadsOf(setup.SolutionId, "history?after");
        var historyReads = portal.Streams.PartReadsOf(setup.SolutionId, "history");

        await GradeAsync(setup, "Only the grades changed.", ct);
        await Expect(second.GetByTestId("other-grade")).ToContainTextAsync("Only the grades changed.");
        await Expect(first.GetByTestId("my-grade-points")).ToHaveTextAsync("7 / 7");
        // The grade's event arrives on top of each page's history.
        await Expect(second.GetByTestId("history-item").First).ToHaveAttributeAsync("data-entity", "humanGrade");
        await Expect(first.GetByTestId("history-item").First).ToHaveAttributeAsync("data-entity", "humanGrade");
        await Expect(second.GetByTestId("history-item")).ToHaveCountAsync(2);
        // Time for a late read to arrive, had one been going to.
        await Task.Delay(1000, ct);

        // The event said "grades": each page read the grading part and the newer events (with its own token); neither read
        // the whole solution, the whole history or the model grades.
        (portal.Streams.PartReadsOf(setup.SolutionId, "grading") - gradingReads).ShouldBe(2);
        (portal.Streams.PartReadsOf(setup.SolutionId, "history?after") - newerEventReads).ShouldBe(2);
        (portal.Streams.PartReadsOf(setup.SolutionId, "history") - historyReads).ShouldBe(0);
        (portal.Streams.Reads.GetValueOrDefault(setup.SolutionId) - reads).ShouldBe(0);
        (portal.Streams.ModelGradeReads.GetValueOrDefault(setup.SolutionId) - modelReads).ShouldBe(0);
    }

    [Fact]
    public async Task AnnotationMadeElsewhere_OpenPage_ShowsItInTheList()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(ct);
        using var admin = setup.Admin;
        var (email, _) = await NewGraderAsync(setup, ct);
        var page = await SignedInPageAsync(email, MemberPassword);
        await FollowAsync(page, setup.SolutionId);
        await Expect(page.GetByTestId("annotation-item")).ToHaveCountAsync(0);
        var modelReads = portal.Streams.ModelGradeReads.GetValueOrDefault(setup.SolutionId);
        var reads = portal.Streams.Reads.GetValueOrDefault(setup.SolutionId);

        const string quote = "step one";
        var start = "By step one and step two, $P$ holds.".IndexOf(quote, StringComparison.Ordinal);
        await admin.PostAsync($"/api/solutions/{setup.SolutionId}/annotations", new
        {
            start, end = start + quote.Length, quote, errorType = "calculation-mistake", severity = "minor", comment = "Pushed to the list.",
        }, ct);

        await Expect(page.GetByTestId("annotation-item")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("annotation-list")).ToContainTextAsync("Pushed to the list.");
        await Expect(page.GetByTestId("history-item").First).ToHaveAttributeAsync("data-entity", "annotation");
        (portal.Streams.ModelGradeReads.GetValueOrDefault(setup.SolutionId) - modelReads).ShouldBe(0);
        // The annotations alone, not the whole solution with its text.
        (portal.Streams.Reads.GetValueOrDefault(setup.SolutionId) - reads).ShouldBe(0);
    }

    [Fact]
    public async Task LongHistory_OpenPage_ShowsTheNewestTwentyUntilShowAll()
    {
        var ct = TestContext.Current.CancellationToken;
        var setup = await CreateSetupAsync(ct);
        using var admin = setup.Admin;
        const string quote = "step two";
        var start = "By step one and step two, $P$ holds.".IndexOf(quote, StringComparison.Ordinal);
        for (var i = 1; i <= 21; i++)
        {
            await admin.PostAsync($"/api/solutions/{setup.SolutionId}/annotations", new
            {
                start, end = start + quote.Length, quote, errorType = "calculation-mistake", severity = "minor", comment = $"Note {i}",
            }, ct);
        }
        var page = await SignedInPageAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword);
        await FollowAsync(page, setup.SolutionId);

        // 21 annotations and the solution's creation: the newest 20 shown, the count told.
        await Expect(page.GetByTestId("history-item")).ToHaveCountAsync(HeldHistory.Newest);
        await Expect(page.GetByTestId("history-show-all")).ToHaveTextAsync("Show all 22 events");

        // A change elsewhere keeps the window at 20 and counts the new event.
        await GradeAsync(setup, "One more event.", ct);
        await Expect(page.GetByTestId("history-show-all")).ToHaveTextAsync("Show all 23 events");
        await Expect(page.GetByTestId("history-item").First).ToHaveAttributeAsync("data-entity", "humanGrade");
        await Expect(page.GetByTestId("history-item")).ToHaveCountAsync(HeldHistory.Newest);

        await page.GetByTestId("history-show-all").ClickAsync();

        await Expect(page.GetByTestId("history-item")).ToHaveCountAsync(23);
        await Expect(page.GetByTestId("history-item").Last).ToHaveAttributeAsync("data-entity", "solution");
        await Expect(page.GetByTestId("history-show-all")).ToHaveCountAsync(0);
    }
}
