using Bunit;
using GradingPortal.Web.Components.Ui;
using MudBlazor;
using MudBlazor.Services;

namespace GradingPortal.Web.Tests;

/// <summary>
/// bUnit: the dark mode's stylesheet is MudBlazor's dark rendering of the app theme reduced to what differs from the light
/// one, and that difference is custom properties only (so a class on the html element can switch the whole mode).
/// </summary>
public sealed class ThemeStylesTests : BunitContext
{
    public ThemeStylesTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void MudThemeProvider_AppThemeLightAndDark_DifferOnlyInCustomPropertyValues()
    {
        var (light, dark) = (Markup(dark: false), Markup(dark: true));

        light.ShouldNotBe(dark);
        ThemeStyles.WithoutPropertyValues(dark).ShouldBe(ThemeStyles.WithoutPropertyValues(light));
    }

    [Fact]
    public void DarkOverrides_AppTheme_HoldsTheDarkPaletteOnTheHtmlClassAndNothingBothModesShare()
    {
        var css = ThemeStyles.DarkOverrides(Markup(dark: false), Markup(dark: true));

        css.ShouldStartWith("html.gp-dark{");
        css.ShouldEndWith("}");
        css.ShouldContain("--mud-palette-background:");
        css.ShouldContain("--mud-palette-primary:rgba(138,180,248,1);");
        // Typography, shadows and z-indexes are the same in both modes and stay with the provider.
        css.ShouldNotContain("--mud-typography");
        css.ShouldNotContain("--mud-zindex");
    }

    [Fact]
    public void DarkOverrides_PropertyOnlyInTheDarkMarkup_IsKept()
    {
        var css = ThemeStyles.DarkOverrides(":root{--a: 1;--b: 2;}", ":root{--a: 1;--b: 3;--c: x y;}");

        css.ShouldBe("html.gp-dark{--b:3;--c:x y;}");
    }

    private string Markup(bool dark) =>
        Render<MudThemeProvider>(p => p.Add(t => t.Theme, AppTheme.Theme).Add(t => t.IsDarkMode, dark)).Markup;
}
