using System.Net;
using System.Text;
using System.Text.Json;

namespace GradingPortal.Api.Tests;

/// <summary>Health, the OpenAPI document, and how the Api answers requests it cannot read.</summary>
public sealed class PlatformTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    /// <summary>Every route of the v1 contract (issue "Api (src/Api) — the REST contract, v1") with its method.</summary>
    private static readonly (string Path, string Method)[] s_contractRoutes =
    [
        ("/api/auth/login", "post"),
        ("/api/auth/refresh", "post"),
        ("/api/tokens", "post"),
        ("/api/tokens", "get"),
        ("/api/tokens/{id}", "delete"),
        ("/api/users", "post"),
        ("/api/projects", "get"),
        ("/api/projects", "post"),
        ("/api/projects/{projectId}", "get"),
        ("/api/projects/{projectId}", "patch"),
        ("/api/projects/{projectId}/members", "get"),
        ("/api/projects/{projectId}/members/{userId}", "put"),
        ("/api/projects/{projectId}/members/{userId}", "delete"),
        ("/api/projects/{projectId}/problems", "get"),
        ("/api/projects/{projectId}/problems", "post"),
        ("/api/problems/{problemId}", "get"),
        ("/api/problems/{problemId}", "patch"),
        ("/api/problems/{problemId}", "delete"),
        ("/api/problems/{problemId}/rubrics", "get"),
        ("/api/problems/{problemId}/rubrics", "post"),
        ("/api/rubrics/{rubricId}/approve", "post"),
        ("/api/problems/{problemId}/solutions", "get"),
        ("/api/problems/{problemId}/solutions", "post"),
        ("/api/solutions/{solutionId}", "get"),
        ("/api/solutions/{solutionId}/annotations", "get"),
        ("/api/solutions/{solutionId}/annotations", "post"),
        ("/api/annotations/{annotationId}", "delete"),
        ("/api/solutions/{solutionId}/human-grades", "post"),
        ("/api/solutions/{solutionId}/adjudication", "put"),
        ("/api/solutions/{solutionId}/history", "get"),
    ];

    private static async Task<JsonElement> OpenApiAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/openapi/v1.json");
        var document = await response.ExpectAsync(HttpStatusCode.OK);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json");
        return document;
    }

    [Fact]
    public async Task Health_DatabaseUp_Returns200Healthy()
    {
        using var response = await api.CreateClient().GetAsync("/health");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("Healthy");
    }

    [Fact]
    public async Task OpenApi_Anonymous_ReturnsAnOpenApi3Document()
    {
        var document = await OpenApiAsync(api.CreateClient());
        document.Str("openapi")!.ShouldStartWith("3.");
        document.GetProperty("info").Str("title")!.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task OpenApi_EveryContractRoute_IsDocumentedWithItsMethodAndSummary()
    {
        var paths = (await OpenApiAsync(api.CreateClient())).GetProperty("paths");
        var documented = paths.EnumerateObject().ToDictionary(p => p.Name.TrimEnd('/'), p => p.Value);

        var missing = s_contractRoutes
            .Where(r => !documented.TryGetValue(r.Path, out var item) || !item.TryGetProperty(r.Method, out var operation)
                || string.IsNullOrWhiteSpace(operation.TryGetProperty("summary", out var summary) ? summary.GetString() : null))
            .Select(r => $"{r.Method.ToUpperInvariant()} {r.Path}")
            .ToList();

        missing.ShouldBeEmpty($"documented paths: {string.Join(", ", documented.Keys)}");
        s_contractRoutes.Length.ShouldBe(30);
    }

    [Theory]
    [InlineData("UpdateProjectRequest")]
    [InlineData("UpdateProblemRequest")]
    [InlineData("UpdateRubricRequest")]
    public async Task OpenApi_EditRequest_RequiresAnIntegerRowVersion(string schemaName)
    {
        var schema = (await OpenApiAsync(api.CreateClient())).GetProperty("components").GetProperty("schemas").GetProperty(schemaName);

        schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ShouldContain("rowVersion");
        var rowVersion = schema.GetProperty("properties").GetProperty("rowVersion");
        rowVersion.Str("type").ShouldBe("integer");
        rowVersion.Str("description")!.ShouldContain("Required");
    }

    [Fact]
    public async Task MalformedJson_Returns400ProblemNot500()
    {
        var admin = await api.AdminAsync();
        using var content = new StringContent("{\"name\": \"unterminated", Encoding.UTF8, "application/json");

        using var response = await admin.PostAsync("/api/projects", content);

        var problem = await response.ExpectAsync(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        problem.GetProperty("status").GetInt32().ShouldBe(400);
        problem.Str("title").ShouldNotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData("/api/auth/login", "{\"email\": 5, \"password\": []}")]
    [InlineData("/api/projects", "[1, 2, 3]")]
    [InlineData("/api/projects", "")]
    [InlineData("/api/tokens", "{\"name\": {\"nested\": true}}")]
    public async Task UnreadableBody_Returns400Problem(string path, string body)
    {
        var admin = await api.AdminAsync();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await admin.PostAsync(path, content);
        var problem = await response.ExpectAsync(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        problem.GetProperty("status").GetInt32().ShouldBe(400);
    }

    [Fact]
    public async Task MalformedJsonInAGrade_Returns400AndStoresNothing()
    {
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        using var content = new StringContent("{\"points\": \"three\"}", Encoding.UTF8, "application/json");
        using var response = await s.Grader.Client.PostAsync($"/api/solutions/{solution.Id()}/human-grades", content);
        await response.ExpectAsync(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        (await s.Grader.Client.GetAsync($"/api/solutions/{solution.Id()}/human-grades").ExpectAsync(HttpStatusCode.OK)).Items().ShouldBeEmpty();
    }

    [Fact]
    public async Task WrongContentType_Returns415Problem()
    {
        var admin = await api.AdminAsync();
        using var content = new StringContent("name=x", Encoding.UTF8, "text/plain");
        using var response = await admin.PostAsync("/api/projects", content);
        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task NonGuidId_Returns404Problem()
    {
        var admin = await api.AdminAsync();
        await admin.GetAsync("/api/projects/not-a-guid").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Json_IsCamelCaseWithStringEnums()
    {
        var s = await ProjectScenario.CreateAsync(api);
        using var response = await s.Viewer.Client.GetAsync($"/api/projects/{s.ProjectId}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json");
        response.Content.Headers.ContentType?.CharSet.ShouldBe("utf-8");
        var raw = await response.Content.ReadAsStringAsync();
        raw.ShouldContain("\"myRole\":\"viewer\"");
        raw.ShouldContain("\"blindGrading\":false");
        raw.ShouldNotContain("\"MyRole\"", Case.Sensitive);
    }
}
