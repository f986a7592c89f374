using GradingPortal.Web.Api;
using GradingPortal.Web.Auth;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

public sealed partial class ProjectPage
{
    private ProjectResponse? _project;
    private ApiProblem? _loadProblem;
    private IReadOnlyList<ProblemSummaryResponse> _problems = [];
    private IReadOnlyList<MemberResponse> _members = [];
    private IReadOnlyList<UserResponse>? _users;
    private ApiProblem? _membersProblem;
    private ApiProblem? _settingsProblem;
    private bool _saved;
    private ProjectForm? _settingsOverride;

    [Parameter]
    public Guid ProjectId { get; set; }

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm(FormName = "project-settings", Name = "Settings")]
    public ProjectForm? SettingsForm { get; set; }

    [Inject]
    private PortalApi Api { get; set; } = default!;

    /// <summary>The posted settings, or the stored ones.</summary>
    private ProjectForm Settings => _settingsOverride ?? SettingsForm ?? FromProject(_project!);

    protected override async Task OnInitializedAsync()
    {
        // Api calls of one request run one after another: a session renewal (after a 401) updates this request's user.
        var projectResult = await Api.GetProjectAsync(ProjectId);
        if (!projectResult.Ok)
        {
            _loadProblem = projectResult.Problem;
            HttpContext.Response.StatusCode = (int)projectResult.Problem!.Status;
            return;
        }
        _project = projectResult.Data;
        var problemsResult = await Api.ListProblemsAsync(ProjectId);
        _problems = problemsResult.Ok ? problemsResult.Data : [];
        var membersResult = await Api.ListMembersAsync(ProjectId);
        _members = membersResult.Ok ? membersResult.Data : [];
        _membersProblem = membersResult.Problem;
        if (Format.CanManage(_project.MyRole) && Session.From(HttpContext.User)?.IsAdmin == true)
        {
            var users = await Api.ListUsersAsync();
            _users = users.Ok ? users.Data : null;
        }
    }

    private async Task SaveSettingsAsync()
    {
        var form = SettingsForm ?? new ProjectForm();
        var types = (form.CustomErrorTypes ?? "").Split([',', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var result = await Api.UpdateProjectAsync(ProjectId, new UpdateProjectRequest(form.Name?.Trim(), form.Description?.Trim() ?? "", form.MaxPoints,
            null, form.BlindGrading, form.HideAuthors, types, form.RowVersion));
        if (!result.Ok)
        {
            _settingsProblem = result.Problem;
            return;
        }
        // Show the saved state (and its new rowVersion) rather than the posted form.
        _project = result.Data;
        _saved = true;
        _settingsOverride = FromProject(result.Data);
    }

    private static ProjectForm FromProject(ProjectResponse project) => new()
    {
        Name = project.Name,
        Description = project.Description,
        MaxPoints = project.MaxPoints,
        BlindGrading = project.BlindGrading,
        HideAuthors = project.HideAuthors,
        CustomErrorTypes = string.Join(", ", project.CustomErrorTypes),
        RowVersion = project.RowVersion,
    };
}
