using System.Net;
using System.Net.Http.Json;

namespace GradingPortal.Api.Tests;

public sealed class SmokeTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Health_DatabaseUp_Returns200()
    {
        var response = await api.CreateClient().GetAsync("/health");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Login_ThenMe_ReturnsAdmin()
    {
        var client = await api.AdminAsync();
        var me = await client.GetFromJsonAsync<Dictionary<string, object>>("/api/me");
        me!["email"].ToString().ShouldBe(ApiFactory.AdminEmail);
        me["isAdmin"].ToString().ShouldBe("True", StringCompareShould.IgnoreCase);
    }
}
