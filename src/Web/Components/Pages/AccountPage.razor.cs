using System.Net;
using GradingPortal.Web.Api;
using GradingPortal.Web.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

public sealed partial class AccountPage
{
    private ApiProblem? _problem;
    private bool _changed;

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm(FormName = "change-password")]
    public ChangePasswordForm? Form { get; set; }

    [Inject]
    private PortalApi Api { get; set; } = default!;

    [Inject]
    private AuthApi AuthApi { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    private async Task ChangeAsync()
    {
        var form = Form ?? new ChangePasswordForm();
        var session = Session.From(HttpContext.User);
        var changed = await Api.ChangePasswordAsync(form.CurrentPassword ?? "", form.NewPassword ?? "", HttpContext.RequestAborted);
        if (!changed.Ok)
        {
            _problem = changed.Problem;
            return;
        }
        _changed = true;
        // The change renewed the security stamp, which ends this session's refresh token too: sign in again with the new
        // password so this browser stays signed in while every other one has to.
        var login = session is null ? null : await AuthApi.LoginAsync(session.Email, form.NewPassword!, HttpContext.RequestAborted);
        var me = login?.Tokens is { } tokens ? await AuthApi.GetMeAsync(tokens.AccessToken, HttpContext.RequestAborted) : null;
        if (me is null)
        {
            _problem = new ApiProblem(HttpStatusCode.OK, "Signed out", "Your password was changed. Sign in again with the new one.");
            return;
        }
        await HttpContext.SignInAsync(Session.Scheme, Session.Create(me, login!.Tokens!, Time.GetUtcNow()).ToPrincipal(),
            new AuthenticationProperties { IsPersistent = true });
    }
}

/// <summary>The change-password form as posted.</summary>
public sealed class ChangePasswordForm
{
    public string? CurrentPassword { get; set; }
    public string? NewPassword { get; set; }
}
