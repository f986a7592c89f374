using System.Text.Json;
using System.Text.Json.Serialization;
using GradingPortal.Api.Auth;
using GradingPortal.Api.Imports;
using GradingPortal.Api.Export;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Hosting;
using GradingPortal.Jobs;
using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Persistence;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GradingPortal.Api;

/// <summary>Everything the Api host registers, in one place.</summary>
internal static class ApiServiceCollectionExtensions
{
    internal const string SmartScheme = "BearerOrApiToken";

    public static WebApplicationBuilder AddApiServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var connectionString = builder.Configuration.GetConnectionString("Db")
            ?? throw new InvalidOperationException("ConnectionStrings:Db is not configured (environment variable ConnectionStrings__Db).");

        // ASP.NET Core's per-request lines print the query string, which carries one-time dashboard tickets (and emails
        // in look-ups); requests are still traced, with the query redacted, when telemetry is on.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<Endpoints.AgreementCache>();
        services.AddHttpContextAccessor();
        services.AddScoped<CurrentUser>();
        services.AddScoped<IAuditActorAccessor>(sp => sp.GetRequiredService<CurrentUser>());
        services.AddScoped<ProjectAccess>();
        // Statements are prepared automatically after a couple of uses, so hot reads skip PostgreSQL's planner
        // (about 1 ms of the solution page's query). A connection string may still override it.
        var npgsql = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (npgsql.MaxAutoPrepare == 0)
        {
            npgsql.MaxAutoPrepare = 100;
            npgsql.AutoPrepareMinUsages = 2;
        }
        services.AddDbContext<GradingDbContext>(options => options.UseNpgsql(npgsql.ConnectionString));
        // Connections of their own (exports) are made from the configured connection string, never from one read back from
        // EF Core or Npgsql, which has lost its password.
        services.AddSingleton(_ => new PostgresConnections(connectionString));

        // Identity: users and passwords in PostgreSQL; bearer tokens (access + refresh) protected by data protection,
        // whose keys also live in PostgreSQL so any Api instance reads tokens issued by any other.
        services.AddIdentityCore<AppUser>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 8;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequireUppercase = false;
                options.Lockout.MaxFailedAccessAttempts = 10;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddEntityFrameworkStores<GradingDbContext>()
            .AddSignInManager()
            .AddClaimsPrincipalFactory<GradingClaimsFactory>();
        // Same application name and key ring as the Worker, which decrypts the model keys the Api stores.
        services.AddDatabaseDataProtection();

        services.AddAuthentication(SmartScheme)
            .AddPolicyScheme(SmartScheme, "Bearer token or personal API token", options =>
                options.ForwardDefaultSelector = context => ApiTokenAuthenticationHandler.IsApiToken(context.Request.Headers.Authorization)
                    ? ApiTokenAuthenticationHandler.SchemeName
                    : IdentityConstants.BearerScheme)
            .AddBearerToken(IdentityConstants.BearerScheme, options =>
            {
                options.BearerTokenExpiration = TimeSpan.FromMinutes(60);
                options.RefreshTokenExpiration = TimeSpan.FromDays(14);
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);
        // Identity's sign-in manager looks these schemes up; the Api never uses cookies.
        services.AddAuthentication().AddCookie(IdentityConstants.ApplicationScheme).AddCookie(IdentityConstants.TwoFactorUserIdScheme);
        services.AddAuthorization();
        services.AddJobsDashboardAuthorization();
        SignInThrottle.AddSignInThrottle(services);

        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            options.SerializerOptions.Converters.Add(new PointsConverter());
        });
        services.AddProblemDetails();
        services.AddExceptionHandler<DomainExceptionHandler>();
        services.AddApiDocument();
        services.AddExport();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        services.AddTrustedProxies();

        // Background work goes into Hangfire's storage (IBackgroundJobClient against the job interfaces in Domain); the Api
        // runs no Hangfire server, only Workers execute jobs.
        services.AddHangfireStorage(connectionString, JobStorageTimings.Default);
        services.AddScoped<Models.ModelConnectionTester>();
        // One listening session per Api process for open solution pages' change streams (ADR 022).
        services.AddSingleton<SolutionChangeNotices>();
        services.AddHostedService(provider => provider.GetRequiredService<SolutionChangeNotices>());
        services.AddOptions<ImportOptions>().BindConfiguration(ImportOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }
}

/// <summary>Healthy when PostgreSQL answers.</summary>
internal sealed class DatabaseHealthCheck(GradingDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("PostgreSQL is not reachable.");
}
