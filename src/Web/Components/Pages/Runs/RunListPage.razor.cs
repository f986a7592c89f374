using System.Globalization;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Runs;

/// <summary>A project's grading runs, and (Adjudicators and Admins) the form that starts one with its live estimate.</summary>
public sealed partial class RunListPage
{
    /// <summary>The selects' "no filter" choice (MudSelect needs a value to show it).</summary>
    private const string AnyValue = "any";

    private static readonly int[] s_pageSizes = [10, 25, 50, 100];

    private ProjectResponse? _project;
    private MudDataGrid<GradingRunSummaryResponse>? _grid;
    private IReadOnlyList<WorkflowResponse> _workflows = [];
    private string _status = AnyValue;
    private string _workflow = AnyValue;
    private ApiError? _listError;
    private IReadOnlyList<ProblemSummaryResponse> _problems = [];
    private GradingRunOptionsResponse? _options;
    private ApiError? _loadError;
    private bool _isSiteAdmin;

    [Parameter]
    public Guid ProjectId { get; set; }

    /// <summary>Started from a problem page: only that problem is ticked.</summary>
    [SupplyParameterFromQuery(Name = "problem")]
    public Guid? ProblemId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    private bool CanStart => Format.CanEditContent(_project?.MyRole);

    private List<BreadcrumbItem> Trail =>
    [
        new(_project?.Name ?? "Project", $"/projects/{ProjectId}"),
        new("Grading runs", null, disabled: true),
    ];

    protected override async Task OnParametersSetAsync()
    {
        _loadError = await ApiCall.TryAsync(async () =>
        {
            _project = await Api.GetProjectAsync(ProjectId, CancellationToken.None);
            // Everyone gets the workflows (for the filter); only those who may start a run get profiles with them.
            _options = await Api.GetGradingRunOptionsAsync(ProjectId, CancellationToken.None);
            _workflows = _options.Workflows;
            if (CanStart)
            {
                _problems = (await Api.ListProblemsAsync(ProjectId, CancellationToken.None)).ToList();
                // Only needed to say who can add a profile when the project has none.
                _isSiteAdmin = _options.Profiles.Count == 0 && (await Api.GetCurrentUserAsync(CancellationToken.None)).IsAdmin;
            }
        });
    }

    private bool Filtered => _status != AnyValue || _workflow != AnyValue;

    /// <summary>One page from the Api, in the grid's order and with the chosen filters.</summary>
    private async Task<GridData<GradingRunSummaryResponse>> LoadRunsAsync(GridState<GradingRunSummaryResponse> state, CancellationToken ct)
    {
        var sort = state.SortDefinitions.FirstOrDefault() is { } by ? ApiSort(by.SortBy, by.Descending) : null;
        (var page, _listError) = await ApiCall.TryAsync(() => Api.ListGradingRunsAsync(ProjectId, sort, NullIfAny(_status), NullIfAny(_workflow),
            (state.Page + 1).ToString(CultureInfo.InvariantCulture), state.PageSize.ToString(CultureInfo.InvariantCulture), ct));
        if (page is null)
        {
            // The grid re-renders itself only; the page shows the error under it.
            StateHasChanged();
            return new GridData<GradingRunSummaryResponse> { Items = [], TotalItems = 0 };
        }
        return new GridData<GradingRunSummaryResponse> { Items = page.Items, TotalItems = page.Total };
    }

    /// <summary>The Api's <c>sort</c> for a grid column (named by its property), or null for the Api's default (newest first).</summary>
    public static string? ApiSort(string? column, bool descending)
    {
        var key = column switch
        {
            nameof(GradingRunSummaryResponse.CreatedAt) => "createdAt",
            nameof(GradingRunSummaryResponse.Status) => "status",
            nameof(GradingRunSummaryResponse.Counts) => "progress",
            nameof(GradingRunSummaryResponse.Cost) => "cost",
            _ => null,
        };
        return key is null ? null : descending ? "-" + key : key;
    }

    private static string? NullIfAny(string value) => value == AnyValue ? null : value;

    private async Task StatusChangedAsync(string value)
    {
        _status = value ?? AnyValue;
        await ReloadAsync();
    }

    private async Task WorkflowChangedAsync(string value)
    {
        _workflow = value ?? AnyValue;
        await ReloadAsync();
    }

    private Task ReloadAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;
}
