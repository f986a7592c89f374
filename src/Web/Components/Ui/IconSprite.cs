using System.Collections.Concurrent;
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

    // The app's chrome (app bar, user menu, navigation): drawn in every circuit, so they point here as well.
    public const string Menu = "gp-i-menu";
    public const string LightMode = "gp-i-light";
    public const string DarkMode = "gp-i-dark";
    public const string Account = "gp-i-account";
    public const string Password = "gp-i-password";
    public const string Key = "gp-i-key";
    public const string Logout = "gp-i-logout";
    public const string Projects = "gp-i-projects";
    public const string Project = "gp-i-project";
    public const string Insights = "gp-i-insights";
    public const string FactCheck = "gp-i-factcheck";
    public const string Checklist = "gp-i-checklist";
    public const string Runs = "gp-i-runs";
    public const string Upload = "gp-i-upload";
    public const string Download = "gp-i-download";
    public const string Admin = "gp-i-admin";
    public const string People = "gp-i-people";
    public const string Memory = "gp-i-memory";
    public const string Work = "gp-i-work";

    private static readonly (string Id, string Svg)[] s_icons =
    [
        (Show, Icons.Material.Filled.CenterFocusStrong),
        (Edit, Icons.Material.Filled.Edit),
        (Delete, Icons.Material.Filled.Delete),
        (Menu, Icons.Material.Filled.Menu),
        (LightMode, Icons.Material.Filled.LightMode),
        (DarkMode, Icons.Material.Filled.DarkMode),
        (Account, Icons.Material.Filled.AccountCircle),
        (Password, Icons.Material.Filled.Password),
        (Key, Icons.Material.Filled.Key),
        (Logout, Icons.Material.Filled.Logout),
        (Projects, Icons.Material.Filled.FolderOpen),
        (Project, Icons.Material.Filled.Folder),
        (Insights, Icons.Material.Filled.Insights),
        (FactCheck, Icons.Material.Filled.FactCheck),
        (Checklist, Icons.Material.Filled.Checklist),
        (Runs, Icons.Material.Filled.PlayCircle),
        (Upload, Icons.Material.Filled.UploadFile),
        (Download, Icons.Material.Filled.Download),
        (Admin, Icons.Material.Filled.AdminPanelSettings),
        (People, Icons.Material.Filled.People),
        (Memory, Icons.Material.Filled.Memory),
        (Work, Icons.Material.Filled.Work),
    ];

    private static readonly ConcurrentDictionary<string, MarkupString> s_uses = new(StringComparer.Ordinal);

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

    /// <summary>
    /// <see cref="Use"/> at the medium size as markup, one instance per icon for every render of every circuit (the chrome
    /// renders these on each navigation).
    /// </summary>
    public static MarkupString Medium(string id) => s_uses.GetOrAdd(id, static i => new MarkupString(Use(i, Size.Medium)));
}
