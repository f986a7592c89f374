using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Solutions;

/// <summary>
/// The classes and fixed markup MudBlazor 9.14's buttons, button groups and icons render, for buttons and links of the
/// solution page that need nothing of the components but their look. A MudButton stays in an idle circuit with its state,
/// two render trees, a map of attribute names and a MudIcon of its own (ADR 022, memory per idle circuit); these strings
/// are made once per process and shared by every circuit.
/// </summary>
public static class MudMarkup
{
    // MudButton's classes: root, variant, variant and color, variant and size, ripple (on by default).
    public static string Button(Variant variant, Color color, Size size)
    {
        var v = Name(variant);
        return $"mud-button-root mud-button mud-button-{v} mud-button-{v}-{Name(color)} mud-button-{v}-size-{Name(size)} mud-ripple";
    }

    /// <summary>
    /// A MudButtonGroup's container. Its buttons keep their own defaults (text, default colour, medium) and the group's
    /// classes restyle them, as MudBlazor's override of button styles does.
    /// </summary>
    public static string Group(Variant variant, Size size)
    {
        var v = Name(variant);
        return $"mud-button-group-root mud-button-group-override-styles mud-button-group-{v} mud-button-group-{v}-default mud-button-group-{v}-size-{Name(size)} mud-button-group-horizontal";
    }

    /// <summary>A button's start icon in the markup MudButton renders around a MudIcon of inherited colour.</summary>
    public static MarkupString StartIcon(string svg, Size size)
    {
        var s = Name(size);
        return new($"<span class=\"mud-button-icon-start mud-button-icon-size-{s}\"><svg class=\"mud-icon-root mud-svg-icon mud-icon-size-{s}\" " +
                   $"focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\" role=\"img\">{svg}</svg></span>");
    }

    // MudBlazor writes these enums in its classes as their lower-case names (its own helper for that is internal).
    private static string Name(Enum value) => value.ToString().ToLowerInvariant();
}
