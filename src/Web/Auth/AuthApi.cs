using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using GradingPortal.Web.Api;

namespace GradingPortal.Web.Auth;

/// <summary>How a call to Api's token endpoints ended.</summary>
public enum TokenOutcome
{
    /// <summary>Api issued tokens.</summary>
    Issued,
    /// <summary>Api refused the credentials or the refresh token.</summary>
    Refused,
    /// <summary>Api could not be reached or failed; the session is left as it is.</summary>
    Unavailable,
}

/// <summary>The result of a login or refresh.</summary>
public sealed record TokenResult(TokenOutcome Outcome, TokenPairResponse? Tokens, ApiProblem? Problem = null);

/// <summary>
/// Api's anonymous token endpoints and <c>GET /api/me</c> with an explicit token. This client has no bearer handler:
/// it runs before a session exists (sign-in) or while one is being renewed.
/// </summary>
public sealed class AuthApi(HttpClient http, ILogger<AuthApi> logger)
{
    public Task<TokenResult> LoginAsync(string email, string password, CancellationToken ct = default) =>
        PostAsync("api/auth/login", new LoginRequest(email, password), ct);

    public Task<TokenResult> RefreshAsync(string refreshToken, CancellationToken ct = default) =>
        PostAsync("api/auth/refresh", new RefreshRequest(refreshToken), ct);

    /// <summary>Asks the Api to end the session of <paramref name="refreshToken"/>; false when the Api could not be told.</summary>
    public async Task<bool> LogoutAsync(string refreshToken, CancellationToken ct = default)
    {
        try
        {
            using var content = JsonContent.Create(new LogoutRequest(refreshToken), options: PortalApi.JsonOptions);
            using var response = await http.PostAsync("api/auth/logout", content, ct);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("The Api answered {Status} to a sign-out; the session's refresh token may still work.", (int)response.StatusCode);
            }
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning(ex, "The Api could not be reached to end a session; its refresh token may still work.");
            return false;
        }
    }

    public async Task<MeResponse?> GetMeAsync(string accessToken, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request, ct);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<MeResponse>(PortalApi.JsonOptions, ct) : null;
    }

    private async Task<TokenResult> PostAsync(string path, object body, CancellationToken ct)
    {
        try
        {
            using var content = JsonContent.Create(body, body.GetType(), options: PortalApi.JsonOptions);
            using var response = await http.PostAsync(path, content, ct);
            if (response.IsSuccessStatusCode)
            {
                var tokens = await response.Content.ReadFromJsonAsync<TokenPairResponse>(PortalApi.JsonOptions, ct);
                return tokens is { AccessToken.Length: > 0 }
                    ? new TokenResult(TokenOutcome.Issued, tokens)
                    : new TokenResult(TokenOutcome.Unavailable, null);
            }
            var problem = await ApiProblem.ReadAsync(response, ct);
            var refused = response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;
            return new TokenResult(refused ? TokenOutcome.Refused : TokenOutcome.Unavailable, null, problem);
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning(ex, "Api could not be reached at {Path}.", path);
            return new TokenResult(TokenOutcome.Unavailable, null);
        }
    }
}
