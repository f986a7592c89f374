using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Solutions;

/// <summary>
/// The classes and fixed markup MudBlazor 9.14's buttons, button groups, icons, grid and input fields render, for the
/// parts of the solution page that need nothing of the components but their look. A MudButton stays in an idle circuit
/// with its state, two render trees, a map of attribute names and a MudIcon of its own, a MudBlazor input as about ten
/// components (ADR 022, memory per idle circuit); these strings are made once per process and shared by every circuit.
/// bUnit tests compare them with what MudBlazor renders, so an upgrade that changes them fails a test.
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

    // The outlined fields: MudNumericField (dense, an end adornment, HideSpinButtons) and MudTextField (a textarea when it
    // has Lines), each as its control, its input box, the input itself and the floating label, with and without an error.
    public const string NumberControl = "mud-input-control mud-input-control-margin-dense mud-input-outlined-with-label mud-input-input-control mud-input-nospin mud-input-number-control";
    public const string NumberControlError = "mud-input-control mud-input-control-margin-dense mud-input-error mud-input-outlined-with-label mud-input-input-control mud-input-nospin mud-input-number-control";
    public const string NumberBox = "mud-input mud-input-outlined mud-input-outlined-with-label mud-input-adorned-end mud-input-margin-dense";
    public const string NumberInput = "mud-input-slot mud-input-root mud-input-root-outlined mud-input-root-adorned-end mud-input-root-margin-dense";
    public const string LabelDense = "mud-input-label mud-input-label-animated mud-input-label-outlined mud-input-label-margin-dense mud-input-label-inputcontrol";
    public const string LabelDenseError = "mud-input-label mud-input-label-animated mud-input-label-outlined mud-input-label-margin-dense mud-input-error mud-input-label-inputcontrol";
    public const string TextControl = "mud-input-control mud-input-outlined-with-label mud-input-input-control mud-input-sizing-fixed";
    public const string TextControlError = "mud-input-control mud-input-error mud-input-outlined-with-label mud-input-input-control mud-input-sizing-fixed";
    public const string TextBox = "mud-input mud-input-outlined mud-input-outlined-with-label";
    public const string TextArea = "mud-input-slot mud-input-root mud-input-root-outlined";
    public const string Label = "mud-input-label mud-input-label-animated mud-input-label-outlined mud-input-label-inputcontrol";
    public const string LabelError = "mud-input-label mud-input-label-animated mud-input-label-outlined mud-input-error mud-input-label-inputcontrol";

    /// <summary>An input box's classes: the box, raised label once it has a value (or always, for text), the error colour.</summary>
    public static string InputBox(string box, bool shrink, bool error) =>
        $"{box}{(shrink ? " mud-shrink" : "")}{(error ? " mud-input-error" : "")} mud-typography-subtitle1 mud-input-sizing-fixed";

    /// <summary>The outline an outlined field draws around its box, with a gap for its label.</summary>
    public static MarkupString Border(string label) =>
        new($"<fieldset class=\"mud-input-outlined-border\"><legend>{System.Net.WebUtility.HtmlEncode(label)}</legend></fieldset>");

    /// <summary>A filled small MudChip of the colour (the chip inside its container), one string per colour.</summary>
    public static string Chip(Color color) => s_chips[color];

    private static readonly Dictionary<Color, string> s_chips =
        Enum.GetValues<Color>().ToDictionary(c => c, c => $"mud-chip mud-chip-filled mud-chip-size-small mud-chip-color-{Name(c)}");

    /// <summary>A MudLink of the default colour and type, always underlined.</summary>
    public const string Link = "mud-typography mud-link mud-primary-text mud-link-underline-always";

    /// <summary>A dense MudSimpleTable's container (its table sits in a div of class mud-table-container).</summary>
    public const string SimpleTable = "mud-table mud-simple-table mud-table-dense mud-elevation-1";

    /// <summary>MudGrid's container with the given spacing (items start at the left).</summary>
    public static string Grid(int spacing) => $"mud-grid mud-grid-spacing-xs-{spacing} justify-start";

    /// <summary>A MudItem's classes: its width in twelfths on every screen (xs) and from medium screens on (md).</summary>
    public static string GridItem(int xs, int md) => $"mud-grid-item mud-grid-item-xs-{xs} mud-grid-item-md-{md}";

    /// <summary>The span MudCheckBox (dense, default colour) puts around its input and icon, checked or not.</summary>
    public static string CheckBox(bool on) =>
        $"mud-button-root mud-icon-button mud-default-text hover:mud-default-hover mud-checkbox-dense mud-ripple mud-ripple-checkbox mud-checkbox-{(on ? "true" : "false")}";

    /// <summary>A MudIcon of inherited colour, drawn inline.</summary>
    public static MarkupString Icon(string svg, Size size) =>
        new($"<svg class=\"mud-icon-root mud-svg-icon mud-icon-size-{Name(size)}\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\" role=\"img\">{svg}</svg>");

    // MudBlazor writes these enums in its classes as their lower-case names (its own helper for that is internal).
    private static string Name(Enum value) => value.ToString().ToLowerInvariant();
}
