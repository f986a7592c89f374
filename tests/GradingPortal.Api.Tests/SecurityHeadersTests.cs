using System.Net;
using System.Text.RegularExpressions;

namespace GradingPortal.Api.Tests;

/// <summary>
/// Security headers on every Api answer: JSON (success, errors, the OpenAPI document) may load and frame nothing; the
/// Swagger UI page gets a policy that still lets it load its own scripts, styles and images and call this origin.
/// </summary>
public sealed partial class SecurityHeadersTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Theory]
    [InlineData("/health", HttpStatusCode.OK)]
    [InlineData("/openapi/v1.json", HttpStatusCode.OK)]
    [InlineData("/api/projects", HttpStatusCode.Unauthorized)]
    [InlineData("/api/nowhere", HttpStatusCode.NotFound)]
    public async Task ApiResponse_AnyStatus_ForbidsPageResourcesFramingAndSniffing(string path, HttpStatusCode status)
    {
        using var response = await api.CreateClient().GetAsync(path, TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(status);
        response.Headers.GetValues("Content-Security-Policy").Single().ShouldBe("default-src 'none'; frame-ancestors 'none'");
        response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
        response.Headers.GetValues("X-Frame-Options").Single().ShouldBe("DENY");
        response.Headers.GetValues("Referrer-Policy").Single().ShouldBe("no-referrer");
    }

    [Fact]
    public async Task SwaggerUi_Page_AllowsOnlyItsOwnAssetsAndEveryAssetLoads()
    {
        var client = api.CreateClient();
        var ct = TestContext.Current.CancellationToken;

        using var page = await client.GetAsync("/api/docs/index.html", ct);

        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        policy.ShouldContain("script-src 'self'");
        policy.ShouldContain("connect-src 'self'");
        policy.ShouldContain("frame-ancestors 'none'");
        policy.ShouldNotContain("unsafe-eval");
        page.Headers.GetValues("X-Frame-Options").Single().ShouldBe("DENY");
        var html = await page.Content.ReadAsStringAsync(ct);
        // 'self' scripts only: the page must not depend on an inline script.
        InlineScript().IsMatch(html).ShouldBeFalse(html);
        var assets = AssetReference().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        assets.Count.ShouldBeGreaterThanOrEqualTo(4);
        foreach (var asset in assets)
        {
            asset.ShouldNotStartWith("http", Case.Insensitive);
            using var response = await client.GetAsync(new Uri(new Uri(client.BaseAddress!, "/api/docs/"), asset), ct);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, asset);
        }
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"<(?:script|link)\b[^>]*\b(?:src|href)=""(?<url>[^""]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex AssetReference();
}
