using GradingPortal.Web.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

public sealed partial class SignIn
{
    private string? _error;

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm(FormName = "signin")]
    public SignInForm? Form { get; set; }

    [SupplyParameterFromQuery]
    public string? ReturnUrl { get; set; }

    [SupplyParameterFromQuery]
    public int? Expired { get; set; }

    [Inject]
    private AuthApi AuthApi { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private async Task SignInAsync()
    {
        var form = Form ?? new SignInForm();
        if (string.IsNullOrWhiteSpace(form.Email) || string.IsNullOrEmpty(form.Password))
        {
            _error = "Enter your email and password.";
            return;
        }
        var result = await AuthApi.LoginAsync(form.Email.Trim(), form.Password, HttpContext.RequestAborted);
        if (result.Problem?.Status == System.Net.HttpStatusCode.TooManyRequests)
        {
            _error = "Too many sign-in attempts. Wait a few minutes and try again.";
            return;
        }
        switch (result.Outcome)
        {
            case TokenOutcome.Refused:
                // The Api says "disabled" only to someone who gave the right password; anything else stays generic.
                _error = result.Problem?.Detail is { } detail && detail.Contains("disabled", StringComparison.Ordinal)
                    ? "This account is disabled. Ask an administrator to enable it."
                    : "That email and password do not match an account.";
                return;
            case TokenOutcome.Unavailable:
                _error = "The grading service is not answering right now. Please try again in a moment.";
                return;
        }
        var me = await AuthApi.GetMeAsync(result.Tokens!.AccessToken, HttpContext.RequestAborted);
        if (me is null)
        {
            _error = "Signed in, but your account could not be read. Please try again.";
            return;
        }
        var session = Session.Create(me, result.Tokens, Time.GetUtcNow());
        await HttpContext.SignInAsync(Session.Scheme, session.ToPrincipal(), new AuthenticationProperties { IsPersistent = true });
        Navigation.NavigateTo(SafeReturnUrl(form.ReturnUrl));
    }

    /// <summary>Only local paths, so a crafted link cannot bounce a fresh session to another site.</summary>
    internal static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) && !returnUrl.StartsWith("/signin", StringComparison.OrdinalIgnoreCase)
            ? returnUrl
            : "/";
}

/// <summary>The sign-in form as posted.</summary>
public sealed class SignInForm
{
    public string? Email { get; set; }
    public string? Password { get; set; }
    public string? ReturnUrl { get; set; }
}
