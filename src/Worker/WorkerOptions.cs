namespace GradingPortal.Worker;

/// <summary>How much a Worker process takes on at once.</summary>
public sealed class WorkerOptions
{
    public const string SectionName = "Worker";

    /// <summary>Jobs this process runs in parallel (Quartz thread pool size).</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>
    /// How often an idle Worker asks the job store for work, in seconds (Quartz's idle wait). Jobs queued by another process
    /// (the Api, another Worker) wake it at once through a PostgreSQL notice (JobWakeUps); this poll is the fallback, the
    /// longest a queued job waits when the notice is lost (e.g. while the Worker's listening connection reconnects).
    /// </summary>
    public int PollSeconds { get; set; } = 2;

    /// <summary>
    /// An import whose upload has sent nothing for this long (the uploading client or Api vanished without a word) is
    /// failed, in seconds. Clients that merely stall are cut off by the Api's minimum request data rate long before.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 86400)]
    public int UploadStallSeconds { get; set; } = 600;

    /// <summary>Solutions one grading slice job grades at once (each in its own scope and database connection).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 64)]
    public int ItemsInParallel { get; set; } = 8;

    /// <summary>
    /// Solutions this process grades at once over all its slice jobs: bounds the database connections they hold (one each)
    /// whatever the thread count. Around twice the model slots this process gets is enough to keep them busy; far more only
    /// adds waiting for slots.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 256)]
    public int MaxItemsInFlight { get; set; } = 16;

    /// <summary>
    /// A problem gets one slice job per this many open solutions (at least one, at most <see cref="MaxSlicesPerProblem"/>).
    /// Each slice reads the run, profile and preparation once and passes through Quartz's cluster lock to start and end, so
    /// a slice that grades a dozen solutions or more pays that once for all of them; a burst of one slice per handful of
    /// solutions queued faster than the Workers could fire them. A slice that runs out of its own problem's solutions takes
    /// over other ready problems' of the run, so a few slices per problem do not leave the end of a run to one Worker.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100000)]
    public int ItemsPerSlice { get; set; } = 32;

    /// <summary>
    /// At most this many slice jobs share one problem of a run (fewer for small problems: one per <see cref="ItemsPerSlice"/>
    /// open solutions), so several Workers share a large problem.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 64)]
    public int MaxSlicesPerProblem { get; set; } = 8;

    /// <summary>
    /// Times a grading item may be started (claimed) before it is given up: an item whose Worker died this often while
    /// grading it (say a solution that crashes the process) ends Failed instead of being taken over forever. An item a
    /// cancelled job hands back does not use up an attempt.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100)]
    public int MaxItemAttempts { get; set; } = 5;
}
