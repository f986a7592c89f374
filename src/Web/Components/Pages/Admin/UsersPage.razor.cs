using System.Globalization;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using GradingPortal.Web.Auth;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Admin;

/// <summary>
/// Site admins manage people: create, disable or enable, make or remove admin, reset a password. Their own row has no
/// actions (the Api refuses an admin locking themselves out; the page does not offer it).
/// </summary>
public sealed partial class UsersPage
{
    private static readonly List<BreadcrumbItem> s_trail = [new("Users", null, disabled: true)];

    private readonly NewUser _new = new();
    private readonly ResetForm _reset = new();
    private MudDataGrid<UserResponse>? _grid;
    private Guid? _me;

    /// <summary>The status select's "no filter" choice.</summary>
    private const string AnyStatus = "any";

    private string _search = "";
    private string _status = AnyStatus;
    private ApiError? _loadError;
    private ApiError? _actionError;
    private ApiError? _createError;
    private ApiError? _resetError;
    private UserResponse? _created;
    private UserResponse? _resetting;
    private string? _done;
    private bool _busy;

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private CircuitSession Circuit { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _me = (await Circuit.StartAsync())?.UserId;
    }

    /// <summary>One page from the Api, in the grid's order and filtered by the search box.</summary>
    private async Task<GridData<UserResponse>> LoadUsersAsync(GridState<UserResponse> state, CancellationToken ct)
    {
        (var page, _loadError) = await ApiCall.TryAsync(() => Api.ListUsersAsync(null, Format.Blank(_search), SortOf(state),
            _status == AnyStatus ? null : _status,
            (state.Page + 1).ToString(CultureInfo.InvariantCulture), state.PageSize.ToString(CultureInfo.InvariantCulture), ct));
        if (page is not null)
        {
            return new GridData<UserResponse> { Items = page.Items, TotalItems = page.Total };
        }
        // The grid re-renders itself only; the page shows the error in its place.
        StateHasChanged();
        return new GridData<UserResponse> { Items = [], TotalItems = 0 };
    }

    private static string? SortOf(GridState<UserResponse> state) => Sorts.Of(state);

    /// <summary>Grid columns (named by their property) and the Api's sort keys; no sort is the Api's default, by name.</summary>
    public static readonly GridSort Sorts = new(
        (nameof(UserResponse.DisplayName), "name"),
        (nameof(UserResponse.Email), "email"),
        (nameof(UserResponse.CreatedAt), "createdAt"),
        (nameof(UserResponse.DisabledAt), "status"));

    private async Task SearchAsync(string? text)
    {
        _search = text ?? "";
        if (_grid is not null)
        {
            await _grid.ReloadServerData();
        }
    }

    private async Task StatusChangedAsync(string value)
    {
        _status = value ?? AnyStatus;
        if (_grid is not null)
        {
            await _grid.ReloadServerData();
        }
    }

    private Task LoadAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;

    private Task ToggleDisabledAsync(UserResponse user) => user.DisabledAt is null
        ? ChangeAsync(user, new UpdateUserRequest { Disabled = true },
            $"{user.DisplayName} is disabled: they cannot sign in, their sessions end within the hour and their API tokens stop working.")
        : ChangeAsync(user, new UpdateUserRequest { Disabled = false }, $"{user.DisplayName} can sign in again.");

    private Task ToggleAdminAsync(UserResponse user) => user.IsAdmin
        ? ChangeAsync(user, new UpdateUserRequest { IsAdmin = false }, $"{user.DisplayName} is no longer a site administrator.")
        : ChangeAsync(user, new UpdateUserRequest { IsAdmin = true }, $"{user.DisplayName} is now a site administrator.");

    private async Task ChangeAsync(UserResponse user, UpdateUserRequest request, string done)
    {
        if (await RunAsync(() => Api.UpdateUserAsync(user.Id, request, CancellationToken.None), e => _actionError = e))
        {
            _done = done;
            await LoadAsync();
        }
    }

    private void StartReset(UserResponse user)
    {
        _resetting = user;
        _reset.Password = null;
        _resetError = null;
    }

    private void CancelReset()
    {
        _resetting = null;
        _reset.Password = null;
        _resetError = null;
    }

    private async Task ResetAsync()
    {
        if (_resetting is not { } user)
        {
            return;
        }
        _resetError = null;
        var request = new ResetPasswordRequest { NewPassword = _reset.Password ?? "" };
        var reset = await RunAsync(() => Api.ResetUserPasswordAsync(user.Id, request, CancellationToken.None), e => _resetError = e);
        // The typed password is not kept in the circuit once it was sent.
        _reset.Password = null;
        if (reset)
        {
            _resetting = null;
            _done = $"The password of {user.DisplayName} was reset; their sessions must sign in again.";
        }
    }

    private async Task CreateAsync()
    {
        _created = null;
        _createError = null;
        var request = new CreateUserRequest
        {
            Email = _new.Email?.Trim() ?? "",
            Password = _new.Password ?? "",
            DisplayName = Format.Blank(_new.DisplayName),
            IsAdmin = _new.IsAdmin,
        };
        UserResponse? created = null;
        if (await RunAsync(async () => created = await Api.CreateUserAsync(request, CancellationToken.None), e => _createError = e))
        {
            _created = created;
            _new.Clear();
            await LoadAsync();
        }
        _new.Password = null;
    }

    /// <summary>Runs one Api call with the page busy; an Api error goes to <paramref name="fail"/>, and the outcome is returned.</summary>
    private async Task<bool> RunAsync(Func<Task> call, Action<ApiError> fail)
    {
        _busy = true;
        _done = null;
        _actionError = null;
        try
        {
            if (await ApiCall.TryAsync(call) is { } error)
            {
                fail(error);
                return false;
            }
            return true;
        }
        finally
        {
            _busy = false;
        }
    }

    private sealed class NewUser
    {
        public string? Email { get; set; }
        public string? DisplayName { get; set; }
        public string? Password { get; set; }
        public bool IsAdmin { get; set; }

        public void Clear()
        {
            Email = null;
            DisplayName = null;
            Password = null;
            IsAdmin = false;
        }
    }

    private sealed class ResetForm
    {
        public string? Password { get; set; }
    }
}
