using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Shared;

/// <summary>
/// A server-side grid's sortable columns and the Api sort key each one asks for. The grid names a column by its
/// property (or property path), the Api by a key with a leading - for descending; the address keeps the Api's form,
/// so a sort read back from a link has to find its column again.
/// </summary>
public sealed class GridSort
{
    private readonly Dictionary<string, string> _keyByColumn;

    public GridSort(params (string Column, string Key)[] columns)
    {
        _keyByColumn = columns.ToDictionary(c => c.Column, c => c.Key, StringComparer.Ordinal);
    }

    /// <summary>The Api's <c>sort</c> for a sorted column, or null for a column the Api cannot sort by (its default order).</summary>
    public string? ApiSort(string? column, bool descending) =>
        column is not null && _keyByColumn.TryGetValue(column, out var key) ? (descending ? "-" : "") + key : null;

    /// <summary>The Api's <c>sort</c> for the grid's first sort definition, or null when no column is sorted.</summary>
    public string? Of<T>(GridState<T> state) => state.SortDefinitions.FirstOrDefault() is { } by ? ApiSort(by.SortBy, by.Descending) : null;

    /// <summary><paramref name="sort"/> if it is one of these keys (with or without -), otherwise null: a hand-edited address falls back.</summary>
    public string? Known(string? sort)
    {
        var key = sort?.Trim();
        return key is { Length: > 0 } && _keyByColumn.ContainsValue(key.StartsWith('-') ? key[1..] : key) ? key : null;
    }

    /// <summary>How <paramref name="column"/> starts out when the view is sorted by <paramref name="sort"/> (for the header's arrow).</summary>
    public SortDirection DirectionOf(string? sort, string column)
    {
        if (sort is null || !_keyByColumn.TryGetValue(column, out var key))
        {
            return SortDirection.None;
        }
        return sort == key ? SortDirection.Ascending : sort == "-" + key ? SortDirection.Descending : SortDirection.None;
    }
}

/// <summary>
/// Sort, page (0-based, as the grid counts) and page size of a grid as its address keeps them: <c>sort</c>, <c>page</c>
/// (1-based, as people read it) and <c>pageSize</c>, each left out when it is the default.
/// </summary>
public sealed record GridPaging(string? Sort, int Page, int PageSize)
{
    /// <summary>
    /// The paging a link asks for. Anything the grid cannot show (an unknown sort, a page that is not a positive whole number,
    /// a page size the pager does not offer) falls back to the default instead of failing the page.
    /// </summary>
    public static GridPaging FromQuery(GridSort sorts, string? sort, string? page, string? pageSize, IReadOnlyCollection<int> pageSizes,
        int defaultPageSize) => new(
            sorts.Known(sort),
            int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 1 ? number - 1 : 0,
            int.TryParse(pageSize, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && pageSizes.Contains(size) ? size : defaultPageSize);

    /// <summary>What the grid's state shows now, as paging.</summary>
    public static GridPaging Of<T>(GridSort sorts, GridState<T> state) => new(sorts.Of(state), state.Page, state.PageSize);

    /// <summary>Adds <c>sort</c>, <c>page</c> and <c>pageSize</c> to <paramref name="query"/>; a default value is null, which takes it out of the address.</summary>
    public void AddTo(IDictionary<string, object?> query, int defaultPageSize)
    {
        query["sort"] = Sort;
        query["page"] = Page > 0 ? (Page + 1).ToString(CultureInfo.InvariantCulture) : null;
        query["pageSize"] = PageSize != defaultPageSize ? PageSize.ToString(CultureInfo.InvariantCulture) : null;
    }

    /// <summary>A page number or size as the generated client takes it.</summary>
    public static string ApiNumber(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The longest search the Api's lists take.</summary>
    public const int MaxSearchLength = 200;

    /// <summary>
    /// A search from the address, trimmed; one longer than the Api takes falls back to no search rather than an error
    /// under the grid.
    /// </summary>
    public static string SearchOf(string? text) => text?.Trim() is { Length: <= MaxSearchLength } trimmed ? trimmed : "";

    /// <summary>A filter's value if it is one of <paramref name="allowed"/>, otherwise <paramref name="fallback"/>.</summary>
    public static string OneOf(string? value, IEnumerable<string> allowed, string fallback) =>
        value is not null && allowed.Contains(value, StringComparer.Ordinal) ? value : fallback;
}

/// <summary>A grid's view as query string parameters.</summary>
public interface IGridAddress
{
    /// <summary>The parameters of this view; a default value is null, which leaves it out of the address.</summary>
    IReadOnlyDictionary<string, object?> ToQuery();
}

/// <summary>
/// A grid's view kept in the page's address. The grid writes each view it loads into the address, replacing the history
/// entry (as the solutions grid does): Back leaves the page rather than stepping through every sort and page, and coming
/// back shows the same rows. A view that arrives from the address and is neither the one shown nor one the grid wrote
/// itself (the address change comes back a round trip later) is a new view from outside, Back or a link: the grid is
/// rebuilt from it (<see cref="Key"/> changes).
/// </summary>
public sealed class AddressedView<TView> where TView : class, IGridAddress
{
    private const int Remembered = 8;
    private readonly Queue<TView> _written = new();

    public AddressedView(TView initial)
    {
        Current = initial;
    }

    /// <summary>The view shown (or being loaded).</summary>
    public TView Current { get; set; }

    /// <summary>The grid's <c>@key</c>: changes when a view from outside replaces the one shown, so a fresh grid starts from it.</summary>
    public int Key { get; private set; }

    /// <summary>Takes the view the address names; true if it is a new one from outside and the grid starts again from it.</summary>
    public bool Arrive(TView fromAddress)
    {
        if (fromAddress.Equals(Current) || _written.Contains(fromAddress))
        {
            return false;
        }
        StartOver(fromAddress);
        return true;
    }

    /// <summary>Rebuilds the grid from <paramref name="view"/>, as for a view from the address (e.g. the first page instead of one past the end).</summary>
    public void StartOver(TView view)
    {
        Current = view;
        Key++;
        _written.Clear();
    }

    /// <summary>
    /// The grid's rows for a page the Api answered for <paramref name="view"/>. A page past the end (an old link, or rows
    /// gone since) starts the grid again from <paramref name="firstPage"/>, and <paramref name="refresh"/> re-renders the
    /// page so the rebuilt grid loads it; a view replaced meanwhile (a filter, or Back) loads again and writes itself, so
    /// only the view still shown goes into the address.
    /// </summary>
    public GridData<T> Answer<T>(NavigationManager navigation, TView view, int page, IReadOnlyCollection<T> items, int total,
        Func<TView> firstPage, Action refresh)
    {
        if (items.Count == 0 && total > 0 && page > 0)
        {
            StartOver(firstPage());
            refresh();
            return new GridData<T> { Items = [], TotalItems = total };
        }
        if (view == Current)
        {
            Write(navigation, view);
        }
        return new GridData<T> { Items = items, TotalItems = total };
    }

    /// <summary>Puts a view just loaded into the address.</summary>
    public void Write(NavigationManager navigation, TView view)
    {
        if (_written.Count == Remembered)
        {
            _written.Dequeue();
        }
        _written.Enqueue(view);
        var uri = navigation.GetUriWithQueryParameters(view.ToQuery());
        if (uri != navigation.Uri)
        {
            navigation.NavigateTo(uri, replace: true);
        }
    }
}

/// <summary>Reloading a server-side grid.</summary>
public static class GridReload
{
    /// <summary>After a filter changed: back to the first page (moving there loads it), or the first page again.</summary>
    public static async Task FromFirstPageAsync<T>(MudDataGrid<T>? grid)
    {
        if (grid is null)
        {
            return;
        }
        if (grid.CurrentPage != 0)
        {
            grid.NavigateTo(Page.First);
        }
        else
        {
            await grid.ReloadServerData();
        }
    }
}
