using System.Net.Http.Json;

namespace GradingPortal.Web.Api;

/// <summary>Api's import status calls, on behalf of the signed-in person (bearer token and renewal as for <see cref="PortalApi"/>).</summary>
public sealed class ImportApi(HttpClient http)
{
    public Task<ApiResult<ImportResponse>> GetImportAsync(Guid importId, CancellationToken ct = default) =>
        GetAsync<ImportResponse>($"api/imports/{importId}", ct);

    public Task<ApiResult<ImportFailurePageResponse>> GetFailuresAsync(Guid importId, int offset, int limit, CancellationToken ct = default) =>
        GetAsync<ImportFailurePageResponse>($"api/imports/{importId}/failures?offset={offset}&limit={limit}", ct);

    /// <summary>The project's imports, newest first; <paramref name="before"/> continues with older ones.</summary>
    public Task<ApiResult<ImportPageResponse>> ListImportsAsync(Guid projectId, Guid? before, int limit, CancellationToken ct = default) =>
        GetAsync<ImportPageResponse>($"api/projects/{projectId}/imports?limit={limit}" + (before is { } b ? $"&before={b}" : ""), ct);

    private async Task<ApiResult<T>> GetAsync<T>(string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(path, ct);
        if (!response.IsSuccessStatusCode)
        {
            return new ApiResult<T>(default, await ApiProblem.ReadAsync(response, ct));
        }
        var value = await response.Content.ReadFromJsonAsync<T>(PortalApi.JsonOptions, ct);
        return value is null
            ? new ApiResult<T>(default, new ApiProblem(response.StatusCode, "The Api sent an empty answer.", null))
            : new ApiResult<T>(value, null);
    }
}
