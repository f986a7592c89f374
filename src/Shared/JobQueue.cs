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
internal sealed class JobQueue([FromKeyedServices(JobContracts.SchedulerName)] ISchedulerFactory schedulers, JobWakeUps wakeUps)
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
        var job = BuildJob(contract, key, id);
        var trigger = TriggerBuilder.Create().ForJob(key).WithIdentity(key.Name, JobContracts.Group);
        trigger = delay > TimeSpan.Zero ? trigger.StartAt(DateTimeOffset.UtcNow + delay) : trigger.StartNow();
        try
        {
            await scheduler.ScheduleJob(job, trigger.Build(), default, ct);
        }
        catch (ObjectAlreadyExistsException)
        {
            // Another process scheduled the same job between the check and the insert: the work is queued either way.
            return;
        }
        if (delay <= TimeSpan.Zero)
        {
            await wakeUps.AnnounceAsync(ct);
        }
    }

    /// <summary>
    /// Schedules one job per id (like <see cref="EnqueueAsync(JobContract, Guid, CancellationToken)"/>, skipping ids already
    /// waiting or running) in one call to the store: a run's twenty problems pass through Quartz's cluster lock once, not
    /// twenty times.
    /// </summary>
    public async Task EnqueueManyAsync(JobContract contract, IEnumerable<Guid> ids, CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var jobs = new Dictionary<IJobDetail, IReadOnlyCollection<ITrigger>>();
        foreach (var id in ids.Distinct())
        {
            var key = KeyOf(contract, id);
            if (await scheduler.Exists(key, ct))
            {
                continue;
            }
            var job = BuildJob(contract, key, id);
            jobs[job] = [TriggerBuilder.Create().ForJob(key).WithIdentity(key.Name, JobContracts.Group).StartNow().Build()];
        }
        if (await ScheduleAllAsync(scheduler, jobs, ct))
        {
            await wakeUps.AnnounceAsync(ct);
        }
    }

    /// <summary>The key of slice <paramref name="slice"/> of a sliced job (several jobs sharing one record id).</summary>
    public static JobKey SliceKeyOf(JobContract contract, Guid id, int slice) =>
        new($"{contract.Name}-{id:N}-{slice.ToString(System.Globalization.CultureInfo.InvariantCulture)}", JobContracts.Group);

    /// <summary>
    /// Schedules slices 0..<paramref name="count"/>-1 of a sliced job for one record (each job's data holds the id and its
    /// slice number), skipping slices already waiting or running, in one call to the store (one pass through Quartz's
    /// cluster lock instead of one per job).
    /// </summary>
    public async Task EnqueueSlicesAsync(JobContract contract, Guid id, int count, CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var jobs = new Dictionary<IJobDetail, IReadOnlyCollection<ITrigger>>();
        for (var slice = 0; slice < count; slice++)
        {
            var key = SliceKeyOf(contract, id, slice);
            if (await scheduler.Exists(key, ct))
            {
                continue;
            }
            var job = BuildJob(contract, key, id, slice);
            jobs[job] = [TriggerBuilder.Create().ForJob(key).WithIdentity(key.Name, JobContracts.Group).StartNow().Build()];
        }
        if (await ScheduleAllAsync(scheduler, jobs, ct))
        {
            await wakeUps.AnnounceAsync(ct);
        }
    }

    private static IJobDetail BuildJob(JobContract contract, JobKey key, Guid id, int? slice = null)
    {
        var builder = JobBuilder.Create()
            .OfType(new JobType(contract.TypeName))
            .WithIdentity(key)
            .UsingJobData(contract.IdKey, id.ToString())
            // A job that was running on a Worker that died is run again by another Worker.
            .RequestRecovery();
        if (slice is { } n)
        {
            builder = builder.UsingJobData(JobContracts.SliceKey, n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return builder.Build();
    }

    /// <summary>Schedules the jobs; true when there were any.</summary>
    private static async Task<bool> ScheduleAllAsync(IScheduler scheduler, Dictionary<IJobDetail, IReadOnlyCollection<ITrigger>> jobs, CancellationToken ct)
    {
        if (jobs.Count == 0)
        {
            return false;
        }
        try
        {
            await scheduler.ScheduleJobs(jobs, default, ct);
        }
        catch (ObjectAlreadyExistsException)
        {
            // Another process scheduled some of these jobs meanwhile (the batch was rolled back): schedule the rest one by one.
            foreach (var (job, triggers) in jobs)
            {
                try
                {
                    await scheduler.ScheduleJob(job, triggers, default, ct);
                }
                catch (ObjectAlreadyExistsException)
                {
                    // Queued by the other process: the work is queued either way.
                }
            }
        }
        return true;
    }
}
