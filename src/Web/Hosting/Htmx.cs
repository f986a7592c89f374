namespace GradingPortal.Web;

/// <summary>The htmx request and response headers Web uses.</summary>
public static class Htmx
{
    public const string RequestHeader = "HX-Request";
    public const string RedirectHeader = "HX-Redirect";
    public const string TriggerHeader = "HX-Trigger";
    public const string RetargetHeader = "HX-Retarget";
    public const string ReswapHeader = "HX-Reswap";

    /// <summary>The event panels listen to (history, counts) after something on the page changed.</summary>
    public const string ChangedEvent = "gp:changed";

    public static bool IsHtmx(HttpRequest request) => request.Headers.ContainsKey(RequestHeader);

    /// <summary>Asks htmx to raise <see cref="ChangedEvent"/> after the swap.</summary>
    public static void TriggerChanged(HttpResponse response) => response.Headers[TriggerHeader] = ChangedEvent;
}
