namespace GradingPortal.Web.Api;

// Model profiles (site admins), grading runs and model grades.
public sealed partial class PortalApi
{
    public Task<ApiResult<IReadOnlyList<ModelProfileResponse>>> ListModelProfilesAsync(CancellationToken ct = default) =>
        GetAsync<IReadOnlyList<ModelProfileResponse>>("api/model-profiles", ct);

    public Task<ApiResult<ModelProfileResponse>> GetModelProfileAsync(Guid id, CancellationToken ct = default) =>
        GetAsync<ModelProfileResponse>($"api/model-profiles/{id}", ct);

    public Task<ApiResult<ModelProfileResponse>> CreateModelProfileAsync(CreateModelProfileRequest request, CancellationToken ct = default) =>
        SendAsync<ModelProfileResponse>(HttpMethod.Post, "api/model-profiles", request, ct);

    public Task<ApiResult<ModelProfileResponse>> UpdateModelProfileAsync(Guid id, UpdateModelProfileRequest request, CancellationToken ct = default) =>
        SendAsync<ModelProfileResponse>(HttpMethod.Patch, $"api/model-profiles/{id}", request, ct);

    public Task<ApiResult> DeleteModelProfileAsync(Guid id, CancellationToken ct = default) => SendAsync(HttpMethod.Delete, $"api/model-profiles/{id}", null, ct);

    public Task<ApiResult<ModelProfileTestResponse>> TestModelProfileAsync(Guid id, CancellationToken ct = default) =>
        SendAsync<ModelProfileTestResponse>(HttpMethod.Post, $"api/model-profiles/{id}/test", null, ct);

    public Task<ApiResult<IReadOnlyList<ModelGradeResponse>>> ListModelGradesAsync(Guid solutionId, CancellationToken ct = default) =>
        GetAsync<IReadOnlyList<ModelGradeResponse>>($"api/solutions/{solutionId}/model-grades", ct);

    public Task<ApiResult<ModelGradeResponse>> GetModelGradeAsync(Guid id, CancellationToken ct = default) =>
        GetAsync<ModelGradeResponse>($"api/model-grades/{id}", ct);

    public Task<ApiResult<ModelFindingResponse>> ReviewFindingAsync(Guid findingId, bool accept, CancellationToken ct = default) =>
        SendAsync<ModelFindingResponse>(HttpMethod.Post, $"api/model-findings/{findingId}/review", new ReviewFindingRequest(accept), ct);
}
