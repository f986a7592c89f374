using GradingPortal.Domain.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace GradingPortal.Jobs;

// Compiled into both the Api and the Worker as a linked file (like QuartzStore): both put work into the store.

/// <summary>
/// Puts work into the clustered Quartz store for Workers to run. The Api's scheduler is never started, so the Api
/// never executes jobs; a Worker's is, and jobs that schedule follow-up work (a grading run's problems and solutions)
/// go through the same store, so any Worker may pick them up. Enqueueing the same (contract, id) while such a job is
/// waiting or running is a no-op: the job key is derived from the id. Every job requests recovery.
/// The scheduler is registered by name (see QuartzStore), so its factory is a keyed service.
/// </summary>
internal sealed class JobQueue([FromKeyedServices(JobContracts.SchedulerName)] ISchedulerFactory schedulers)
{
    public static JobKey KeyOf(JobContract contract, Guid id) => new($"{contract.Name}-{id:N}", JobContracts.Group);

    public Task EnqueueAsync(JobContract contract, Guid id, CancellationToken ct) => EnqueueAsync(contract, id, TimeSpan.Zero, ct);

    /// <summary>Schedules the job to start after <paramref name="delay"/>, unless a job with its key is already waiting or running.</summary>
    public async Task EnqueueAsync(JobContract contract, Guid id, TimeSpan delay, CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var key = KeyOf(contract, id);
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
        var trigger = TriggerBuilder.Create().ForJob(key).WithIdentity(key.Name, JobContracts.Group);
        trigger = delay > TimeSpan.Zero ? trigger.StartAt(DateTimeOffset.UtcNow + delay) : trigger.StartNow();
        try
        {
            await scheduler.ScheduleJob(job, trigger.Build(), default, ct);
        }
        catch (ObjectAlreadyExistsException)
        {
            // Another process scheduled the same job between the check and the insert: the work is queued either way.
        }
    }

    /// <summary>Enqueues one job per id (skipping those already waiting or running).</summary>
    public async Task EnqueueManyAsync(JobContract contract, IEnumerable<Guid> ids, CancellationToken ct)
    {
        foreach (var id in ids)
        {
            await EnqueueAsync(contract, id, ct);
        }
    }
}
