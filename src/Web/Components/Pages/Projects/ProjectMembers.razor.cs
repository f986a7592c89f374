using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Projects;

/// <summary>
/// A project's members. Its Admins change roles (saved as soon as one is picked), remove people after confirming, and
/// add an existing account by email with a role; every change reloads the list from the Api.
/// </summary>
public sealed partial class ProjectMembers
{
    private List<MemberResponse> _members = [];
    // What the suggestions showed, by email, so each one reads as "name (email)".
    private readonly Dictionary<string, UserResponse> _suggested = new(StringComparer.OrdinalIgnoreCase);
    private readonly AddModel _add = new();
    private ApiError? _error;
    private string? _message;
    private bool _busy;
    private MudAutocomplete<string>? _suggestions;
    private MudTextField<string>? _emailField;

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Parameter, EditorRequired]
    public Guid ProjectId { get; set; }

    [Parameter]
    public bool CanManage { get; set; }

    /// <summary>Site admins may list every account, so they get suggestions while typing.</summary>
    [Parameter]
    public bool IsSiteAdmin { get; set; }

    private IEnumerable<MemberResponse> Ordered => _members
        .OrderByDescending(m => Format.RoleRank(m.Role))
        .ThenBy(m => m.DisplayName, StringComparer.CurrentCultureIgnoreCase);

    protected override async Task OnParametersSetAsync()
    {
        await RunAsync(async () =>
        {
            await ReloadAsync();
        }, null);
    }

    private async Task ReloadAsync() => _members = (await Api.ListProjectMembersAsync(ProjectId, CancellationToken.None)).ToList();

    private Task SetRoleAsync(MemberResponse member, string role) =>
        RunAsync(() => Api.SetProjectMemberAsync(ProjectId, member.UserId, new SetMemberRequest { Role = role }, CancellationToken.None), "Role saved.");

    private async Task RemoveAsync(MemberResponse member)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Remove member", $"Remove {member.DisplayName} from this project?",
            yesText: "Remove", cancelText: "Cancel");
        if (confirmed == true)
        {
            await RunAsync(() => Api.RemoveProjectMemberAsync(ProjectId, member.UserId, CancellationToken.None), "Member removed.");
        }
    }

    private async Task AddAsync()
    {
        await RunAsync(AddChosenAsync, "Member added.");
        if (_error is null)
        {
            // The Add button was disabled while it worked, which drops the focus to the page: someone adding several
            // people from the keyboard goes on with the next one where they type it.
            await (_suggestions?.FocusAsync() ?? _emailField?.FocusAsync() ?? ValueTask.CompletedTask);
        }
    }

    private async Task AddChosenAsync()
    {
        var email = _add.Email?.Trim() ?? "";
        var match = email.Contains('@', StringComparison.Ordinal)
            ? (await Api.ListUsersAsync(email, null, null, null, null, null, CancellationToken.None)).Items
                .FirstOrDefault(u => string.Equals(u.Email, email, StringComparison.OrdinalIgnoreCase))
            : null;
        if (match is null)
        {
            _error = new ApiError(400, "Unknown person", new Dictionary<string, IReadOnlyList<string>>
            {
                ["user"] = [$"No account has the email “{email}”. Ask a site administrator to create it."],
            });
            return;
        }
        await Api.SetProjectMemberAsync(ProjectId, match.Id, new SetMemberRequest { Role = _add.Role }, CancellationToken.None);
        _add.Email = null;
    }

    /// <summary>Runs one change, then shows its outcome and the members as the Api now has them.</summary>
    private async Task RunAsync(Func<Task> change, string? done)
    {
        _busy = true;
        _error = null;
        _message = null;
        try
        {
            await change();
            if (_error is null && done is not null)
            {
                _message = done;
                await ReloadAsync();
            }
        }
        catch (ApiException ex)
        {
            _error = ApiError.From(ex);
            await TryReloadAsync();
        }
        catch (HttpRequestException)
        {
            _error = ApiError.Unreachable; // the Api is not answering: reloading would not answer either
        }
        finally
        {
            _busy = false;
        }
    }

    // A refused role change leaves its select showing the new value: the list from the Api puts it back.
    private async Task TryReloadAsync()
    {
        try
        {
            await ReloadAsync();
        }
        catch (ApiException)
        {
        }
    }

    /// <summary>Accounts whose name or email contains the text, as the Api finds them (site admins; others type a whole email).</summary>
    private async Task<IEnumerable<string>> SuggestAsync(string? text, CancellationToken ct)
    {
        if (!CanManage || !IsSiteAdmin)
        {
            return [];
        }
        try
        {
            // Asks for more than it shows: members and disabled accounts are left out here.
            var page = await Api.ListUsersAsync(null, Format.Blank(text), null, null, null, "50", ct);
            var candidates = page.Items.Where(u => u.DisabledAt is null && _members.All(m => m.UserId != u.Id)).Take(20).ToList();
            foreach (var user in candidates)
            {
                _suggested[user.Email] = user;
            }
            return candidates.Select(u => u.Email);
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException or OperationCanceledException)
        {
            return [];
        }
    }

    private string Describe(string email) =>
        _suggested.TryGetValue(email, out var user) ? $"{user.DisplayName} ({user.Email})" : email;

    private static string ErrorLine(ApiError error) =>
        error.HasFieldErrors ? string.Join(" ", error.Fields.Values.SelectMany(v => v)) : error.Message;

    private sealed class AddModel
    {
        public string? Email { get; set; }
        public string Role { get; set; } = "grader";
    }
}
