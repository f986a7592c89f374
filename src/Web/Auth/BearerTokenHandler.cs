using System.Net;
using System.Net.Http.Headers;

namespace GradingPortal.Web.Auth;

/// <summary>Thrown when the signed-in person's Api session cannot be renewed; the pipeline sends them to sign in.</summary>
public sealed class SessionExpiredException : Exception
{
    public SessionExpiredException()
        : base("The Api session has expired and could not be renewed.")
    {
    }

    public SessionExpiredException(string message)
        : base(message)
    {
    }

    public SessionExpiredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Puts the signed-in person's access token on every Api call. When Api answers 401 (the token expired or was revoked
/// early), the session is refreshed once and the call repeated; if that fails the session is over. Pages make their
/// Api calls one after another, so a renewal never races another call of the same request.
/// </summary>
public sealed class BearerTokenHandler(IHttpContextAccessor accessor, SessionRenewer renewer) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var context = accessor.HttpContext ?? throw new InvalidOperationException("Api calls on behalf of a person need an HTTP request.");
        var session = Session.From(context.User) ?? throw new SessionExpiredException();
        if (request.Content is not null)
        {
            // Buffered so the body can be sent again after a refresh.
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.AccessToken);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }
        response.Dispose();
        var token = await renewer.RenewCurrentAsync(context, cancellationToken) ?? throw new SessionExpiredException();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var retried = await base.SendAsync(request, cancellationToken);
        if (retried.StatusCode == HttpStatusCode.Unauthorized)
        {
            retried.Dispose();
            throw new SessionExpiredException();
        }
        return retried;
    }
}
