using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Ui;

/// <summary>
/// Material icons that interactive pages repeat many times, as one SVG sprite the document carries once (App.razor, outside
/// every circuit) and each use points into. An icon drawn inline is a few hundred characters in every copy of a page's
/// markup and in every circuit that keeps it (ADR 022, memory per idle circuit); a reference is a few dozen.
/// </summary>
public static class IconSprite
{
    public const string Show = "gp-i-show";
    public const string Edit = "gp-i-edit";
    public const string Delete = "gp-i-delete";

    private static readonly (string Id, string Svg)[] s_icons =
    [
        (Show, Icons.Material.Filled.CenterFocusStrong),
        (Edit, Icons.Material.Filled.Edit),
        (Delete, Icons.Material.Filled.Delete),
    ];

    /// <summary>
    /// The sprite: symbols only, drawn nowhere. Not display:none, which some browsers apply to what a use points at too.
    /// </summary>
    public static MarkupString Markup { get; } = new(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" aria-hidden=\"true\" focusable=\"false\" style=\"position:absolute;width:0;height:0;overflow:hidden\">" +
        string.Concat(s_icons.Select(i => $"<symbol id=\"{i.Id}\" viewBox=\"0 0 24 24\">{i.Svg}</symbol>")) + "</svg>");

    /// <summary>An icon of the sprite in the markup MudIcon renders (same classes), pointing at its symbol.</summary>
    public static string Use(string id, Size size) =>
        $"<svg class=\"mud-icon-root mud-svg-icon mud-icon-size-{size.ToString().ToLowerInvariant()}\" focusable=\"false\" viewBox=\"0 0 24 24\" " +
        $"aria-hidden=\"true\" role=\"img\"><use href=\"#{id}\"></use></svg>";
}
