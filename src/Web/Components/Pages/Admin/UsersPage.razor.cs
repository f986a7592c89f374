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

    private readonly AddressedView<UserListView> _view = new(UserListView.Default);

    /// <summary>What the search box shows, as typed; the view keeps it trimmed.</summary>
    private string _searchText = "";
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

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    // The grid's view comes from the address as text: a hand-edited value that does not parse falls back instead of
    // failing the page.
    [SupplyParameterFromQuery(Name = "q")]
    public string? QuerySearch { get; set; }

    [SupplyParameterFromQuery(Name = "status")]
    public string? QueryStatus { get; set; }

    [SupplyParameterFromQuery(Name = "sort")]
    public string? QuerySort { get; set; }

    [SupplyParameterFromQuery(Name = "page")]
    public string? QueryPage { get; set; }

    [SupplyParameterFromQuery(Name = "pageSize")]
    public string? QueryPageSize { get; set; }

    protected override async Task OnInitializedAsync()
    {
        _me = (await Circuit.StartAsync())?.UserId;
    }

    protected override void OnParametersSet()
    {
        var wanted = UserListView.FromQuery(QuerySearch, QueryStatus, QuerySort, QueryPage, QueryPageSize);
        if (_view.Arrive(wanted))
        {
            _searchText = wanted.Search;
        }
    }

    /// <summary>One page from the Api, in the grid's order and with the search and status; the view goes into the address.</summary>
    private async Task<GridData<UserResponse>> LoadUsersAsync(GridState<UserResponse> state, CancellationToken ct)
    {
        var view = _view.Current = _view.Current with { Paging = GridPaging.Of(UserListView.Sorts, state) };
        (var page, _loadError) = await ApiCall.TryAsync(() => Api.ListUsersAsync(null, Format.Blank(view.Search), view.Paging.Sort,
            view.Status == UserListView.Any ? null : view.Status, GridPaging.ApiNumber(view.Paging.Page + 1),
            GridPaging.ApiNumber(view.Paging.PageSize), ct));
        if (page is null)
        {
            // The grid re-renders itself only; the page shows the error in its place.
            StateHasChanged();
            return new GridData<UserResponse> { Items = [], TotalItems = 0 };
        }
        return _view.Answer(Navigation, view, view.Paging.Page, page.Items, page.Total,
            () => view with { Paging = view.Paging with { Page = 0 } }, StateHasChanged);
    }

    private async Task SearchAsync(string? text)
    {
        _searchText = text ?? "";
        _view.Current = _view.Current with { Search = _searchText.Trim() };
        await GridReload.FromFirstPageAsync(_grid);
    }

    private async Task StatusChangedAsync(string value)
    {
        _view.Current = _view.Current with { Status = value ?? UserListView.Any };
        await GridReload.FromFirstPageAsync(_grid);
    }

    /// <summary>How a column starts out sorted: as the address says (for the header's arrow and the first request).</summary>
    private SortDirection InitialDirection(string column) => UserListView.Sorts.DirectionOf(_view.Current.Paging.Sort, column);

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
