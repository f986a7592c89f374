using System.Globalization;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Runs;

/// <summary>What the failures grid asks the Api for: a 1-based page, its size, and the Api's sort, status and search (null: none).</summary>
public sealed record RunFailureQuery(int Page, int PageSize, string? Sort, string? Status, string? Search);

public sealed partial class RunFailuresGrid
{
    private const string AnyValue = "any";

    private static readonly int[] s_pageSizes = [10, 25, 50, 100];

    private MudDataGrid<RunFailureResponse>? _grid;
    private ApiError? _error;
    private string _status = AnyValue;
    private string _search = "";
    private (int Failed, int NeedsAttention) _shown = (-1, -1);

    /// <summary>How many items failed now; the grid reads its page again only when this or <see cref="NeedsAttention"/> changes.</summary>
    [Parameter]
    public int Failed { get; set; }

    [Parameter]
    public int NeedsAttention { get; set; }

    /// <summary>Fetches a page: the Api's <c>ListGradingRunFailures</c> for the run shown.</summary>
    [Parameter, EditorRequired]
    public Func<RunFailureQuery, CancellationToken, Task<RunFailurePageResponse>> LoadPage { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        // The run page hands over a fresh run every second while it runs; most seconds no failure came or went, and then
        // the grid keeps what it shows instead of asking the Api again.
        if (_grid is not null && _shown.Failed >= 0 && (Failed, NeedsAttention) != _shown)
        {
            await _grid.ReloadServerData();
        }
    }

    private async Task<GridData<RunFailureResponse>> LoadAsync(GridState<RunFailureResponse> state, CancellationToken ct)
    {
        _shown = (Failed, NeedsAttention);
        var sort = state.SortDefinitions.FirstOrDefault() is { } by ? ApiSort(by.SortBy, by.Descending) : null;
        var query = new RunFailureQuery(state.Page + 1, state.PageSize, sort, _status == AnyValue ? null : _status,
            Format.Blank(_search));
        (var page, _error) = await ApiCall.TryAsync(() => LoadPage(query, ct));
        if (page is null)
        {
            StateHasChanged();
            return new GridData<RunFailureResponse> { Items = [], TotalItems = 0 };
        }
        return new GridData<RunFailureResponse> { Items = page.Items, TotalItems = page.Total };
    }

    /// <summary>The Api's <c>sort</c> for a grid column (named by its property), or null for the Api's default (in the order they finished).</summary>
    public static string? ApiSort(string? column, bool descending)
    {
        var key = column switch
        {
            nameof(RunFailureResponse.ExternalId) => "solution",
            nameof(RunFailureResponse.Status) => "status",
            nameof(RunFailureResponse.Attempts) => "attempts",
            _ => null,
        };
        return key is null ? null : descending ? "-" + key : key;
    }

    /// <summary>The query string values of a page request, as the generated client takes them.</summary>
    public static (string Page, string PageSize) Paging(RunFailureQuery query) =>
        (query.Page.ToString(CultureInfo.InvariantCulture), query.PageSize.ToString(CultureInfo.InvariantCulture));

    private async Task StatusChangedAsync(string value)
    {
        _status = value ?? AnyValue;
        await ReloadAsync();
    }

    private async Task SearchChangedAsync(string? value)
    {
        _search = value ?? "";
        await ReloadAsync();
    }

    private Task ReloadAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;
}
