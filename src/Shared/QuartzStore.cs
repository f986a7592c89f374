using GradingPortal.Domain.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace GradingPortal.Jobs;

// Compiled into both the Api (which only schedules) and the Worker (which runs jobs), as a linked file:
// Domain stays free of Quartz, and the two hosts cannot drift apart in how they reach the job store.

/// <summary>Quartz configuration shared by every host that talks to the job store.</summary>
internal static class QuartzStore
{
    public static IServiceCollection AddQuartzStore(this IServiceCollection services, string connectionString,
        Action<IQuartzBuilder>? configure = null) =>
        services.AddQuartz(JobContracts.SchedulerName, q =>
        {
            configure?.Invoke(q);
            q.ConfigureScheduler(options => options.GenerateInstanceId = true);
            q.UsePersistentStore(store =>
            {
                store.ConfigureStore(options =>
                {
                    options.TablePrefix = JobContracts.TablePrefix;
                    options.StoreJobDataAsStrings = true;
                });
                store.UseClustering(_ => { });
                store.UsePostgres(connectionString);
            });
        });
}
