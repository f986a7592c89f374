using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Persistence;
using GradingPortal.Hosting;
using GradingPortal.Jobs;
using GradingPortal.Worker.Grading;
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
        var connectionString = builder.Configuration.GetConnectionString("Db")
            ?? throw new InvalidOperationException("ConnectionStrings:Db is not configured (environment variable ConnectionStrings__Db).");
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(WorkerOptions.SectionName).Get<WorkerOptions>() ?? new WorkerOptions();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IAuditActorAccessor>(new WorkerActor());
        // Not auto-prepared (unlike the Api): a lane takes a pooled connection per solution, and with prepared statements
        // Npgsql resets a returned connection with seven statements instead of DISCARD ALL; measured with bench/grading.sh,
        // that outweighed the planning it saved (docs/grading-pipeline.md).
        services.AddDbContext<GradingDbContext>(db => db.UseNpgsql(connectionString));
        services.AddModelCalls(connectionString);

        // A clustered node: any number of Worker processes share the queue; jobs that requested recovery and were
        // running on a node that stopped checking in are run again by another node.
        services.AddQuartzStore(connectionString, q =>
        {
            q.UseDefaultThreadPool(Math.Max(1, options.MaxConcurrency));
            // Each pass through the store takes Quartz's cluster lock; taking up to 8 due triggers per pass (instead of
            // one) lets a burst of jobs (a run's problems, their grading slices) start together rather than queue for it.
            q.ConfigureScheduler(scheduler =>
            {
                scheduler.IdleWaitTime = TimeSpan.FromSeconds(Math.Max(1, options.PollSeconds));
                scheduler.MaxBatchSize = Math.Clamp(options.MaxConcurrency, 1, 8);
            });
        });
        services.AddQuartzHostedService(hosted => hosted.WaitForJobsToComplete = true);
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
        return services;
    }

    private sealed class WorkerActor : IAuditActorAccessor
    {
        public AuditActor Actor { get; } = new(null, "worker");
    }
}
