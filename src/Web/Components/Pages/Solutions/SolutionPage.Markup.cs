using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Solutions;

// The classes of the page's plain buttons and grid, made once per process: a class built per render would be a new string in
// each of a circuit's two render trees.
public sealed partial class SolutionPage
{
    private static readonly string s_smallOutlined = MudMarkup.Button(Variant.Outlined, Color.Default, Size.Small);
    private static readonly string s_smallFilledWarning = MudMarkup.Button(Variant.Filled, Color.Warning, Size.Small);
    private static readonly string s_smallOutlinedGroup = MudMarkup.Group(Variant.Outlined, Size.Small);
    private static readonly string s_groupButton = MudMarkup.Button(Variant.Text, Color.Default, Size.Medium);
    private static readonly string s_groupButtonOn = MudMarkup.Button(Variant.Text, Color.Primary, Size.Medium);
    private static readonly string s_grid = MudMarkup.Grid(3);
    private static readonly string s_proofColumn = MudMarkup.GridItem(12, 7);
    private static readonly string s_sideColumn = MudMarkup.GridItem(12, 5);
    private static readonly MarkupString s_downloadIcon = MudMarkup.StartIcon(Icons.Material.Filled.Download, Size.Small);
}
