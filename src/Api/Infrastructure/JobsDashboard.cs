using System.Security.Claims;
using GradingPortal.Api.Auth;
using GradingPortal.Domain.Persistence;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Infrastructure;

/// <summary>
/// Hangfire's dashboard at <see cref="Path"/>, for site admins only. Requests are authenticated like every Api call (an
/// Identity bearer token or a personal API token) and authorized by <see cref="PolicyName"/>, which reads the account
/// from the database on each request: a demoted or disabled admin loses the dashboard at once, not when their token
/// expires. Anonymous requests get 401 and other accounts 403; Hangfire's local-requests-only default is not used.
/// Jobs carry only ids (runs, problems, imports), so the pages never show keys or proof text.
/// </summary>
internal static class JobsDashboard
{
    public const string Path = "/admin/jobs";

    public const string PolicyName = "SiteAdmin";

    /// <summary>The dashboard's own pages, scripts and styles, and its polling of statistics; nothing from elsewhere.</summary>
    public const string Policy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IServiceCollection AddJobsDashboardAuthorization(this IServiceCollection services)
    {
        services.AddScoped<IAuthorizationHandler, SiteAdminHandler>();
        services.AddAuthorizationBuilder().AddPolicy(PolicyName, policy => policy
            .RequireAuthenticatedUser()
            .AddRequirements(new SiteAdminRequirement()));
        return services;
    }

    public static IEndpointConventionBuilder MapJobsDashboard(this IEndpointRouteBuilder app) =>
        app.MapHangfireDashboardWithAuthorizationPolicy(PolicyName, Path, new DashboardOptions
        {
            DashboardTitle = "GradingPortal jobs",
            AppPath = null,
            // Hangfire's own default would show the dashboard to local requests only; the policy above decides instead.
            Authorization = [],
            AsyncAuthorization = [],
            DisplayStorageConnectionString = false,
        });

    internal sealed class SiteAdminRequirement : IAuthorizationRequirement;

    /// <summary>Succeeds for an enabled account that is a site admin now.</summary>
    private sealed class SiteAdminHandler(GradingDbContext db) : AuthorizationHandler<SiteAdminRequirement>
    {
        protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, SiteAdminRequirement requirement)
        {
            if (!context.User.HasClaim(GradingClaims.IsAdmin, "true")
                || !Guid.TryParse(context.User.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
            {
                return;
            }
            if (await db.Users.AsNoTracking().AnyAsync(u => u.Id == userId && u.IsAdmin && u.DisabledAt == null))
            {
                context.Succeed(requirement);
            }
        }
    }
}
