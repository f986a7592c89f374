using Quartz;

namespace GradingPortal.Worker.Grading;

/// <summary>Small helpers the grading jobs share.</summary>
internal static class GradingJobs
{
    /// <summary>Runs this job again later (another trigger for the same job key), e.g. when the Worker stops mid-way.</summary>
    public static Task RetryLaterAsync(IJobExecutionContext context, TimeSpan delay)
    {
        var trigger = TriggerBuilder.Create()
            .ForJob(context.JobDetail.Key)
            .WithIdentity($"{context.JobDetail.Key.Name}-retry-{Guid.NewGuid():N}", Domain.Jobs.JobContracts.Group)
            .StartAt(DateTimeOffset.UtcNow.Add(delay))
            .Build();
        return context.Scheduler.ScheduleJob(trigger, default, CancellationToken.None).AsTask();
    }

    public static Guid? IdOf(IJobExecutionContext context, Domain.Jobs.JobContract contract) =>
        Guid.TryParse(context.MergedJobDataMap.GetString(contract.IdKey), out var id) ? id : null;
}
