using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GradingPortal.Web.Api;

/// <summary>
/// The Api calls the Web makes while it answers a plain HTTP request rather than inside a circuit: the account page's
/// password change, the jobs-dashboard ticket, and the check before a streamed import or download
/// (<see cref="ApiStreams"/>), which also renews an expired session first. They carry the session cookie's token through
/// <see cref="Auth.BearerTokenHandler"/>; the generated client (decision 020) is bound to a circuit's session and cannot
/// serve them. Every method returns the value or the <see cref="ApiProblem"/> the Api reported; only an expired session
/// (refresh failed) throws, and the pipeline turns that into a redirect to sign-in.
/// </summary>
public sealed partial class PortalApi(HttpClient http)
{
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public Task<ApiResult<MeResponse>> GetMeAsync(CancellationToken ct = default) => GetAsync<MeResponse>("api/me", ct);

    /// <summary>Changes the signed-in person's password; the Api then refuses this session's refresh token (sign in again).</summary>
    public Task<ApiResult> ChangePasswordAsync(string currentPassword, string newPassword, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/me/password", new ChangePasswordRequest(currentPassword, newPassword), ct);

    /// <summary>Whether the project is there for the signed-in person (its body is not read).</summary>
    public Task<ApiResult> GetProjectAsync(Guid projectId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, $"api/projects/{projectId}", null, ct);

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
