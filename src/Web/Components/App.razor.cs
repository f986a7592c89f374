using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.Web;

namespace GradingPortal.Web.Components;

/// <summary>
/// The document shell. Converted pages run interactively over a circuit with the MudBlazor layout; pages not converted
/// yet carry <c>[ExcludeFromInteractiveRouting]</c> and render statically with Bootstrap and htmx, as before. Only one
/// of the two script sets is ever loaded, so blazor.web.js never meets htmx on a page.
/// </summary>
public sealed partial class App
{
    // htmx must not inject its indicator <style> (CSP) nor evaluate attribute code; requests stay on this origin.
    private const string HtmxConfig =
        """{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"selfRequestsOnly":true,"historyCacheSize":0,"defaultSwapStyle":"outerHTML"}""";

    /// <summary>
    /// No prerendering: a page loads its data once, in the circuit, where the person's token lives (ADR 018). Prerendering
    /// would load it twice (once here, once in the circuit) and run JS interop before there is a browser to talk to.
    /// </summary>
    internal static readonly IComponentRenderMode InteractivePages = new InteractiveServerRenderMode(prerender: false);

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    private bool Interactive => HttpContext.AcceptsInteractiveRouting();

    /// <summary>A static page styled by MudBlazor's CSS alone (<see cref="Layout.StaticMudPageAttribute"/>).</summary>
    private bool MudStyled => HttpContext.GetEndpoint()?.Metadata.GetMetadata<Layout.StaticMudPageAttribute>() is not null;

    private IComponentRenderMode? PageRenderMode => Interactive ? InteractivePages : null;

    /// <summary>The request token sent as a header by htmx on static pages (site.js) and by the import upload (import-upload.js).</summary>
    private string AntiforgeryToken => Antiforgery.GetAndStoreTokens(HttpContext).RequestToken ?? "";
}
