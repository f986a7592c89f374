using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace GradingPortal.Testing;

/// <summary>
/// Test-host support: every response tells, in <c>X-Seen-*</c> headers, the client address, scheme and host the
/// application saw after its own middleware (forwarded headers) ran. Register as an <see cref="IStartupFilter"/>; it goes
/// first in the pipeline and reads the values when the response starts, which is after the application adjusted them.
/// </summary>
public sealed class ConnectionEcho : IStartupFilter
{
    public const string RemoteIpHeader = "X-Seen-Remote-Ip";
    public const string SchemeHeader = "X-Seen-Scheme";
    public const string HostHeader = "X-Seen-Host";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[RemoteIpHeader] = context.Connection.RemoteIpAddress?.ToString() ?? "";
                context.Response.Headers[SchemeHeader] = context.Request.Scheme;
                context.Response.Headers[HostHeader] = context.Request.Host.Value;
                return Task.CompletedTask;
            });
            return nextMiddleware(context);
        });
        next(app);
    };
}
