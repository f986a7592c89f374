using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Persistence;
using GradingPortal.Hosting;
using GradingPortal.Jobs;
using GradingPortal.Worker.Grading;
using GradingPortal.Worker.Imports;
using GradingPortal.Worker.Models;
using Microsoft.Extensions.Options;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace GradingPortal.Worker;

/// <summary>Everything a Worker process registers: the database, model access, and a started Quartz cluster node.</summary>
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
        // goes back (SliceRunner). Named locks and Quartz use the connection string's own pool, which resets as usual.
        services.AddSingleton(_ => WorkerDataSource.Build(connectionString));
        services.AddDbContext<GradingDbContext>((sp, db) => db.UseNpgsql(sp.GetRequiredService<WorkerDataSource>().DataSource));
        services.AddModelCalls(connectionString);

        // A clustered node: any number of Worker processes share the queue; jobs that requested recovery and were
        // running on a node that stopped checking in are run again by another node.
        services.AddQuartzStore(connectionString, q =>
        {
            q.UseDefaultThreadPool(Math.Max(1, options.MaxConcurrency));
            // Each pass through the store takes Quartz's cluster lock, twice (acquire, then fire), and under load a pass took
            // about 125 ms: taking as many due triggers per pass as there are free threads lets a burst of jobs (a run's
            // problems, their grading slices) start together. With at most 8 per pass, a run's 20 preparation jobs started
            // in three waves, the last about 0.4 s after the first (bench/grading.sh). The other Workers still take what
            // this one has no threads for.
            q.ConfigureScheduler(scheduler =>
            {
                scheduler.IdleWaitTime = TimeSpan.FromSeconds(Math.Max(1, options.PollSeconds));
                scheduler.MaxBatchSize = Math.Max(1, options.MaxConcurrency);
            });
        });
        services.AddQuartzHostedService(hosted => hosted.WaitForJobsToComplete = true);
        // Jobs queued by the Api or another Worker wake this node at once (JobWakeUps) rather than at its next poll.
        services.AddSingleton(sp => new JobWakeUps(connectionString, sp.GetRequiredService<ILogger<JobWakeUps>>()));
        services.AddHostedService(sp => new JobWakeListener(connectionString,
            sp.GetRequiredKeyedService<Quartz.Extensibility.ISchedulerSignaler>(Domain.Jobs.JobContracts.SchedulerName), sp.GetRequiredService<ILogger<JobWakeListener>>()));
        // After Quartz's hosted service, so that it is stopped first: grading jobs hand their work back while the scheduler
        // still accepts their retry triggers.
        services.AddSingleton<GradingJobDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<GradingJobDrain>());
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
        services.AddSingleton<IModelCaller, ModelCaller>();
        services.AddSingleton<Grading.StageKernel>();
        return services;
    }

    private sealed class WorkerActor : IAuditActorAccessor
    {
        public AuditActor Actor { get; } = new(null, "worker");
    }
}
