using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.ImportExport;

/// <summary>What the failures grid asks the Api for: where the page starts, its size, and the Api's sort and search (null: none).</summary>
public sealed record ImportFailureQuery(int Offset, int Limit, string? Sort, string? Search);

public sealed partial class ImportFailuresGrid
{
    public const int PageSize = 25;

    private static readonly int[] s_pageSizes = [25, 50, 100];

    /// <summary>The Record column is the only sortable one: failures are numbered in line order.</summary>
    public static readonly GridSort Sorts = new((nameof(ImportFailureResponse.Record), "line"));

    private MudDataGrid<ImportFailureResponse>? _grid;
    private ApiError? _error;
    private int _shownFailed = -1;
    private string _search = "";

    /// <summary>How many records failed (the grid reloads its page when this grows while the import runs).</summary>
    [Parameter]
    public int Failed { get; set; }

    /// <summary>How many of them the Api keeps, and so the grid can page through.</summary>
    [Parameter]
    public int Stored { get; set; }

    [Parameter]
    public bool Finished { get; set; }

    /// <summary>Fetches a page of failures: the Api's <c>ListImportFailures</c> for the import shown.</summary>
    [Parameter, EditorRequired]
    public Func<ImportFailureQuery, CancellationToken, Task<ImportFailurePageResponse>> LoadPage { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        // New failures arrived while the grid was showing: read its page again, keeping where the person is.
        if (_grid is not null && _shownFailed >= 0 && Failed != _shownFailed)
        {
            await _grid.ReloadServerData();
        }
    }

    private async Task<GridData<ImportFailureResponse>> LoadAsync(GridState<ImportFailureResponse> state, CancellationToken ct)
    {
        _error = null;
        _shownFailed = Failed;
        var sort = Sorts.Of(state);
        (var page, _error) = await ApiCall.TryAsync(() => LoadPage(new ImportFailureQuery(state.Page * state.PageSize, state.PageSize, sort,
            Format.Blank(_search)), ct));
        return page is null
            ? new GridData<ImportFailureResponse> { Items = [], TotalItems = 0 }
            : new GridData<ImportFailureResponse> { Items = page.Items, TotalItems = page.Matching };
    }

    private async Task SearchChangedAsync(string? value)
    {
        _search = value ?? "";
        if (_grid is not null)
        {
            await _grid.ReloadServerData();
        }
    }
}
