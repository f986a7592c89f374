using GradingPortal.Domain.Jobs;
using Hangfire;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// The follow-up work grading jobs queue, through Hangfire against <see cref="IGradingJobs"/>, so that any Worker may pick
/// it up. A job already waiting or running for the same arguments is not queued again (<see cref="SkipWhenPendingAttribute"/>).
/// </summary>
internal sealed class GradingQueue(IBackgroundJobClient jobs)
{
    public void PlanRun(Guid runId) => jobs.Enqueue<IGradingJobs>(j => j.PlanRun(runId, CancellationToken.None));

    public void PrepareProblem(Guid runProblemId) => jobs.Enqueue<IGradingJobs>(j => j.PrepareProblem(runProblemId, CancellationToken.None));

    public void PrepareProblems(IEnumerable<Guid> runProblemIds)
    {
        foreach (var id in runProblemIds.Distinct())
        {
            PrepareProblem(id);
        }
    }

    /// <summary>Queues slices 0..<paramref name="count"/>-1 of a ready problem's grading (slices already queued or running are left alone).</summary>
    public void GradeSlices(Guid runProblemId, int count)
    {
        for (var slice = 0; slice < count; slice++)
        {
            var n = slice;
            jobs.Enqueue<IGradingJobs>(j => j.GradeSlice(runProblemId, n, CancellationToken.None));
        }
    }

    /// <summary>Runs this slice again after <paramref name="delay"/> (the running execution does not block its own retry).</summary>
    public void GradeSliceLater(Guid runProblemId, int slice, TimeSpan delay) =>
        jobs.Schedule<IGradingJobs>(j => j.GradeSlice(runProblemId, slice, CancellationToken.None), delay);

    /// <summary>Runs this problem's preparation again after <paramref name="delay"/>.</summary>
    public void PrepareProblemLater(Guid runProblemId, TimeSpan delay) =>
        jobs.Schedule<IGradingJobs>(j => j.PrepareProblem(runProblemId, CancellationToken.None), delay);
}

/// <summary>
/// <see cref="IGradingJobs"/> as Hangfire runs it (in a scope of its own per execution): each method hands over to its job
/// class.
/// </summary>
internal sealed class GradingJobs(IServiceProvider services) : IGradingJobs
{
    public Task PlanRun(Guid runId, CancellationToken cancellationToken) =>
        services.GetRequiredService<StartRunJob>().RunAsync(runId, cancellationToken);

    public Task PrepareProblem(Guid runProblemId, CancellationToken cancellationToken) =>
        services.GetRequiredService<PrepareProblemJob>().RunAsync(runProblemId, cancellationToken);

    public Task GradeSlice(Guid runProblemId, int slice, CancellationToken cancellationToken) =>
        services.GetRequiredService<GradeSliceJob>().RunAsync(runProblemId, slice, cancellationToken);
}
