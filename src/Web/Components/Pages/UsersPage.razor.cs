using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

public sealed partial class UsersPage
{
    private static readonly IReadOnlyList<Crumb> s_trail = [new Crumb("Users")];
    private IReadOnlyList<UserResponse> _users = [];
    private ApiProblem? _loadProblem;
    private ApiProblem? _createProblem;
    private UserResponse? _created;

    [SupplyParameterFromForm(FormName = "create-user")]
    public UserForm? Form { get; set; }

    /// <summary>Which per-user action just succeeded (set by the redirect of <c>UserUiEndpoints</c>).</summary>
    [SupplyParameterFromQuery]
    public string? Done { get; set; }

    [SupplyParameterFromQuery]
    public string? Error { get; set; }

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    private Guid? Me => GradingPortal.Web.Auth.Session.From(HttpContext.User)?.UserId;

    private string? DoneMessage => Done switch
    {
        "disable" => "The user is disabled: they cannot sign in, their sessions end within the hour and their API tokens stop working.",
        "enable" => "The user can sign in again.",
        "grant-admin" => "The user is now a site administrator.",
        "revoke-admin" => "The user is no longer a site administrator.",
        "password" => "The password was reset; the user's sessions must sign in again.",
        _ => null,
    };

    [Inject]
    private PortalApi Api { get; set; } = default!;

    protected override async Task OnInitializedAsync() => await LoadAsync();

    private async Task LoadAsync()
    {
        var users = await Api.ListUsersAsync();
        _users = users.Ok ? users.Data : [];
        _loadProblem = users.Problem;
    }

    private async Task CreateAsync()
    {
        var form = Form ?? new UserForm();
        var created = await Api.CreateUserAsync(new CreateUserRequest(form.Email?.Trim() ?? "", form.Password ?? "",
            string.IsNullOrWhiteSpace(form.DisplayName) ? null : form.DisplayName.Trim(), form.IsAdmin));
        if (!created.Ok)
        {
            _createProblem = created.Problem;
            return;
        }
        _created = created.Data;
        await LoadAsync();
    }
}
