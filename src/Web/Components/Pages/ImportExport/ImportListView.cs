using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;

namespace GradingPortal.Web.Components.Pages.ImportExport;

/// <summary>What the imports grid shows: status filter, sort, page and page size, kept in the import page's address.</summary>
public sealed record ImportListView(string Status, GridPaging Paging) : IGridAddress
{
    public const string Any = "any";

    public const int DefaultPageSize = 25;

    public static readonly int[] PageSizes = [10, 25, 50, 100];

    /// <summary>Grid columns and the Api's sort keys; no sort is the Api's default, newest first.</summary>
    public static readonly GridSort Sorts = new(
        (nameof(ImportResponse.CreatedAt), "createdAt"),
        (nameof(ImportResponse.Status), "status"),
        (nameof(ImportResponse.ProcessedRecords), "processedRecords"),
        (nameof(ImportResponse.Created), "created"),
        (nameof(ImportResponse.Failed), "failed"));

    public static ImportListView Default { get; } = new(Any, new GridPaging(null, 0, DefaultPageSize));

    public static ImportListView FromQuery(string? status, string? sort, string? page, string? pageSize) => new(
        GridPaging.OneOf(status, ImportView.Statuses, Any),
        GridPaging.FromQuery(Sorts, sort, page, pageSize, PageSizes, DefaultPageSize));

    public IReadOnlyDictionary<string, object?> ToQuery()
    {
        var query = new Dictionary<string, object?> { ["status"] = Status == Any ? null : Status };
        Paging.AddTo(query, DefaultPageSize);
        return query;
    }
}
