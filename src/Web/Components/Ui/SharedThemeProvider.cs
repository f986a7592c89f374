using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Components.Rendering;
using MudBlazor;

namespace GradingPortal.Web.Components.Ui;

/// <summary>
/// MudThemeProvider, rendering the theme's CSS (about 23 KB of text) from one string per theme and mode shared by every
/// circuit, where MudThemeProvider builds a new string on each render and each circuit keeps its own in its render tree
/// (ADR 022, memory per idle circuit). Light and dark switching and the system dark mode watching stay MudBlazor's.
/// </summary>
public sealed class SharedThemeProvider : MudThemeProvider
{
    // Keyed by the theme object: the app has one, and a theme made per circuit would leave with its circuit.
    private static readonly ConditionalWeakTable<MudTheme, string?[]> s_css = [];

    // The same output as MudThemeProvider's own markup (the scrollbar's style, the chart hover rule, the theme), as one
    // markup frame; SharedThemeProviderTests compares the two, so an upgrade of MudBlazor that changes it is noticed.
    protected override void BuildRenderTree(RenderTreeBuilder builder) => builder.AddMarkupContent(0, Css());

    /// <summary>The CSS markup for this provider's theme and mode: the same string instance for every circuit.</summary>
    internal string Css()
    {
        var cached = s_css.GetValue(GetTheme(), static _ => new string?[4]);
        var slot = (IsDarkMode ? 1 : 0) + (DefaultScrollbar ? 2 : 0);
        // A race builds the same text twice and keeps one: harmless.
        return cached[slot] ??= (DefaultScrollbar ? "" : BuildMudBlazorScrollbar()) + ChartHover + BuildTheme();
    }

    private const string ChartHover = "<style>\n    .mud-chart-serie:hover {\n        filter: url(#lighten);\n    }\n</style>";
}
