namespace GradingPortal.Worker;

/// <summary>How much a Worker process takes on at once.</summary>
public sealed class WorkerOptions
{
    public const string SectionName = "Worker";

    /// <summary>Jobs this process runs in parallel (Quartz thread pool size).</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>
    /// How often an idle Worker asks the job store for work, in seconds (Quartz's idle wait). Jobs scheduled by another
    /// process (the Api) are not signalled to this one, so this is the longest a queued job waits for an idle Worker.
    /// </summary>
    public int PollSeconds { get; set; } = 2;
}
