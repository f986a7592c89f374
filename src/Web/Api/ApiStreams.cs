using System.Net;
using System.Net.Http.Headers;
using GradingPortal.Web.Auth;

namespace GradingPortal.Web.Api;

/// <summary>
/// Api calls whose bodies are streamed, not buffered: uploads for import and dataset downloads. They may run for
/// minutes, so this client has no overall timeout, and it does not go through <see cref="BearerTokenHandler"/> (which
/// buffers request bodies so it can repeat them). Callers first make an ordinary <see cref="PortalApi"/> call, which
/// renews an expired session; the token of the (possibly renewed) session is then used here.
/// </summary>
public sealed class ApiStreams(HttpClient http, IHttpContextAccessor accessor)
{
    /// <summary>Sends <paramref name="file"/> as the multipart field <c>file</c> of a new import; the body is read as it is sent.</summary>
    public async Task<ApiResult<ImportResponse>> UploadAsync(Guid projectId, string format, string? fileName, Stream file, string? contentType,
        CancellationToken ct)
    {
        var path = $"api/projects/{projectId}/imports?format={Uri.EscapeDataString(format)}";
        if (!string.IsNullOrEmpty(fileName))
        {
            path += "&fileName=" + Uri.EscapeDataString(fileName);
        }
        var part = new StreamContent(file, 64 * 1024);
        part.Headers.ContentType = MediaTypeHeaderValue.TryParse(contentType, out var type) ? type : new MediaTypeHeaderValue("application/octet-stream");
        using var body = new MultipartFormDataContent { { part, "file", string.IsNullOrEmpty(fileName) ? "upload" : fileName } };
        using var request = Authorized(HttpMethod.Post, path);
        request.Content = body;
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            return new ApiResult<ImportResponse>(default, await ApiProblem.ReadAsync(response, ct));
        }
        var import = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<ImportResponse>(response.Content, PortalApi.JsonOptions, ct);
        return import is null
            ? new ApiResult<ImportResponse>(default, new ApiProblem(response.StatusCode, "The Api sent an empty answer.", null))
            : new ApiResult<ImportResponse>(import, null);
    }

    /// <summary>Starts a GET and returns once the headers are in; the caller reads (and disposes) the body.</summary>
    public async Task<HttpResponseMessage> OpenAsync(string path, CancellationToken ct)
    {
        using var request = Authorized(HttpMethod.Get, path);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            throw new SessionExpiredException();
        }
        return response;
    }

    private HttpRequestMessage Authorized(HttpMethod method, string path)
    {
        var context = accessor.HttpContext ?? throw new InvalidOperationException("Api calls on behalf of a person need an HTTP request.");
        var session = Session.From(context.User) ?? throw new SessionExpiredException();
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.AccessToken);
        return request;
    }
}
