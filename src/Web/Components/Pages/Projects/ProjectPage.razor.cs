using System.Globalization;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Projects;

/// <summary>A project: its problems with grading progress, and for its Admins the settings and the members.</summary>
public sealed partial class ProjectPage
{
    private static readonly int[] s_pageSizes = [10, 25, 50, 100];

    private ProjectResponse? _project;
    private MudDataGrid<ProblemSummaryResponse>? _grid;
    private ApiError? _loadError;
    private bool _isSiteAdmin;
    private string _search = "";

    [Parameter]
    public Guid ProjectId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    private string ProblemSummary => _project is null
        ? ""
        : $"{Format.Count(_project.ProblemCount, "problem")} · {Format.Count(_project.SolutionCount, "solution")}";

    protected override async Task OnParametersSetAsync()
    {
        _loadError = null;
        _loadError = await ApiCall.TryAsync(async () =>
        {
            _project = await Api.GetProjectAsync(ProjectId, CancellationToken.None);
            // Site admins pick new members from every account; others type an exact email.
            _isSiteAdmin = Format.CanManage(_project.MyRole) && (await Api.GetCurrentUserAsync(CancellationToken.None)).IsAdmin;
        });
    }

    private void OnSettingsSaved(ProjectResponse project) => _project = project;

    /// <summary>One page from the Api, in the grid's order and filtered by the search box.</summary>
    private async Task<GridData<ProblemSummaryResponse>> LoadProblemsAsync(GridState<ProblemSummaryResponse> state, CancellationToken ct)
    {
        var sort = Sorts.Of(state);
        (var page, var error) = await ApiCall.TryAsync(() => Api.ListProblemsPageAsync(ProjectId,
            search: Format.Blank(_search), sort: sort, page: (state.Page + 1).ToString(CultureInfo.InvariantCulture),
            pageSize: state.PageSize.ToString(CultureInfo.InvariantCulture), cancellationToken: ct));
        if (error is not null)
        {
            _loadError = error;
            // The grid re-renders itself only; the page shows the error in its place.
            StateHasChanged();
        }
        return new GridData<ProblemSummaryResponse> { Items = page?.Items ?? [], TotalItems = page?.Total ?? 0 };
    }

    /// <summary>Grid columns (named by their property path) and the Api's sort keys; no sort is creation order.</summary>
    public static readonly GridSort Sorts = new(
        (nameof(ProblemSummaryResponse.Title), "title"),
        ("Counts.Solutions", "solutions"),
        ("Counts.Graded", "graded"),
        ("Counts.Annotated", "annotated"));

    private async Task SearchAsync(string? text)
    {
        _search = text ?? "";
        if (_grid is not null)
        {
            // A new search starts on its first page; moving there loads it.
            if (_grid.CurrentPage != 0)
            {
                _grid.NavigateTo(Page.First);
            }
            else
            {
                await _grid.ReloadServerData();
            }
        }
    }

    private static double GradedShare(ProblemCounts counts) => counts.Solutions == 0 ? 0 : (double)counts.Graded / counts.Solutions;
}
