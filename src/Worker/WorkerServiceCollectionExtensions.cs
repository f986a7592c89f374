using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Persistence;
using GradingPortal.Jobs;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace GradingPortal.Worker;

/// <summary>Everything a Worker process registers: the database, and a started Quartz cluster node.</summary>
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
        services.AddDbContext<GradingDbContext>(db => db.UseNpgsql(connectionString));

        // A clustered node: any number of Worker processes share the queue; jobs that requested recovery and were
        // running on a node that stopped checking in are run again by another node.
        services.AddQuartzStore(connectionString, q =>
        {
            q.UseDefaultThreadPool(Math.Max(1, options.MaxConcurrency));
            q.ConfigureScheduler(scheduler => scheduler.IdleWaitTime = TimeSpan.FromSeconds(Math.Max(1, options.PollSeconds)));
        });
        services.AddQuartzHostedService(hosted => hosted.WaitForJobsToComplete = true);
        services.AddHostedService<Imports.ImportWarmUp>();
        return builder;
    }

    private sealed class WorkerActor : IAuditActorAccessor
    {
        public AuditActor Actor { get; } = new(null, "worker");
    }
}
