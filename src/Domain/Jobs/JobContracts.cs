using Hangfire;

namespace GradingPortal.Domain.Jobs;

/// <summary>
/// The grading pipeline's background jobs. The Api and the Workers enqueue them through Hangfire against this interface
/// (the Api never sees the Worker's implementation); only Workers run them. Every method takes ids and a cancellation token,
/// re-reads what it works on and returns early when the work is done, so a repeated or recovered execution is harmless.
/// Hangfire reads the filters from these methods: enqueueing a job that is already waiting or running for the same
/// arguments does nothing (<see cref="SkipWhenPendingAttribute"/>).
/// </summary>
public interface IGradingJobs
{
    /// <summary>
    /// Reconciles a grading run with what should be happening: plans an unplanned run (its problems and items), queues the
    /// preparation of problems that are not ready and the slices of ready ones, completes a finished run, cancels a
    /// cancelled run's open items.
    /// </summary>
    [Queue(JobQueues.Grading)]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [5, 30, 120])]
    [SkipWhenPending]
    Task PlanRun(Guid runId, CancellationToken cancellationToken);

    /// <summary>Prepares one problem of a run (clusters, analyses, rubrics), grades its solutions beside its slices.</summary>
    [Queue(JobQueues.Grading)]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [5, 30, 120])]
    [SkipWhenPending]
    Task PrepareProblem(Guid runProblemId, CancellationToken cancellationToken);

    /// <summary>
    /// Grades the open solutions of one ready problem of a run: a few slices (numbered from 0) run per problem, on any
    /// Workers, each claiming the problem's next open solution until none is left.
    /// </summary>
    [Queue(JobQueues.Grading)]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [5, 30, 120])]
    [SkipWhenPending]
    Task GradeSlice(Guid runProblemId, int slice, CancellationToken cancellationToken);
}

/// <summary>Imports of uploaded files, enqueued by the Api and run by a Worker.</summary>
public interface IImportJobs
{
    /// <summary>
    /// Imports one staged upload, resuming from its checkpoint. The job counts its own attempts on the import row (and
    /// schedules the next one itself), so Hangfire does not retry it.
    /// </summary>
    [Queue(JobQueues.Imports)]
    [AutomaticRetry(Attempts = 0)]
    [SkipWhenPending]
    Task Run(Guid importId, CancellationToken cancellationToken);
}

/// <summary>The Hangfire queues Workers listen to (configuration <c>Worker:Queues</c>).</summary>
public static class JobQueues
{
    public const string Grading = "grading";

    public const string Imports = "imports";

    /// <summary>Every queue a Worker serves by default.</summary>
    public static readonly IReadOnlyList<string> All = [Imports, Grading];
}

/// <summary>Where Hangfire keeps its tables: a schema of its own on the project's database, installed by the migrator.</summary>
public static class JobSchema
{
    public const string Name = "hangfire";
}
