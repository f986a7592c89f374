using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;

namespace GradingPortal.Web.Components.Pages.Admin;

/// <summary>
/// What the users grid shows: search text, status filter, sort, page and page size, kept in the page's address
/// (<c>q</c>, <c>status</c>, <c>sort</c>, <c>page</c>, <c>pageSize</c>).
/// </summary>
public sealed record UserListView(string Search, string Status, GridPaging Paging) : IGridAddress
{
    /// <summary>The status select's "no filter" choice.</summary>
    public const string Any = "any";

    public const int DefaultPageSize = 25;

    public static readonly int[] PageSizes = [10, 25, 50, 100];

    /// <summary>The statuses the filter offers, as the Api names them.</summary>
    public static readonly string[] Statuses = ["active", "admin", "disabled"];

    /// <summary>Grid columns (named by their property) and the Api's sort keys; no sort is the Api's default, by name.</summary>
    public static readonly GridSort Sorts = new(
        (nameof(UserResponse.DisplayName), "name"),
        (nameof(UserResponse.Email), "email"),
        (nameof(UserResponse.CreatedAt), "createdAt"),
        (nameof(UserResponse.DisabledAt), "status"));

    public static UserListView Default { get; } = new("", Any, new GridPaging(null, 0, DefaultPageSize));

    public static UserListView FromQuery(string? search, string? status, string? sort, string? page, string? pageSize) => new(
        GridPaging.SearchOf(search),
        GridPaging.OneOf(status, Statuses, Any),
        GridPaging.FromQuery(Sorts, sort, page, pageSize, PageSizes, DefaultPageSize));

    public IReadOnlyDictionary<string, object?> ToQuery()
    {
        var query = new Dictionary<string, object?>
        {
            ["q"] = Format.Blank(Search),
            ["status"] = Status == Any ? null : Status,
        };
        Paging.AddTo(query, DefaultPageSize);
        return query;
    }
}
