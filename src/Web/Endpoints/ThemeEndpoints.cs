using GradingPortal.Web.Components.Ui;
using Microsoft.Net.Http.Headers;

namespace GradingPortal.Web.Endpoints;

/// <summary>The dark mode's stylesheet (<see cref="ThemeStyles"/>), built from the app theme when the process starts.</summary>
public static class ThemeEndpoints
{
    public static IEndpointRouteBuilder MapThemeEndpoints(this IEndpointRouteBuilder app)
    {
        // Anonymous like the other stylesheets: it holds the theme's colours only.
        app.MapGet(ThemeStyles.Path, (HttpContext context, ThemeStyles styles) =>
        {
            // The versioned address (ThemeStyles.Url) changes with the content, so it can be kept for a year.
            context.Response.Headers[HeaderNames.CacheControl] = context.Request.Query.ContainsKey("v")
                ? "public, max-age=31536000, immutable"
                : "no-cache";
            return TypedResults.Text(styles.Css, "text/css; charset=utf-8");
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
