using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;

namespace GradingPortal.Web.Components.Pages.Runs;

/// <summary>
/// What the runs grid shows: status and workflow filters, sort, page and page size, read from the address and written
/// back to it so a reload or a shared link shows the same runs.
/// </summary>
public sealed record RunListView(string Status, string Workflow, GridPaging Paging) : IGridAddress
{
    /// <summary>The selects' "no filter" choice (MudSelect needs a value to show it).</summary>
    public const string Any = "any";

    public const int DefaultPageSize = 25;

    public static readonly int[] PageSizes = [10, 25, 50, 100];

    /// <summary>Grid columns (named by their property) and the Api's sort keys; no sort is the Api's default, newest first.</summary>
    public static readonly GridSort Sorts = new(
        (nameof(GradingRunSummaryResponse.CreatedAt), "createdAt"),
        (nameof(GradingRunSummaryResponse.Status), "status"),
        (nameof(GradingRunSummaryResponse.Counts), "progress"),
        (nameof(GradingRunSummaryResponse.Cost), "cost"));

    public static RunListView Default { get; } = new(Any, Any, new GridPaging(null, 0, DefaultPageSize));

    /// <summary>The view a link asks for; a status or workflow the project does not know falls back to "any".</summary>
    public static RunListView FromQuery(string? status, string? workflow, string? sort, string? page, string? pageSize,
        IEnumerable<string> workflows) => new(
            GridPaging.OneOf(status, RunView.Statuses, Any),
            GridPaging.OneOf(workflow, workflows, Any),
            GridPaging.FromQuery(Sorts, sort, page, pageSize, PageSizes, DefaultPageSize));

    /// <summary>The address's query for this view; defaults are null, which leaves them out.</summary>
    public IReadOnlyDictionary<string, object?> ToQuery()
    {
        var query = new Dictionary<string, object?>
        {
            ["status"] = Status == Any ? null : Status,
            ["workflow"] = Workflow == Any ? null : Workflow,
        };
        Paging.AddTo(query, DefaultPageSize);
        return query;
    }

    /// <summary>The Api's filter value for a select's choice.</summary>
    public static string? Filter(string value) => value == Any ? null : value;
}
