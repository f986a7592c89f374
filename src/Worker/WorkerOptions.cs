namespace GradingPortal.Worker;

/// <summary>How much a Worker process takes on at once.</summary>
public sealed class WorkerOptions
{
    public const string SectionName = "Worker";

    /// <summary>Jobs this process runs in parallel (Hangfire's worker count).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 256)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>
    /// The Hangfire queues this process takes jobs from (<c>imports</c>, <c>grading</c>; all of them when unset), e.g. to
    /// give imports Workers of their own.
    /// </summary>
    public string[]? Queues { get; set; }

    /// <summary>
    /// How often an idle Worker looks at the queues, in seconds. New jobs wake it at once (Hangfire's long polling through
    /// PostgreSQL LISTEN/NOTIFY); the poll finds what no notice announces: jobs of a Worker that died (see
    /// <see cref="InvisibilityTimeoutSeconds"/>) and notices lost while the listening connection was down.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 300)]
    public int PollSeconds { get; set; } = 2;

    /// <summary>
    /// A running job whose Worker stopped touching it (every fifth of this time while it runs) for this many seconds is
    /// fetched again by another Worker: how long a SIGKILLed Worker's jobs wait, plus up to <see cref="PollSeconds"/>.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(5, 3600)]
    public int InvisibilityTimeoutSeconds { get; set; } = 10;

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
    /// Each slice reads the run, profile and preparation once and goes through the job storage to start and end, so
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

    /// <summary>
    /// Before its Hangfire server starts, the process runs the grading path once without a model or any data change
    /// (prompt rendering, output checks, the jobs' queries), so that a fresh Worker's first jobs are not the ones that
    /// compile it (ADR 021). Takes a second or two of start-up; off, the first run after a start pays for it instead.
    /// </summary>
    public bool WarmUpOnStart { get; set; } = true;
}
