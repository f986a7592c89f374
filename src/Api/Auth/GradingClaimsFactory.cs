using System.Security.Claims;
using GradingPortal.Domain.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace GradingPortal.Api.Auth;

/// <summary>Adds the admin flag and display name to the principal carried inside bearer tokens.</summary>
internal sealed class GradingClaimsFactory(UserManager<AppUser> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<AppUser>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AppUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(GradingClaims.DisplayName, user.DisplayName));
        if (user.IsAdmin)
        {
            identity.AddClaim(new Claim(GradingClaims.IsAdmin, "true"));
        }
        return identity;
    }
}
