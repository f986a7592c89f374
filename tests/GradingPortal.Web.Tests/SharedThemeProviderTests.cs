using Bunit;
using GradingPortal.Web.Components.Ui;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace GradingPortal.Web.Tests;

/// <summary>
/// bUnit: the layout's theme provider shares one CSS text per theme and mode across circuits (ADR 022) and renders what
/// MudBlazor's own provider renders, in both modes.
/// </summary>
public sealed class SharedThemeProviderTests : BunitContext
{
    public SharedThemeProviderTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SharedThemeProvider_LightOrDark_RendersWhatMudThemeProviderRenders(bool dark)
    {
        var mud = Render<MudThemeProvider>(p => p.Add(t => t.Theme, AppTheme.Theme).Add(t => t.IsDarkMode, dark));
        var shared = Render<SharedThemeProvider>(p => p.Add(t => t.Theme, AppTheme.Theme).Add(t => t.IsDarkMode, dark));

        shared.Markup.ShouldContain("mud-theme-provider");
        shared.MarkupMatches(mud.Markup);
    }

    [Fact]
    public void SharedThemeProvider_TwoCircuitsSameMode_ShareOneCssStringAndSwitchingModeChangesIt()
    {
        var first = Render<SharedThemeProvider>(p => p.Add(t => t.Theme, AppTheme.Theme).Add(t => t.IsDarkMode, false));
        using var second = new BunitContext();
        second.Services.AddMudServices();
        second.JSInterop.Mode = JSRuntimeMode.Loose;
        var other = second.Render<SharedThemeProvider>(p => p.Add(t => t.Theme, AppTheme.Theme).Add(t => t.IsDarkMode, false));

        var light = first.Instance.Css;
        ReferenceEquals(light, other.Instance.Css).ShouldBeTrue("both renderers should hold the same string instance");

        first.Render(p => p.Add(t => t.IsDarkMode, true));
        var dark = first.Instance.Css;
        dark.ShouldNotBe(light);
        ReferenceEquals(dark, first.Instance.Css).ShouldBeTrue();
    }
}
