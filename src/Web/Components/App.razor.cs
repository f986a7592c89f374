using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.Web;

namespace GradingPortal.Web.Components;

/// <summary>
/// The document shell. Pages run interactively over a circuit with the MudBlazor layout; the few that must answer as
/// plain HTTP (sign-in and the account page set the session cookie; error and not-found pages work without a circuit)
/// carry <c>[ExcludeFromInteractiveRouting]</c> and render statically on MudBlazor's CSS, with no scripts at all.
/// </summary>
public sealed partial class App
{
    /// <summary>
    /// No prerendering for most pages: they load their data once, in the circuit (ADR 018). Prerendering would load it
    /// twice unless the page persists it, and run JS interop before there is a browser to talk to.
    /// </summary>
    internal static readonly IComponentRenderMode InteractivePages = new InteractiveServerRenderMode(prerender: false);

    /// <summary>
    /// Pages marked <see cref="PrerenderedPageAttribute"/> (the solution page): the GET carries the content, and the page
    /// hands what it read to its circuit through persisted component state (ADR 018's amendment).
    /// </summary>
    internal static readonly IComponentRenderMode PrerenderedPages = new InteractiveServerRenderMode(prerender: true);

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    private bool Interactive => HttpContext.AcceptsInteractiveRouting();

    // The page's own attributes are on the endpoint, as [ExcludeFromInteractiveRouting] is.
    private IComponentRenderMode? PageRenderMode => !Interactive ? null
        : HttpContext.GetEndpoint()?.Metadata.GetMetadata<PrerenderedPageAttribute>() is not null ? PrerenderedPages
        : InteractivePages;

    /// <summary>The person's theme, on interactive pages (the static ones keep the light colours).</summary>
    private string? DarkClass => Interactive && Ui.ThemeStyles.IsDark(HttpContext) ? Ui.ThemeStyles.DarkClass : null;

    /// <summary>The request token the import upload (import-upload.js) sends as a header and the sign-out form (layout.js) posts.</summary>
    private string AntiforgeryToken => Antiforgery.GetAndStoreTokens(HttpContext).RequestToken ?? "";
}
