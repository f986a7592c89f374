using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Persistence;
using GradingPortal.Hosting;
using GradingPortal.Jobs;
using GradingPortal.Worker.Grading;
using GradingPortal.Worker.Imports;
using GradingPortal.Worker.Models;
using Microsoft.Extensions.Options;
using Microsoft.EntityFrameworkCore;
using Hangfire;

namespace GradingPortal.Worker;

/// <summary>Everything a Worker process registers: the database, model access, and a Hangfire server.</summary>
internal static class WorkerServiceCollectionExtensions
{
    public static HostApplicationBuilder AddWorkerServices(this HostApplicationBuilder builder)
    {
        var services = builder.Services;
        // Every connection this host opens is made from the configured connection string (PostgresConnections), never from
        // one read back from EF Core or Npgsql, which has lost its password.
        var connectionString = builder.Configuration.GetConnectionString("Db")
            ?? throw new InvalidOperationException("ConnectionStrings:Db is not configured (environment variable ConnectionStrings__Db).");
        services.AddSingleton(_ => new PostgresConnections(connectionString));
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ArchiveImportOptions>().BindConfiguration(ArchiveImportOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(WorkerOptions.SectionName).Get<WorkerOptions>() ?? new WorkerOptions();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IAuditActorAccessor>(new WorkerActor());
        // EF's connections come from a data source of their own: statements are prepared on each connection once used
        // twice (planning was over a quarter of PostgreSQL's time in a grading run), and a connection going back to the pool
        // is not reset (a reset round per return, some nine per graded solution, would also drop the prepared statements).
        // That is safe because nothing leaves session state on these connections: transactions are rolled back by Npgsql
        // either way, and the one session lock taken on them (a run item's) is released by its lane before the connection
        // goes back (SliceRunner). Named locks and Hangfire use the connection string's own pools, which resets as usual.
        services.AddSingleton(_ => WorkerDataSource.Build(connectionString));
        services.AddDbContext<GradingDbContext>((sp, db) => db.UseNpgsql(sp.GetRequiredService<WorkerDataSource>().DataSource));
        services.AddModelCalls(connectionString);

        // Registered before the Hangfire server: the host starts hosted services one by one, so the server only announces
        // itself (and takes jobs) once the warm-up has ended, however it ended.
        services.AddHostedService<GradingWarmUp>();

        // A Hangfire server: any number of Worker processes share the queues in PostgreSQL. Queued jobs wake idle Workers
        // through LISTEN/NOTIFY; a running job's queue row is kept fresh while it runs, so the jobs of a Worker that died
        // come back after the invisibility timeout and another Worker runs them (they are safe to run twice).
        string[] queues = options.Queues is { Length: > 0 } configured ? configured : [.. Domain.Jobs.JobQueues.All];
        services.AddHangfireStorage(connectionString, new JobStorageTimings(
            TimeSpan.FromSeconds(options.PollSeconds), TimeSpan.FromSeconds(options.InvisibilityTimeoutSeconds)), queues);
        // One session per process listens for the notices (not one per idle thread, as Hangfire.PostgreSql's long polling
        // would), and comes back after a database restart.
        services.AddHostedService<JobQueueListener>();
        services.AddHangfireServer(server =>
        {
            server.WorkerCount = options.MaxConcurrency;
            server.Queues = queues;
            // Retries and slices that look again later are scheduled jobs: they are moved to their queue at this pace.
            server.SchedulePollingInterval = TimeSpan.FromSeconds(options.PollSeconds);
            // A stopping Worker cancels its jobs at once: they hand their items back and Hangfire requeues them for any
            // Worker, instead of being cut off when the process exits.
            server.StopTimeout = TimeSpan.Zero;
            server.ShutdownTimeout = TimeSpan.FromSeconds(15);
        });
        services.AddScoped<Domain.Jobs.IImportJobs, ImportJob>();
        services.AddGrading();
        services.AddHostedService<Imports.ImportWarmUp>();
        return builder;
    }

    /// <summary>
    /// Model access: the caller, the limits shared by all Workers, and data protection on the Api's key ring (the Worker
    /// decrypts the model keys the Api stored).
    /// </summary>
    public static IServiceCollection AddModelCalls(this IServiceCollection services, string connectionString)
    {
        services.AddDatabaseDataProtection();
        services.AddOptions<ModelCallOptions>().BindConfiguration(ModelCallOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new ModelLimiter(connectionString, sp.GetRequiredService<IOptions<ModelCallOptions>>(),
            sp.GetRequiredService<ILogger<ModelLimiter>>()));
        services.AddSingleton<RunCancellationWatcher>();
        services.AddSingleton<ModelPipelines>();
        services.AddSingleton<Grading.StageCallRecorder>();
        services.AddSingleton<Grading.StageKernel>();
        // Calls whose messages are built in code go through the same kernel and filters as the stages.
        services.AddSingleton<IModelCaller>(sp => sp.GetRequiredService<Grading.StageKernel>());
        return services;
    }

    private sealed class WorkerActor : IAuditActorAccessor
    {
        public AuditActor Actor { get; } = new(null, "worker");
    }
}
