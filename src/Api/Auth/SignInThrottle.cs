using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace GradingPortal.Api.Auth;

/// <summary>How many sign-in attempts the Api accepts per client address and per account in one window.</summary>
public sealed class SignInThrottleOptions
{
    public const string SectionName = "SignInThrottle";

    /// <summary>Attempts per client address. The Web signs everyone in from its own address, so this is generous.</summary>
    [Range(1, int.MaxValue)]
    public int PermitsPerAddress { get; set; } = 100;

    /// <summary>Attempts per account (normalised email, whether or not the account exists).</summary>
    [Range(1, int.MaxValue)]
    public int PermitsPerAccount { get; set; } = 20;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Sign-in throttling. The per-address limit is ASP.NET Core's rate-limiting middleware (policy <see cref="PolicyName"/>);
/// the per-account limit needs the email from the body, so the login handler asks <see cref="TryAcquireForAccount"/>.
/// Both answer the same 429 problem, so neither tells whether an account exists.
/// </summary>
internal sealed class SignInThrottle : IDisposable
{
    public const string PolicyName = "sign-in";
    public const string Detail = "Too many sign-in attempts; wait a few minutes and try again.";

    private readonly PartitionedRateLimiter<string> _perAccount;

    public SignInThrottle(IOptions<SignInThrottleOptions> options)
    {
        var o = options.Value;
        _perAccount = PartitionedRateLimiter.Create<string, string>(account => RateLimitPartition.GetFixedWindowLimiter(account,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = o.PermitsPerAccount, Window = o.Window, QueueLimit = 0 }));
    }

    /// <summary>Takes one attempt from the account's allowance; false when it is used up.</summary>
    public bool TryAcquireForAccount(string email)
    {
        using var lease = _perAccount.AttemptAcquire(email.Trim().ToUpperInvariant());
        return lease.IsAcquired;
    }

    public void Dispose() => _perAccount.Dispose();

    public static IServiceCollection AddSignInThrottle(IServiceCollection services)
    {
        services.AddOptions<SignInThrottleOptions>().BindConfiguration(SignInThrottleOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SignInThrottle>();
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(PolicyName, context =>
            {
                var o = context.RequestServices.GetRequiredService<IOptions<SignInThrottleOptions>>().Value;
                var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetFixedWindowLimiter(address,
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = o.PermitsPerAddress, Window = o.Window, QueueLimit = 0 });
            });
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (rejected, ct) =>
            {
                var response = rejected.HttpContext.Response;
                if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }
                await TooMany().ExecuteAsync(rejected.HttpContext);
            };
        });
        return services;
    }

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooMany() =>
        TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests", detail: Detail);
}
