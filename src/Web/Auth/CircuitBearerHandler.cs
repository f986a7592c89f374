using System.Net;
using System.Net.Http.Headers;

namespace GradingPortal.Web.Auth;

/// <summary>
/// Puts the circuit's access token on every call of the generated Api client. A 401 renews the session once and repeats
/// the call; a second 401, or a refused renewal, ends it (<see cref="SessionExpiredException"/>), so a half-done action
/// never goes on with a token the Api no longer takes. Built per circuit around the shared pooled handler, so it holds
/// that circuit's <see cref="CircuitSession"/> directly instead of looking for it through HttpContext (which a circuit lacks).
/// </summary>
public sealed class CircuitBearerHandler(CircuitSession session) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            // Buffered so the body can be sent again after a renewal.
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }
        var token = await session.GetAccessTokenAsync(cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }
        response.Dispose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await session.RenewAsync(token, cancellationToken));
        var retried = await base.SendAsync(request, cancellationToken);
        if (retried.StatusCode == HttpStatusCode.Unauthorized)
        {
            retried.Dispose();
            session.End(SessionEnd.Expired);
            throw new SessionExpiredException();
        }
        return retried;
    }
}
