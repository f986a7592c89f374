using System.Net;
using System.Text.RegularExpressions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// Signing out over plain HTTP. The solution page's flows (blind grading, refusals kept next to the form) are
/// browser tests now: <see cref="SolutionPageFlowTests"/>.
/// </summary>
public sealed partial class PageFlowTests(ShortTokenPortal portal) : IClassFixture<ShortTokenPortal>
{
    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        var ct = TestContext.Current.CancellationToken;
        using var web = new WebClient(portal.Hosts.WebUrl);
        await web.SignInAsync(PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var (html, _) = await web.PageAsync("/account", ct);
        var token = WebUtility.HtmlDecode(SignOutToken().Match(html).Groups[1].Value);

        var signOut = await web.Http.PostAsync("/signout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }), ct);

        signOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        signOut.Headers.Location!.ToString().ShouldBe("/signin");
        (await web.Http.GetAsync("/", ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [GeneratedRegex("action=\"/signout\"><input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex SignOutToken();
}
