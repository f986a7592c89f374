using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Web.Tests;

/// <summary>
/// An Api stand-in on a real port that signs people in and then refuses everything, like an Api whose signing keys
/// were rotated: every call answers 401 and refreshing fails.
/// </summary>
public sealed class RefusingApi : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri Url { get; private set; } = null!;
    public WebHost Web { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/api/auth/login", () => Results.Json(new { tokenType = "Bearer", accessToken = "opaque-access", expiresIn = 3600, refreshToken = "opaque-refresh" }));
        _app.MapGet("/api/me", (HttpRequest request) => request.Headers.Authorization == "Bearer opaque-access"
            ? Results.Json(new { id = Guid.NewGuid(), email = "someone@example.org", displayName = "Someone", isAdmin = false })
            : Results.Problem(statusCode: 401, title: "Unauthorized"));
        _app.MapFallback(() => Results.Problem(statusCode: 401, title: "Unauthorized"));
        await _app.StartAsync();
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Url = new Uri(addresses.First());
        Web = new WebHost(Url);
        Web.StartServer();
    }

    public Uri WebUrl => new(Web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public async ValueTask DisposeAsync()
    {
        await Web.DisposeAsync();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>
/// An Api session that ends in the middle of a page's request (a static page's form, or the solution page's prerender)
/// sends the person to sign in again.
/// </summary>
public sealed class ExpiredSessionTests(RefusingApi api) : IClassFixture<RefusingApi>
{
    [Fact]
    public async Task ApiRefusesTokenAndRefresh_PageRequest_RedirectsToSignIn()
    {
        var ct = TestContext.Current.CancellationToken;
        using var web = new WebClient(api.WebUrl);
        (await web.SignInAsync("someone@example.org", "any", ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        // The account page is static and calls the Api when its form is posted (converted pages call it from the circuit).
        const string path = "/account";
        var response = await web.PostPageFormAsync(path, new Dictionary<string, string>
        {
            ["Form.CurrentPassword"] = "any", ["Form.NewPassword"] = "another-long-password",
        }, ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldBe("/signin?expired=1&returnUrl=" + Uri.EscapeDataString(path));
        (await web.Http.GetAsync(path, ct)).Headers.Location!.ToString().ShouldContain("/signin?ReturnUrl=");
    }

    [Fact]
    public async Task ApiRefusesTokenAndRefresh_SolutionPagePrerender_RedirectsToSignInAndBack()
    {
        var ct = TestContext.Current.CancellationToken;
        using var web = new WebClient(api.WebUrl);
        (await web.SignInAsync("someone@example.org", "any", ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var path = $"/solutions/{Guid.NewGuid()}";

        // The prerender's read of the solution is refused and so is the renewal: the answer is the redirect a circuit
        // makes, not a page whose circuit could never start.
        var response = await web.Http.GetAsync(path, ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldEndWith("/signin?expired=1&returnUrl=" + Uri.EscapeDataString(path));
        (await web.Http.GetAsync(path, ct)).Headers.Location!.ToString().ShouldContain("/signin?ReturnUrl=");
    }
}
