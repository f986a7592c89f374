namespace GradingPortal.Web.Api;

// Model grades.
public sealed partial class PortalApi
{
    public Task<ApiResult<IReadOnlyList<ModelGradeResponse>>> ListModelGradesAsync(Guid solutionId, CancellationToken ct = default) =>
        GetAsync<IReadOnlyList<ModelGradeResponse>>($"api/solutions/{solutionId}/model-grades", ct);

    public Task<ApiResult<ModelGradeResponse>> GetModelGradeAsync(Guid id, CancellationToken ct = default) =>
        GetAsync<ModelGradeResponse>($"api/model-grades/{id}", ct);

    public Task<ApiResult<ModelFindingResponse>> ReviewFindingAsync(Guid findingId, bool accept, CancellationToken ct = default) =>
        SendAsync<ModelFindingResponse>(HttpMethod.Post, $"api/model-findings/{findingId}/review", new ReviewFindingRequest(accept), ct);
}
