using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components;

public sealed partial class App
{
    // htmx must not inject its indicator <style> (CSP) nor evaluate attribute code; requests stay on this origin.
    private const string HtmxConfig =
        """{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"selfRequestsOnly":true,"historyCacheSize":0,"defaultSwapStyle":"outerHTML"}""";

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    /// <summary>The request token htmx sends as a header on every request (site.js reads it from this meta tag).</summary>
    private string AntiforgeryToken => Antiforgery.GetAndStoreTokens(HttpContext).RequestToken ?? "";
}
