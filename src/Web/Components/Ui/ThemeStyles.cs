using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace GradingPortal.Web.Components.Ui;

/// <summary>
/// The dark mode as a stylesheet: the custom properties whose values differ between MudBlazor's light and dark renderings
/// of the app theme, scoped to <c>html.gp-dark</c>. The layout always renders the light theme, and the browser switches
/// modes by that class alone (<c>layout.js</c>), so the toggle works before the circuit starts and a circuit starting
/// later has nothing of its own to flip back (docs/web-architecture.md, "The app's chrome").
/// </summary>
public sealed partial class ThemeStyles
{
    /// <summary>The class on the html element that turns the dark mode on.</summary>
    public const string DarkClass = "gp-dark";

    /// <summary>Where the stylesheet is served; <see cref="Url"/> adds its content hash.</summary>
    public const string Path = "/theme/dark.css";

    public ThemeStyles(IServiceProvider services, ILoggerFactory loggers)
    {
        // Built once per process. MudBlazor's provider renders synchronously (its JS runs only after a render in a browser,
        // which the static renderer never does), so waiting here does not hold a thread for long.
        var light = RenderAsync(services, loggers, dark: false).GetAwaiter().GetResult();
        var dark = RenderAsync(services, loggers, dark: true).GetAwaiter().GetResult();
        Css = DarkOverrides(light, dark);
        Url = $"{Path}?v={Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Css)))[..12]}";
    }

    /// <summary>
    /// The cookie that remembers a person's choice in this browser (<c>dark</c> or <c>light</c>), one per person since
    /// several may share a browser. Not HttpOnly: <c>layout.js</c> writes it when the toggle is clicked, with or without a
    /// circuit, and <c>App</c> reads it to render the page in that mode from the first paint.
    /// </summary>
    public static string CookieName(Guid userId) => $"gp.theme.{userId:N}";

    /// <summary>Whether the person signed in on this request chose the dark mode.</summary>
    public static bool IsDark(HttpContext context) => Auth.Session.From(context.User) is { } session
        && context.Request.Cookies[CookieName(session.UserId)] == "dark";

    /// <summary>The stylesheet's text.</summary>
    public string Css { get; }

    /// <summary>The stylesheet's address with its content hash, cached by browsers for a year.</summary>
    public string Url { get; }

    /// <summary>
    /// The declarations of <paramref name="darkMarkup"/> whose custom property has another value (or none) in
    /// <paramref name="lightMarkup"/>, as one rule on <c>html.gp-dark</c> (more specific than the provider's
    /// <c>:root</c>, so the order of the two in the document does not matter).
    /// </summary>
    public static string DarkOverrides(string lightMarkup, string darkMarkup)
    {
        var light = Properties(lightMarkup);
        var css = new StringBuilder($"html.{DarkClass}{{");
        foreach (var (name, value) in Properties(darkMarkup))
        {
            if (!light.TryGetValue(name, out var lightValue) || lightValue != value)
            {
                css.Append(name).Append(':').Append(value).Append(';');
            }
        }
        return css.Append('}').ToString();
    }

    /// <summary>The markup with every custom property's value blanked: equal for both modes when only properties differ.</summary>
    internal static string WithoutPropertyValues(string markup) => PropertyPattern().Replace(markup, m => m.Groups["name"].Value + ":;");

    private static Dictionary<string, string> Properties(string markup)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match match in PropertyPattern().Matches(markup))
        {
            properties[match.Groups["name"].Value] = match.Groups["value"].Value.Trim();
        }
        return properties;
    }

    private static async Task<string> RenderAsync(IServiceProvider services, ILoggerFactory loggers, bool dark)
    {
        await using var scope = services.CreateAsyncScope();
        await using var renderer = new HtmlRenderer(scope.ServiceProvider, loggers);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var parameters = ParameterView.FromDictionary(new Dictionary<string, object?>
            {
                [nameof(MudThemeProvider.Theme)] = AppTheme.Theme,
                [nameof(MudThemeProvider.IsDarkMode)] = dark,
            });
            var output = await renderer.RenderComponentAsync<MudThemeProvider>(parameters);
            return output.ToHtmlString();
        });
    }

    [GeneratedRegex(@"(?<name>--[A-Za-z0-9-]+)\s*:(?<value>[^;{}]*);")]
    private static partial Regex PropertyPattern();
}
