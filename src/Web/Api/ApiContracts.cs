namespace GradingPortal.Web.Api;

// The few Api contracts the Web still writes by hand: sign-in, token refresh and sign-out run before a circuit (and its
// generated client) exists, and the password change is a static page whose answer sets the session cookie. Pages use
// the generated client (decision 020). Fields the Web does not read are left out.

public sealed record LoginRequest(string Email, string Password);

public sealed record RefreshRequest(string RefreshToken);

public sealed record TokenPairResponse(string TokenType, string AccessToken, int ExpiresIn, string RefreshToken);

public sealed record MeResponse(Guid Id, string Email, string DisplayName, bool IsAdmin);

public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword);

public sealed record LogoutRequest(string RefreshToken);
