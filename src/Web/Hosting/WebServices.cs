using GradingPortal.Hosting;
using GradingPortal.Web.Api;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Auth;
using GradingPortal.Web.Components;
using GradingPortal.Web.Components.Ui;
using GradingPortal.Web.Endpoints;
using GradingPortal.Web.Rendering;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Microsoft.Net.Http.Headers;

namespace GradingPortal.Web.Hosting;

/// <summary>Everything Web registers and maps; Program.cs reads as the table of contents.</summary>
public static class WebServices
{
    /// <summary>The largest message a browser may send over a circuit: a solution's text at the Api's limit, JSON-escaped.</summary>
    internal const long MaxCircuitMessageBytes = 4 * 1024 * 1024;

    public static WebApplicationBuilder AddWebServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // blazor.web.js and MudBlazor's files (_framework/, _content/) are static web assets of packages: a build serves
        // them from the package folders through this manifest in any environment (tests run as "Testing"); a published
        // Web has them in its own wwwroot and no manifest, where this does nothing.
        builder.WebHost.UseStaticWebAssets();
        // At Debug, SignalR's hub dispatcher logs each circuit message whole, with the values typed into fields (model keys,
        // passwords). This rule comes after the configuration's, so it wins for this category whatever the settings say.
        builder.Logging.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.Information);
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WebDataProtectionOptions>().BindConfiguration(WebDataProtectionOptions.SectionName);

        var dataProtection = services.AddDataProtection().SetApplicationName("GradingPortal.Web");
        var keysPath = builder.Configuration[$"{WebDataProtectionOptions.SectionName}:{nameof(WebDataProtectionOptions.KeysPath)}"];
        if (!string.IsNullOrWhiteSpace(keysPath))
        {
            // Shared keys let several Web instances read each other's cookies; Web never opens the database.
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(keysPath));
        }

        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.AddSingleton<RefreshCoordinator>();
        services.AddTransient<SessionRenewer>();
        services.AddScoped<SessionCookieEvents>();
        services.AddTransient<BearerTokenHandler>();
        services.AddHttpClient<AuthApi>(ConfigureApiClient);
        services.AddHttpClient<PortalApi>(ConfigureApiClient).AddHttpMessageHandler<BearerTokenHandler>();
        services.AddCircuitApiClient();
        services.AddImportExport();

        services.AddAuthentication(Session.Scheme).AddCookie(Session.Scheme, options =>
        {
            options.Cookie.Name = "gp.session";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.LoginPath = "/signin";
            options.LogoutPath = "/signout";
            options.AccessDeniedPath = "/signin";
            options.ExpireTimeSpan = TimeSpan.FromHours(12);
            options.SlidingExpiration = true;
            options.EventsType = typeof(SessionCookieEvents);
        });
        services.AddAuthorizationBuilder().SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddAntiforgery(options => options.HeaderName = "RequestVerificationToken");
        services.AddSignInThrottle(builder.Configuration);
        services.AddCascadingAuthenticationState();
        // Editors bind long texts (a pasted proof, up to the Api's million characters) over the circuit; SignalR's 32 KB
        // default would drop the circuit on the first long paste.
        services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(options => options.MaximumReceiveMessageSize = MaxCircuitMessageBytes);
        services.AddMudServices();

        services.AddSingleton<MarkdownRenderer>();
        services.AddSingleton<AssetUrls>();
        services.AddSingleton<ThemeStyles>();
        services.AddTrustedProxies();
        return builder;
    }

    public static WebApplication MapWeb(this WebApplication app)
    {
        app.UseTrustedProxies();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseSecurityHeaders();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                // Versioned URLs (AssetUrls) never change content; unversioned ones are revalidated.
                context.Context.Response.Headers[HeaderNames.CacheControl] = context.Context.Request.Query.ContainsKey("v")
                    ? "public, max-age=31536000, immutable"
                    : "no-cache";
            },
        });
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseMiddleware<SessionExpiryMiddleware>();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.UseMiddleware<AntiforgeryEnforcement>();

        app.MapGet("/health", () => TypedResults.Text("ok")).AllowAnonymous().ExcludeFromDescription();
        app.MapAuthEndpoints();
        app.MapImportUpload();
        app.MapDownloadEndpoints();
        app.MapEvaluationDownloads();
        app.MapJobsDashboardEndpoints();
        app.MapThemeEndpoints();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>
    /// The generated Api client for converted pages, one per circuit (scoped), calling with that circuit's tokens
    /// (ADR 019). Its HttpClient wraps the factory's pooled handler in a <see cref="CircuitBearerHandler"/> that holds the
    /// circuit's <see cref="CircuitSession"/>; neither needs disposing (the pooled handler ignores it).
    /// </summary>
    private static IServiceCollection AddCircuitApiClient(this IServiceCollection services)
    {
        services.AddSingleton<SessionRegistry>();
        services.AddScoped<CircuitSession>();
        services.AddHttpClient(CircuitApiClientName);
        services.AddScoped<IGradingApiClient>(provider =>
        {
            var handler = new CircuitBearerHandler(provider.GetRequiredService<CircuitSession>())
            {
                InnerHandler = provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(CircuitApiClientName),
            };
            var http = new HttpClient(handler, disposeHandler: false);
            ConfigureApiClient(provider, http);
            return new GradingApiClient(http);
        });
        // The solution page's change stream (ADR 022): one per solution per process, opened with a follower's feed.
        services.AddSingleton<Components.Pages.Solutions.SolutionChangeHub>();
        // Whether the circuit's browser is there: a kept circuit of a closed tab does not re-read on each change.
        services.AddScoped<CircuitConnection>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler>(provider => provider.GetRequiredService<CircuitConnection>());
        // A circuit's way of opening that stream: the same token handling, its own HttpClient (it stays open).
        services.AddScoped(provider =>
        {
            var handler = new CircuitBearerHandler(provider.GetRequiredService<CircuitSession>())
            {
                InnerHandler = provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(CircuitApiClientName),
            };
            var http = new HttpClient(handler, disposeHandler: false);
            ConfigureApiClient(provider, http);
            return new Components.Pages.Solutions.SolutionChangeFeed(http);
        });
        return services;
    }

    private const string CircuitApiClientName = "gp-api-circuit";

    private static void ConfigureApiClient(IServiceProvider services, HttpClient client)
    {
        client.BaseAddress = services.GetRequiredService<IOptions<ApiOptions>>().Value.BaseAddress;
        client.Timeout = TimeSpan.FromSeconds(30);
    }
}
