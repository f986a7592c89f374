using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;

namespace GradingPortal.Web.Components.Pages.Runs;

/// <summary>
/// What a run's failures grid shows: state filter, search text, sort, page and page size, kept in the run page's
/// address (<c>status</c>, <c>q</c>, <c>sort</c>, <c>page</c>, <c>pageSize</c>).
/// </summary>
public sealed record RunFailureView(string Status, string Search, GridPaging Paging) : IGridAddress
{
    public const string Any = "any";

    public const int DefaultPageSize = 25;

    public static readonly int[] PageSizes = [10, 25, 50, 100];

    /// <summary>The states the filter offers, as the Api names them.</summary>
    public static readonly string[] Statuses = ["failed", "needsAttention"];

    /// <summary>Grid columns and the Api's sort keys; no sort is the Api's default, in the order the items finished.</summary>
    public static readonly GridSort Sorts = new(
        (nameof(RunFailureResponse.ExternalId), "solution"),
        (nameof(RunFailureResponse.Status), "status"),
        (nameof(RunFailureResponse.Attempts), "attempts"));

    public static RunFailureView Default { get; } = new(Any, "", new GridPaging(null, 0, DefaultPageSize));

    public static RunFailureView FromQuery(string? status, string? search, string? sort, string? page, string? pageSize) => new(
        GridPaging.OneOf(status, Statuses, Any),
        search?.Trim() ?? "",
        GridPaging.FromQuery(Sorts, sort, page, pageSize, PageSizes, DefaultPageSize));

    public IReadOnlyDictionary<string, object?> ToQuery()
    {
        var query = new Dictionary<string, object?>
        {
            ["status"] = Status == Any ? null : Status,
            ["q"] = Format.Blank(Search),
        };
        Paging.AddTo(query, DefaultPageSize);
        return query;
    }
}
