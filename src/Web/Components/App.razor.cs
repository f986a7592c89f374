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
    /// No prerendering: a page loads its data once, in the circuit, where the person's token lives (ADR 018). Prerendering
    /// would load it twice (once here, once in the circuit) and run JS interop before there is a browser to talk to.
    /// </summary>
    internal static readonly IComponentRenderMode InteractivePages = new InteractiveServerRenderMode(prerender: false);

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    private bool Interactive => HttpContext.AcceptsInteractiveRouting();

    private IComponentRenderMode? PageRenderMode => Interactive ? InteractivePages : null;

    /// <summary>The request token the import upload (import-upload.js) sends as a header.</summary>
    private string AntiforgeryToken => Antiforgery.GetAndStoreTokens(HttpContext).RequestToken ?? "";
}
