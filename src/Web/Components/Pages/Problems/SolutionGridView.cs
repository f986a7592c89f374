using System.Globalization;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Problems;

/// <summary>
/// What the problem page's solutions grid shows: search text, state filter, sort and page. It reads itself from the
/// page's query string and writes itself back there, so a reload or a shared link opens the same view.
/// </summary>
public sealed class SolutionGridView
{
    public const int DefaultPageSize = 50;

    public static readonly int[] PageSizes = [25, 50, 100];

    /// <summary>The Api's <c>state</c> values with their labels; "" shows every solution.</summary>
    public static readonly IReadOnlyList<(string Value, string Label)> States =
    [
        ("", "All solutions"),
        ("ungraded", "Ungraded"),
        ("not-mine", "Not graded by me"),
        ("mine", "Graded by me"),
        ("needs-grades", "Needs more grades"),
        ("double", "Graded twice or more"),
        ("needs-final", "Needs adjudication"),
        ("adjudicated", "Adjudicated"),
    ];

    /// <summary>Grid columns (named by their property) and the Api's sort keys; no sort is creation order.</summary>
    public static readonly GridSort Sorts = new(
        (nameof(SolutionSummaryResponse.ExternalId), "externalId"),
        (nameof(SolutionSummaryResponse.Length), "length"),
        (nameof(SolutionSummaryResponse.Annotations), "annotations"),
        (nameof(SolutionSummaryResponse.HumanGrades), "grades"),
        (nameof(SolutionSummaryResponse.MyPoints), "mine"),
        (nameof(SolutionSummaryResponse.AdjudicatedPoints), "final"));

    public string Search { get; set; } = "";

    /// <summary>An Api <c>state</c> value, or "" for all.</summary>
    public string State { get; set; } = "";

    /// <summary>An Api <c>sort</c> value (a key, - first for descending), or "" for creation order.</summary>
    public string Sort { get; set; } = "";

    /// <summary>0-based page.</summary>
    public int Page { get; set; }

    public int PageSize { get; set; } = DefaultPageSize;

    /// <summary>
    /// The view a link asks for, from the query string as text; anything unknown or unparsable falls back to the default
    /// rather than failing the page.
    /// </summary>
    public static SolutionGridView FromQuery(string? search, string? state, string? sort, string? page, string? pageSize)
    {
        var paging = GridPaging.FromQuery(Sorts, sort, page, pageSize, PageSizes, DefaultPageSize);
        return new()
        {
            Search = search?.Trim() ?? "",
            State = States.Any(s => s.Value == state) ? state! : "",
            Sort = paging.Sort ?? "",
            Page = paging.Page,
            PageSize = paging.PageSize,
        };
    }

    /// <summary>The query string parameters for this view; defaults are left out (null removes them from the address).</summary>
    public IReadOnlyDictionary<string, object?> ToQuery() => new Dictionary<string, object?>
    {
        ["q"] = Search.Length > 0 ? Search : null,
        ["state"] = State.Length > 0 ? State : null,
        ["sort"] = Sort.Length > 0 ? Sort : null,
        ["page"] = Page > 0 ? (Page + 1).ToString(CultureInfo.InvariantCulture) : null,
        ["pageSize"] = PageSize != DefaultPageSize ? PageSize.ToString(CultureInfo.InvariantCulture) : null,
    };

    /// <summary>The Api's sort for the grid's sort definition, or "" for creation order (no sorted column).</summary>
    public static string ApiSort(string? column, bool descending) => Sorts.ApiSort(column, descending) ?? "";

    /// <summary>How a column starts out sorted, from the view's sort (for the grid's header arrows).</summary>
    public SortDirection DirectionOf(string column) => Sorts.DirectionOf(Sort, column);

    /// <summary>What the search box searches, which depends on whether the project shows authors.</summary>
    public static string SearchPlaceholder(bool authorsShown) => authorsShown ? "Filter by id or author" : "Filter by id";
}
