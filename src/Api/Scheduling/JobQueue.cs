using GradingPortal.Domain.Jobs;
using Quartz;

namespace GradingPortal.Api.Scheduling;

/// <summary>
/// Puts work into the clustered Quartz store for Workers to run. The Api's scheduler is never started, so the Api
/// never executes jobs. Enqueueing the same (contract, id) twice is a no-op: the job key is derived from the id.
/// The scheduler is registered by name (see QuartzStore), so its factory is a keyed service.
/// </summary>
internal sealed class JobQueue([FromKeyedServices(JobContracts.SchedulerName)] ISchedulerFactory schedulers)
{
    public async Task EnqueueAsync(JobContract contract, Guid id, CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var key = new JobKey($"{contract.Name}-{id:N}", JobContracts.Group);
        if (await scheduler.Exists(key, ct))
        {
            return;
        }
        var job = JobBuilder.Create()
            .OfType(new JobType(contract.TypeName))
            .WithIdentity(key)
            .UsingJobData(contract.IdKey, id.ToString())
            // A job that was running on a Worker that died is run again by another Worker.
            .RequestRecovery()
            .Build();
        var trigger = TriggerBuilder.Create().ForJob(key).WithIdentity(key.Name, JobContracts.Group).StartNow().Build();
        await scheduler.ScheduleJob(job, trigger, default, ct);
    }
}
