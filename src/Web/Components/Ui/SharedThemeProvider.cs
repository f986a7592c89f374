using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.RenderTree;
using MudBlazor;

namespace GradingPortal.Web.Components.Ui;

/// <summary>
/// MudThemeProvider, rendering its markup (the theme's CSS, about 23 KB of text) as one string per distinct text shared
/// by every circuit, where MudThemeProvider's own render keeps a new string per circuit in its render tree (ADR 022,
/// memory per idle circuit). Light and dark switching and the system dark mode watching stay MudBlazor's.
/// </summary>
public sealed class SharedThemeProvider : MudThemeProvider
{
    // Distinct texts, not theme and mode: the mode lives in MudBlazor's own parameter state (following the system's mode
    // changes it), and the text built from it is what must match.
    private static readonly ConcurrentDictionary<string, string> s_texts = new(StringComparer.Ordinal);

    // The app has one theme in two modes; a stream of made-up themes must not grow this without end.
    private const int MaxTexts = 16;

    /// <summary>The markup this provider rendered last: the same string instance in every circuit with the same theme and mode.</summary>
    internal string? Css { get; private set; }

    // MudBlazor renders its markup into a scratch tree (as it would into the circuit's) and only the shared copy of that
    // text goes into the circuit's tree; the scratch copy is garbage at once. Whatever MudBlazor renders that is not
    // plain markup (none in 9.14) is rendered as MudBlazor renders it.
    // Reading frames is framework-internal API (BL0006) that may change between releases of ASP.NET Core; the bUnit tests
    // that compare this markup with MudThemeProvider's would fail on such a change.
#pragma warning disable BL0006
    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        using var scratch = new RenderTreeBuilder();
        base.BuildRenderTree(scratch);
        var frames = scratch.GetFrames();
        var text = new StringBuilder();
        for (var i = 0; i < frames.Count; i++)
        {
            var frame = frames.Array[i];
            switch (frame.FrameType)
            {
                case RenderTreeFrameType.Markup:
                    text.Append(frame.MarkupContent);
                    break;
                case RenderTreeFrameType.Text:
                    text.Append(WebUtility.HtmlEncode(frame.TextContent));
                    break;
                default:
                    Css = null;
                    base.BuildRenderTree(builder);
                    return;
            }
        }
        Css = Share(text.ToString());
        builder.AddMarkupContent(0, Css);
    }
#pragma warning restore BL0006

    private static string Share(string text)
    {
        if (s_texts.TryGetValue(text, out var shared))
        {
            return shared;
        }
        return s_texts.Count < MaxTexts ? s_texts.GetOrAdd(text, text) : text;
    }
}
