using System.Collections.Concurrent;
using Microsoft.AspNetCore.Components.Rendering;
using MudBlazor;

namespace GradingPortal.Web.Components.Ui;

/// <summary>
/// MudThemeProvider, rendering the theme's CSS (about 23 KB of text) as one string per distinct text shared by every
/// circuit, where MudThemeProvider's own render keeps a new string per circuit in its render tree (ADR 022, memory per
/// idle circuit). Light and dark switching and the system dark mode watching stay MudBlazor's.
/// </summary>
public sealed class SharedThemeProvider : MudThemeProvider
{
    // Distinct texts, not theme and mode: the mode lives in MudBlazor's own parameter state, and the text built from it is
    // what must match. A render builds the text (as MudThemeProvider does) and keeps the shared copy; its own is garbage.
    private static readonly ConcurrentDictionary<string, string> s_texts = new(StringComparer.Ordinal);

    // The app has one theme in two modes; a stream of made-up themes must not grow this without end.
    private const int MaxTexts = 16;

    // MudThemeProvider's own markup (the scrollbar's style, the chart hover rule, the theme) as one markup frame;
    // SharedThemeProviderTests compares the two, so an upgrade of MudBlazor that changes it is noticed.
    protected override void BuildRenderTree(RenderTreeBuilder builder) => builder.AddMarkupContent(0, Css());

    /// <summary>The CSS markup for this provider's theme and mode: the same string instance in every circuit.</summary>
    internal string Css()
    {
        var text = (DefaultScrollbar ? "" : BuildMudBlazorScrollbar()) + ChartHover + BuildTheme();
        if (s_texts.TryGetValue(text, out var shared))
        {
            return shared;
        }
        return s_texts.Count < MaxTexts ? s_texts.GetOrAdd(text, text) : text;
    }

    private const string ChartHover = "<style>\n    .mud-chart-serie:hover {\n        filter: url(#lighten);\n    }\n</style>";
}
