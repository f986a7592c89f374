using System.Threading.RateLimiting;

namespace GradingPortal.Web.Hosting;

/// <summary>
/// Limits sign-in form posts per browser address. The Api limits per address too, but it sees every Web user coming
/// from the Web's own address; this limit keeps one browser from using up that shared allowance.
/// </summary>
public static class SignInThrottle
{
    public const string SectionName = "SignInThrottle";

    public static IServiceCollection AddSignInThrottle(this IServiceCollection services, IConfiguration configuration)
    {
        var permits = configuration.GetValue($"{SectionName}:PermitsPerAddress", 20);
        var window = configuration.GetValue($"{SectionName}:Window", TimeSpan.FromMinutes(15));
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals("/signin", StringComparison.OrdinalIgnoreCase)
                    ? RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                        _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter(""));
            options.OnRejected = async (rejected, ct) =>
                await rejected.HttpContext.Response.WriteAsync("Too many sign-in attempts from this address. Wait a few minutes and try again.", ct);
        });
        return services;
    }
}
