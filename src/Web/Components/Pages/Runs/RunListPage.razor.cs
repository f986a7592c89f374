using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Runs;

/// <summary>A project's grading runs, and (Adjudicators and Admins) the form that starts one with its live estimate.</summary>
public sealed partial class RunListPage
{
    private ProjectResponse? _project;
    private List<GradingRunSummaryResponse>? _runs;
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
        try
        {
            _project = await Api.GetProjectAsync(ProjectId, CancellationToken.None);
            _runs = (await Api.ListGradingRunsAsync(ProjectId, CancellationToken.None)).ToList();
            if (CanStart)
            {
                _problems = (await Api.ListProblemsAsync(ProjectId, CancellationToken.None)).ToList();
                _options = await Api.GetGradingRunOptionsAsync(ProjectId, CancellationToken.None);
                // Only needed to say who can add a profile when the project has none.
                _isSiteAdmin = _options.Profiles.Count == 0 && (await Api.GetCurrentUserAsync(CancellationToken.None)).IsAdmin;
            }
        }
        catch (ApiException ex)
        {
            _loadError = ApiError.From(ex);
        }
        catch (HttpRequestException)
        {
            _loadError = ApiError.Unreachable;
        }
    }
}
