using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.SignalR;

namespace GradingPortal.Web.Hosting;

/// <summary>
/// Marks an endpoint that validates the antiforgery token in its own handler (a streamed upload, whose form must not
/// be buffered by the usual check). It is the only way out of <see cref="AntiforgeryEnforcement"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class ValidatesAntiforgeryInHandlerAttribute : Attribute;

/// <summary>
/// Refuses every unsafe request (POST, PUT, PATCH, DELETE) to a Web endpoint unless it carries a valid antiforgery
/// token, as a form field or the <c>RequestVerificationToken</c> header (the import upload sends it so).
/// ASP.NET Core's own middleware validates only requests with a form body, and only records the outcome: an endpoint
/// that binds no form never looks at it, so a bodiless POST (remove member, revoke token, sign out) went through
/// unchecked. Checking here, for every endpoint, means a new endpoint is protected without anyone remembering to.
/// The circuit's SignalR endpoints (<c>/_blazor</c>) are not forms and carry no token: they need a signed-in user, and
/// the Lax session cookie is not sent with another site's POST, so a forged page cannot open a circuit.
/// </summary>
public sealed class AntiforgeryEnforcement(RequestDelegate next, IAntiforgery antiforgery, ILogger<AntiforgeryEnforcement> logger)
{
    public const string RefusedMessage = "The page has expired or the request did not come from it. Reload the page and try again.";

    public async Task InvokeAsync(HttpContext context)
    {
        if (IsUnsafe(context.Request.Method) && context.GetEndpoint() is { } endpoint
            && endpoint.Metadata.GetMetadata<ValidatesAntiforgeryInHandlerAttribute>() is null && !IsCircuitHub(endpoint))
        {
            var valid = context.Features.Get<IAntiforgeryValidationFeature>() is { } checkedAlready
                ? checkedAlready.IsValid
                : await antiforgery.IsRequestValidAsync(context);
            if (!valid)
            {
                logger.LogInformation("Refused {Method} {Path} without a valid antiforgery token.", context.Request.Method, context.Request.Path);
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsync(RefusedMessage, context.RequestAborted);
                return;
            }
        }
        await next(context);
    }

    public static bool IsCircuitHub(Endpoint endpoint) => endpoint.Metadata.GetMetadata<HubMetadata>() is not null;

    public static bool IsUnsafe(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);
}
