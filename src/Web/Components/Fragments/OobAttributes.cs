namespace GradingPortal.Web.Components.Fragments;

/// <summary>The attribute that makes htmx swap a panel out of band (by id) when it rides along in another answer.</summary>
public static class OobAttributes
{
    public static IReadOnlyDictionary<string, object> For(bool oob) =>
        oob ? new Dictionary<string, object> { ["hx-swap-oob"] = "true" } : new Dictionary<string, object>();
}
