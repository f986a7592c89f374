using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages.Projects;

/// <summary>A project: its problems with grading progress, and for its Admins the settings and the members.</summary>
public sealed partial class ProjectPage
{
    private ProjectResponse? _project;
    private List<ProblemSummaryResponse> _problems = [];
    private ApiError? _loadError;
    private bool _isSiteAdmin;
    private string _search = "";

    [Parameter]
    public Guid ProjectId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    private string ProblemSummary =>
        $"{Format.Count(_problems.Count, "problem")} · {Format.Count(_problems.Sum(p => p.Counts.Solutions), "solution")}";

    protected override async Task OnParametersSetAsync()
    {
        _loadError = null;
        try
        {
            _project = await Api.GetProjectAsync(ProjectId, CancellationToken.None);
            var problems = await Api.ListProblemsAsync(ProjectId, CancellationToken.None);
            _problems = problems.ToList();
            // Site admins pick new members from every account; others type an exact email.
            _isSiteAdmin = Format.CanManage(_project.MyRole) && (await Api.GetCurrentUserAsync(CancellationToken.None)).IsAdmin;
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

    private void OnSettingsSaved(ProjectResponse project) => _project = project;

    private bool Matches(ProblemSummaryResponse problem) =>
        string.IsNullOrWhiteSpace(_search)
        || problem.Title.Contains(_search, StringComparison.CurrentCultureIgnoreCase)
        || problem.Source?.Contains(_search, StringComparison.CurrentCultureIgnoreCase) == true
        || problem.ExternalId?.Contains(_search, StringComparison.CurrentCultureIgnoreCase) == true;

    private static double GradedShare(ProblemCounts counts) => counts.Solutions == 0 ? 0 : (double)counts.Graded / counts.Solutions;
}
