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

    /// <summary>Queues the preparation of each problem (a run's problems at its start), side by side.</summary>
    public void PrepareProblems(IEnumerable<Guid> runProblemIds) => EnqueueAll<Guid>([.. runProblemIds.Distinct()], PrepareProblem);

    /// <summary>Queues slices 0..<paramref name="count"/>-1 of a ready problem's grading (slices already queued or running are left alone).</summary>
    public void GradeSlices(Guid runProblemId, int count) =>
        EnqueueAll<int>([.. Enumerable.Range(0, count)], slice => jobs.Enqueue<IGradingJobs>(j => j.GradeSlice(runProblemId, slice, CancellationToken.None)));

    /// <summary>
    /// Hangfire's client writes a job in about a dozen statements (its de-duplication lock and marker, the job, its state and
    /// queue row), each waiting for its round trip: one after another, a run's 20 preparation jobs took 2.6 s on a loaded
    /// machine, and the problems started that much apart. Written side by side they take about as long as a few. Each
    /// enqueue keeps its own de-duplication (<see cref="SkipWhenPendingAttribute"/>), whatever runs beside it.
    /// </summary>
    private static void EnqueueAll<T>(IReadOnlyList<T> items, Action<T> enqueue)
    {
        if (items.Count == 1)
        {
            enqueue(items[0]);
            return;
        }
        Parallel.ForEach(items, new ParallelOptions { MaxDegreeOfParallelism = ParallelWrites }, enqueue);
    }

    /// <summary>Jobs written at once: each holds one of the storage's pooled connections while it is written.</summary>
    private const int ParallelWrites = 8;

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
