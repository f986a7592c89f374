using GradingPortal.Domain.Jobs;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GradingPortal.Jobs;

// Compiled into the Api (which only enqueues and serves the dashboard) and the Worker (which also runs a server), as a
// linked file: both must read and write the same storage the same way.

/// <summary>How often idle Workers look at the queues, and how soon a dead Worker's jobs are fetched again.</summary>
internal sealed record JobStorageTimings(TimeSpan QueuePollInterval, TimeSpan InvisibilityTimeout)
{
    /// <summary>What a host that runs no jobs uses (the Api): it never fetches, so only the enqueue side matters.</summary>
    public static JobStorageTimings Default { get; } = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
}

/// <summary>Hangfire's storage on the project's PostgreSQL database, shared by every host that talks to the job queues.</summary>
internal static class HangfireStorage
{
    /// <summary>
    /// Registers the storage and Hangfire's client; <paramref name="queues"/> are the queues this host serves beyond
    /// <see cref="JobQueues.All"/> (a Worker's configured ones), which get the notices too.
    /// </summary>
    public static IServiceCollection AddHangfireStorage(this IServiceCollection services, string connectionString, JobStorageTimings timings,
        IEnumerable<string>? queues = null)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = "GradingPortal.Hangfire",
            // Hangfire.PostgreSql enlists in ambient transactions only when told to; its own statements need none.
            Enlist = false,
        };
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = JobSchema.Name,
            // The migrator installs and upgrades the schema; a host never creates tables (ADR 006).
            PrepareSchemaIfNecessary = false,
            // Off because its listener never re-opens a lost session on a password-protected database; enqueueing still
            // sends NOTIFY and idle Workers still LISTEN, through JobQueueNotices, so a queued job starts at once.
            EnableLongPolling = false,
            QueuePollInterval = timings.QueuePollInterval,
            // A running job's queue row is touched every fifth of this; when its Worker dies the touching stops and the job
            // is fetched again by another Worker once this much time has passed.
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = timings.InvisibilityTimeout,
            EnableTransactionScopeEnlistment = false,
        };
        var served = JobQueues.All.Append(Hangfire.States.EnqueuedState.DefaultQueue).Concat(queues ?? []).ToList();
        // The storage is this container's own singleton rather than Hangfire's process-wide JobStorage.Current, so that two
        // hosts in one process (the tests' Api factories, each on its own database) never enqueue into each other's.
        services.AddSingleton<JobQueueWakeUps>();
        services.AddSingleton<Hangfire.JobStorage>(provider =>
        {
            var storage = new PostgreSqlStorage(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(settings.ConnectionString, options), options);
            storage.UseNotices(provider.GetRequiredService<JobQueueWakeUps>(), served);
            return storage;
        });
        services.AddHangfire((provider, configuration) => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new HostLogProvider(provider.GetRequiredService<ILoggerFactory>())));
        return services;
    }
}

/// <summary>
/// Hangfire's log provider is process-wide and its static parts create their loggers on first use, possibly long after
/// the host that set the provider has stopped (several hosts in one test process). Loggers asked of a host whose logging
/// is gone stay silent instead of failing the job or the request.
/// </summary>
internal sealed class HostLogProvider(ILoggerFactory factory) : ILogProvider
{
    private readonly Hangfire.AspNetCore.AspNetCoreLogProvider _inner = new(factory);

    public ILog GetLogger(string name)
    {
        try
        {
            return _inner.GetLogger(name);
        }
        catch (ObjectDisposedException)
        {
            return Silent.Instance;
        }
    }

    private sealed class Silent : ILog
    {
        public static Silent Instance { get; } = new();

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
