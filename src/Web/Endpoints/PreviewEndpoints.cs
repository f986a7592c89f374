using GradingPortal.Web.Components.Fragments;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GradingPortal.Web.Endpoints;

/// <summary>Live Markdown + LaTeX preview for editors: htmx posts the field, Web renders it like the real page would.</summary>
public static class PreviewEndpoints
{
    /// <summary>Longer texts are previewed up to this length (the full text is still saved).</summary>
    private const int MaxPreviewLength = 200_000;

    public static IEndpointRouteBuilder MapPreviewEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/preview", PreviewAsync);
        return app;
    }

    /// <summary>Renders the form field named by <c>?field=</c> (the editor's own field name).</summary>
    private static async Task<RazorComponentResult<MarkdownPreview>> PreviewAsync(HttpContext context, string? field)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var text = field is null ? "" : form[field].ToString();
        if (text.Length > MaxPreviewLength)
        {
            text = text[..MaxPreviewLength];
        }
        return new RazorComponentResult<MarkdownPreview>(new Dictionary<string, object?> { [nameof(MarkdownPreview.Source)] = text });
    }
}
