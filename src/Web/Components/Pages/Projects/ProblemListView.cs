using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;

namespace GradingPortal.Web.Components.Pages.Projects;

/// <summary>
/// What the project page's problems grid shows: search text, sort, page and page size, kept in the page's address
/// (<c>q</c>, <c>sort</c>, <c>page</c>, <c>pageSize</c>).
/// </summary>
public sealed record ProblemListView(string Search, GridPaging Paging) : IGridAddress
{
    public const int DefaultPageSize = 25;

    public static readonly int[] PageSizes = [10, 25, 50, 100];

    /// <summary>Grid columns (named by their property path) and the Api's sort keys; no sort is creation order.</summary>
    public static readonly GridSort Sorts = new(
        (nameof(ProblemSummaryResponse.Title), "title"),
        ("Counts.Solutions", "solutions"),
        ("Counts.Graded", "graded"),
        ("Counts.Annotated", "annotated"));

    public static ProblemListView Default { get; } = new("", new GridPaging(null, 0, DefaultPageSize));

    public static ProblemListView FromQuery(string? search, string? sort, string? page, string? pageSize) => new(
        GridPaging.SearchOf(search),
        GridPaging.FromQuery(Sorts, sort, page, pageSize, PageSizes, DefaultPageSize));

    public IReadOnlyDictionary<string, object?> ToQuery()
    {
        var query = new Dictionary<string, object?> { ["q"] = Format.Blank(Search) };
        Paging.AddTo(query, DefaultPageSize);
        return query;
    }
}
