using System.Security.Claims;
using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Persistence;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Infrastructure;

/// <summary>
/// Hangfire's dashboard at <see cref="Path"/>, for site admins only. Scripts authenticate like every Api call (an
/// Identity bearer token or a personal API token). Browsers cannot send a bearer token when they follow a link, so the
/// Web asks <c>POST /api/auth/jobs-dashboard-ticket</c> for a one-time ticket with the person's session and sends the
/// browser to <c>/admin/jobs?ticket=...</c>, where the ticket is traded once for a data-protected cookie that only this
/// path receives. Either way <see cref="PolicyName"/> reads the account from the database on each request: a demoted or
/// disabled admin loses the dashboard at once, not when a token or the cookie expires. Anonymous requests get 401 and
/// other accounts 403; Hangfire's local-requests-only default is not used. Jobs carry only ids (runs, problems,
/// imports), so the pages never show keys or proof text.
/// </summary>
internal static class JobsDashboard
{
    public const string Path = "/admin/jobs";

    public const string PolicyName = "SiteAdmin";

    public const string CookieScheme = "JobsDashboardCookie";

    public const string CookieName = "gp.jobs";

    public static readonly TimeSpan CookieLifetime = TimeSpan.FromMinutes(30);

    /// <summary>The dashboard's own pages, scripts and styles, and its polling of statistics; nothing from elsewhere.</summary>
    public const string Policy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IServiceCollection AddJobsDashboardAuthorization(this IServiceCollection services)
    {
        services.AddAuthentication().AddCookie(CookieScheme, options =>
        {
            options.Cookie.Name = CookieName;
            options.Cookie.Path = Path;
            options.Cookie.HttpOnly = true;
            // Strict: no other site can make the browser send it, so the dashboard's buttons cannot be pressed from elsewhere.
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.ExpireTimeSpan = CookieLifetime;
            // A fixed lifetime: an open tab does not keep the dashboard unlocked for ever.
            options.SlidingExpiration = false;
            // The Api has no sign-in page to send a browser to: refuse with the status instead.
            options.Events.OnRedirectToLogin = context => SetStatus(context.Response, StatusCodes.Status401Unauthorized);
            options.Events.OnRedirectToAccessDenied = context => SetStatus(context.Response, StatusCodes.Status403Forbidden);
        });
        // Hangfire.AspNetCore checks an antiforgery token on the dashboard's POSTs (requeue, delete, its statistics
        // polling) whenever IAntiforgery is registered; its pages carry the token for its scripts. The Api's other routes
        // bind no forms, so nothing else asks for it.
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "gp.jobs.csrf";
            options.Cookie.Path = Path;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddScoped<IAuthorizationHandler, SiteAdminHandler>();
        services.AddAuthorizationBuilder().AddPolicy(PolicyName, policy => policy
            .AddAuthenticationSchemes(ApiServiceCollectionExtensions.SmartScheme, CookieScheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new SiteAdminRequirement()));
        return services;
    }

    public static IEndpointRouteBuilder MapJobsDashboard(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/auth/jobs-dashboard-ticket", CreateTicket).WithName("CreateJobsDashboardTicket").WithTags("Auth")
            .RequireAuthorization(PolicyName).WithMetadata(SignedInSessionOnly.Instance)
            .WithSummary("A one-time ticket (valid 60 s) that opens the jobs dashboard in a browser at the returned path. Site admins; needs a signed-in session, not an API token.")
            .Problems(403);
        app.MapHangfireDashboardWithAuthorizationPolicy(PolicyName, Path, new DashboardOptions
        {
            DashboardTitle = "GradingPortal jobs",
            AppPath = null,
            // Hangfire's own default would show the dashboard to local requests only; the policy above decides instead.
            Authorization = [],
            AsyncAuthorization = [],
            DisplayStorageConnectionString = false,
        });
        return app;
    }

    internal static async Task<Results<Ok<JobsDashboardTicketResponse>, ProblemHttpResult>> CreateTicket(GradingDbContext db, CurrentUser current,
        TimeProvider clock, CancellationToken ct)
    {
        if (current.ViaApiToken)
        {
            // A script already reaches the dashboard with its token; a ticket would turn a leaked token into a browser session.
            return ApiProblems.Forbidden("open the jobs dashboard in a browser with an API token (sign in instead)");
        }
        var now = clock.GetUtcNow();
        await db.JobsDashboardTickets.Where(t => t.ExpiresAt <= now).ExecuteDeleteAsync(ct);
        var (ticket, secret) = JobsDashboardTicket.Issue(current.Id, now);
        db.JobsDashboardTickets.Add(ticket);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new JobsDashboardTicketResponse(secret, ticket.ExpiresAt, $"{Path}?ticket={secret}"));
    }

    /// <summary>
    /// Trades <c>/admin/jobs?ticket=...</c> for the dashboard cookie. Runs before authorization, so the dashboard's
    /// policy never sees the ticket; the ticket never reaches a log (only its hash is looked up).
    /// </summary>
    public static IApplicationBuilder UseJobsDashboardTickets(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) || !request.Query.TryGetValue("ticket", out var values)
            || !(request.Path.Equals(Path, StringComparison.OrdinalIgnoreCase) || request.Path.Equals(Path + "/", StringComparison.OrdinalIgnoreCase)))
        {
            await next(context);
            return;
        }
        context.Response.Headers.CacheControl = "no-store";
        var user = await RedeemAsync(context, values.ToString());
        if (user is null)
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                detail: "The dashboard ticket is unknown, already used or expired. Open Jobs from the admin menu again.").ExecuteAsync(context);
            return;
        }
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
                new Claim(ClaimTypes.Name, user.Email ?? user.Id.ToString()),
                new Claim(GradingClaims.IsAdmin, "true"),
            ], CookieScheme);
        await context.SignInAsync(CookieScheme, new ClaimsPrincipal(identity));
        // A page that moves on by itself rather than a redirect: browsers do not send a SameSite=Strict cookie on a
        // redirect that a navigation from another site (the Web) started, but do on a navigation this page starts.
        var home = request.PathBase + Path + "/";
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(
            $"<!doctype html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url={home}\"><title>GradingPortal jobs</title></head>"
            + $"<body><p><a href=\"{home}\">Open the jobs dashboard</a></p></body></html>", context.RequestAborted);
    });

    /// <summary>Deletes the ticket (so it works once, whoever wins a race) and returns its account if it was valid and is a site admin now.</summary>
    private static async Task<AppUser?> RedeemAsync(HttpContext context, string secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length > 100)
        {
            return null;
        }
        var db = context.RequestServices.GetRequiredService<GradingDbContext>();
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var hash = ApiToken.Hash(secret);
        var ticket = await db.JobsDashboardTickets.AsNoTracking().Where(t => t.SecretHash == hash).Select(t => new { t.Id, t.UserId, t.ExpiresAt })
            .FirstOrDefaultAsync(context.RequestAborted);
        if (ticket is null || await db.JobsDashboardTickets.Where(t => t.Id == ticket.Id).ExecuteDeleteAsync(context.RequestAborted) != 1
            || ticket.ExpiresAt <= now)
        {
            return null;
        }
        return await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == ticket.UserId && u.IsAdmin && u.DisabledAt == null, context.RequestAborted);
    }

    private static Task SetStatus(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }

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
