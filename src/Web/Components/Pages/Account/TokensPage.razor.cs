using System.Globalization;
using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Account;

/// <summary>
/// The signed-in person's API tokens: create one (its secret is shown once, in this circuit only, until dismissed or the
/// page is left), list them, revoke one.
/// </summary>
public sealed partial class TokensPage
{
    private static readonly List<BreadcrumbItem> s_trail = [new("API tokens", null, disabled: true)];

    private readonly Draft _draft = new();
    private List<TokenResponse>? _tokens;
    private CreatedTokenResponse? _created;
    private ApiError? _loadError;
    private ApiError? _error;
    private string? _message;
    private readonly ApiActions _actions = new();
    private bool _copied;

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    protected override async Task OnInitializedAsync() => await LoadAsync();

    private async Task LoadAsync()
    {
        var (tokens, error) = await ApiCall.TryAsync(() => Api.ListApiTokensAsync(CancellationToken.None));
        _loadError = error;
        if (tokens is not null)
        {
            _tokens = [.. tokens.OrderByDescending(t => t.CreatedAt)];
        }
    }

    private Task CreateAsync() => _actions.RunAsync(async () =>
    {
        _message = null;
        _created = null;
        _copied = false;
        _created = await Api.CreateApiTokenAsync(new CreateTokenRequest { Name = _draft.Name?.Trim() ?? "", ExpiresAt = TokenExpiry.FromDate(_draft.ExpiresOn) },
            CancellationToken.None);
        _draft.Name = null;
        _draft.ExpiresOn = null;
        await LoadAsync();
    }, e => _error = e);

    private async Task RevokeAsync(TokenResponse token)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Revoke token", $"Revoke “{token.Name}”? Scripts using it stop working at once.",
            yesText: "Revoke", cancelText: "Cancel");
        if (confirmed != true)
        {
            return;
        }
        await _actions.RunAsync(async () =>
        {
            _message = null;
            await Api.RevokeApiTokenAsync(token.Id, CancellationToken.None);
            if (_created?.Id == token.Id)
            {
                _created = null;
            }
            _message = $"Token “{token.Name}” revoked.";
            await LoadAsync();
        }, e => _error = e);
    }

    private async Task CopyAsync()
    {
        if (_created is null)
        {
            return;
        }
        try
        {
            await JS.InvokeVoidAsync("navigator.clipboard.writeText", _created.Token);
            _copied = true;
        }
        catch (JSException)
        {
            // The browser refused the clipboard (no permission, not a secure origin): the field stays there to copy by hand.
            _message = "The browser did not allow copying; select the token and copy it by hand.";
        }
    }

    /// <summary>Forgets the secret: after this the circuit no longer holds it.</summary>
    private void Dismiss()
    {
        _created = null;
        _copied = false;
    }

    private sealed class Draft
    {
        public string? Name { get; set; }
        public string? ExpiresOn { get; set; }
    }
}

/// <summary>The expiry a token form's date means.</summary>
public static class TokenExpiry
{
    /// <summary>"Until that day": midnight UTC at its start; null for no date or one that is not a date (the Api refuses past ones).</summary>
    public static DateTimeOffset? FromDate(string? day) =>
        DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
            : null;
}
