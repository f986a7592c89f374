using System.Net;

namespace GradingPortal.Export.Tests;

/// <summary>Exports show every grade and author, so they are for Adjudicators and Admins; others learn nothing.</summary>
[Collection(ExportCollection.Name)]
public sealed class ExportAccessTests(ExportFactory api) : IAsyncLifetime
{
    private Dataset _data = null!;

    public async ValueTask InitializeAsync() => _data = await Dataset.CreateAsync(api);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task ExpectAsync(HttpClient client, HttpStatusCode status)
    {
        foreach (var url in new[] { _data.ExportUrl(), _data.ExportUrl("format=csv&flavor=pairs"), $"/api/solutions/{_data.A1}/export" })
        {
            var response = await client.GetAsync(url);
            response.StatusCode.ShouldBe(status, url);
            if (status != HttpStatusCode.OK)
            {
                response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json", url);
            }
        }
    }

    [Fact]
    public Task Export_NonMember_404() => ExpectAsync(_data.Outsider, HttpStatusCode.NotFound);

    [Fact]
    public Task Export_Grader_403() => ExpectAsync(_data.GraderClient, HttpStatusCode.Forbidden);

    [Fact]
    public Task Export_Viewer_403() => ExpectAsync(_data.Viewer, HttpStatusCode.Forbidden);

    [Fact]
    public Task Export_Adjudicator_200() => ExpectAsync(_data.Adjudicator, HttpStatusCode.OK);

    [Fact]
    public Task Export_GlobalAdmin_200() => ExpectAsync(_data.Admin, HttpStatusCode.OK);

    [Fact]
    public Task Export_Anonymous_401() => ExpectAsync(api.CreateClient(), HttpStatusCode.Unauthorized);

    [Fact]
    public async Task Export_UnknownProjectOrSolution_404()
    {
        (await _data.Admin.GetAsync($"/api/projects/{Guid.NewGuid()}/export")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _data.Admin.GetAsync($"/api/solutions/{Guid.NewGuid()}/export")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Export_BadParameterFromAGrader_403BeforeValidation()
    {
        // Refusal comes first: a caller without access learns nothing from validation messages.
        (await _data.GraderClient.GetAsync(_data.ExportUrl("format=xml"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await _data.Outsider.GetAsync(_data.ExportUrl("format=xml"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Export_PersonalApiToken_Works()
    {
        var created = await _data.Adjudicator.PostJsonAsync("/api/tokens", new { name = "export script" });
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", created.GetProperty("token").GetString());
        var lines = await client.ExportLinesAsync(_data.ExportUrl());
        lines.Count.ShouldBe(6);
    }
}
