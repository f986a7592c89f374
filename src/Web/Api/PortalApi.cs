using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GradingPortal.Web.Api;

/// <summary>
/// The typed client for Api's v1 REST contract, called on behalf of the signed-in person (the bearer token is added by
/// <see cref="Auth.BearerTokenHandler"/>). Every method returns the value or the <see cref="ApiProblem"/> Api reported;
/// only an expired session (refresh failed) throws, and the pipeline turns that into a redirect to sign-in.
/// </summary>
public sealed partial class PortalApi(HttpClient http)
{
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public Task<ApiResult<MeResponse>> GetMeAsync(CancellationToken ct = default) => GetAsync<MeResponse>("api/me", ct);

    // The account page.
    /// <summary>Changes the signed-in person's password; the Api then refuses this session's refresh token (sign in again).</summary>
    public Task<ApiResult> ChangePasswordAsync(string currentPassword, string newPassword, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/me/password", new ChangePasswordRequest(currentPassword, newPassword), ct);

    // Projects and members.
    public Task<ApiResult<IReadOnlyList<ProjectResponse>>> ListProjectsAsync(CancellationToken ct = default) =>
        GetAsync<IReadOnlyList<ProjectResponse>>("api/projects", ct);

    public Task<ApiResult<ProjectResponse>> CreateProjectAsync(CreateProjectRequest request, CancellationToken ct = default) =>
        SendAsync<ProjectResponse>(HttpMethod.Post, "api/projects", request, ct);

    public Task<ApiResult<ProjectResponse>> GetProjectAsync(Guid projectId, CancellationToken ct = default) =>
        GetAsync<ProjectResponse>($"api/projects/{projectId}", ct);

    // Problems and rubrics.
    public Task<ApiResult<IReadOnlyList<ProblemSummaryResponse>>> ListProblemsAsync(Guid projectId, CancellationToken ct = default) =>
        GetAsync<IReadOnlyList<ProblemSummaryResponse>>($"api/projects/{projectId}/problems", ct);

    public Task<ApiResult<ProblemResponse>> CreateProblemAsync(Guid projectId, CreateProblemRequest request, CancellationToken ct = default) =>
        SendAsync<ProblemResponse>(HttpMethod.Post, $"api/projects/{projectId}/problems", request, ct);

    public Task<ApiResult<ProblemResponse>> GetProblemAsync(Guid problemId, CancellationToken ct = default) =>
        GetAsync<ProblemResponse>($"api/problems/{problemId}", ct);

    public Task<ApiResult<ProblemResponse>> UpdateProblemAsync(Guid problemId, UpdateProblemRequest request, CancellationToken ct = default) =>
        SendAsync<ProblemResponse>(HttpMethod.Patch, $"api/problems/{problemId}", request, ct);

    public Task<ApiResult<RubricResponse>> CreateRubricAsync(Guid problemId, RubricInput request, CancellationToken ct = default) =>
        SendAsync<RubricResponse>(HttpMethod.Post, $"api/problems/{problemId}/rubrics", request, ct);

    public Task<ApiResult<RubricResponse>> GetRubricAsync(Guid rubricId, CancellationToken ct = default) =>
        GetAsync<RubricResponse>($"api/rubrics/{rubricId}", ct);

    public Task<ApiResult<RubricResponse>> UpdateRubricAsync(Guid rubricId, UpdateRubricRequest request, CancellationToken ct = default) =>
        SendAsync<RubricResponse>(HttpMethod.Put, $"api/rubrics/{rubricId}", request, ct);

    // Solutions and everything graders do on them.
    public Task<ApiResult<SolutionResponse>> CreateSolutionAsync(Guid problemId, CreateSolutionRequest request, CancellationToken ct = default) =>
        SendAsync<SolutionResponse>(HttpMethod.Post, $"api/problems/{problemId}/solutions", request, ct);

    public Task<ApiResult<SolutionResponse>> GetSolutionAsync(Guid solutionId, CancellationToken ct = default) =>
        GetAsync<SolutionResponse>($"api/solutions/{solutionId}", ct);

    public Task<ApiResult<AnnotationResponse>> CreateAnnotationAsync(Guid solutionId, CreateAnnotationRequest request, CancellationToken ct = default) =>
        SendAsync<AnnotationResponse>(HttpMethod.Post, $"api/solutions/{solutionId}/annotations", request, ct);

    public Task<ApiResult> DeleteAnnotationAsync(Guid annotationId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"api/annotations/{annotationId}", null, ct);

    public Task<ApiResult<HumanGradeResponse>> SubmitGradeAsync(Guid solutionId, SubmitHumanGradeRequest request, CancellationToken ct = default) =>
        SendAsync<HumanGradeResponse>(HttpMethod.Post, $"api/solutions/{solutionId}/human-grades", request, ct);

    public Task<ApiResult<AdjudicationResponse>> AdjudicateAsync(Guid solutionId, AdjudicateRequest request, CancellationToken ct = default) =>
        SendAsync<AdjudicationResponse>(HttpMethod.Put, $"api/solutions/{solutionId}/adjudication", request, ct);

    private async Task<ApiResult<T>> GetAsync<T>(string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(path, ct);
        return await ReadAsync<T>(response, ct);
    }

    private async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: JsonOptions) };
        using var response = await http.SendAsync(request, ct);
        return await ReadAsync<T>(response, ct);
    }

    private async Task<ApiResult> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: JsonOptions) };
        using var response = await http.SendAsync(request, ct);
        return response.IsSuccessStatusCode ? new ApiResult(null) : new ApiResult(await ApiProblem.ReadAsync(response, ct));
    }

    private static async Task<ApiResult<T>> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            return new ApiResult<T>(default, await ApiProblem.ReadAsync(response, ct));
        }
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return new ApiResult<T>(default, null);
        }
        var value = await response.Content.ReadFromJsonAsync<T>(JsonOptions, ct);
        return value is null
            ? new ApiResult<T>(default, new ApiProblem(response.StatusCode, "The Api sent an empty answer.", null))
            : new ApiResult<T>(value, null);
    }
}
