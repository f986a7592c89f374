namespace GradingPortal.Api.Infrastructure;

/// <summary>
/// Response headers of every Api answer, errors and the OpenAPI document included. JSON needs no page resources at
/// all, so its policy forbids everything; a browser that is tricked into rendering a response as a page runs nothing
/// and cannot be framed. The Swagger UI page is the one HTML page: its own scripts and styles, images inlined as data
/// URIs, and calls back to this origin only ("Try it out"). Swagger UI sets element styles, hence inline styles.
/// </summary>
internal static class ApiSecurityHeaders
{
    public const string DocsPath = "/api/docs";

    public const string JsonPolicy = "default-src 'none'; frame-ancestors 'none'";

    public const string DocsPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IApplicationBuilder UseApiSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        // Chosen from the path as it arrived: the jobs dashboard moves its prefix into PathBase before it answers.
        var policy = context.Request.Path.StartsWithSegments(DocsPath) ? DocsPolicy
            : context.Request.Path.StartsWithSegments(JobsDashboard.Path) ? JobsDashboard.Policy
            : JsonPolicy;
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = policy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            return Task.CompletedTask;
        });
        return next(context);
    });
}
