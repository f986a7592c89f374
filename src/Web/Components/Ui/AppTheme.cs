using MudBlazor;

namespace GradingPortal.Web.Components.Ui;

/// <summary>The portal's MudBlazor theme. Colours are chosen for at least 4.5:1 contrast of text on them (axe's AA check).</summary>
public static class AppTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f4e8c",
            Secondary = "#6a3d9a",
            AppbarBackground = "#1f4e8c",
            AppbarText = "#ffffff",
            TextSecondary = "rgba(0,0,0,0.68)",
            ActionDefault = "rgba(0,0,0,0.68)",
            // MudBlazor's default status colours fail 4.5:1 as white-on-colour fills and as text on white; these pass both, and as alert text on their own tint.
            Success = "#1e6b2e",
            Warning = "#8a4b00",
            Info = "#0b5a87",
            Error = "#b3261e",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8ab4f8",
            PrimaryContrastText = "#0b1b33",
            Secondary = "#c7a6f5",
            SecondaryContrastText = "#1d0b33",
            TextSecondary = "rgba(255,255,255,0.78)",
            ActionDefault = "rgba(255,255,255,0.78)",
            AppbarBackground = "#1b1f27",
            AppbarText = "#ffffff",
            // MudBlazor's dark status colours carry white text at under 4.5:1 (the Annotate button, severity chips): light
            // tones with dark text instead, which also read as text on the dark surface.
            Success = "#81c995",
            SuccessContrastText = "#0b2913",
            Warning = "#ffb74d",
            WarningContrastText = "#2b1700",
            Info = "#7cc4f8",
            InfoContrastText = "#05223a",
            Error = "#f28b82",
            ErrorContrastText = "#330b08",
        },
    };
}
