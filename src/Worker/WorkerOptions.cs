namespace GradingPortal.Worker;

/// <summary>How much a Worker process takes on at once.</summary>
public sealed class WorkerOptions
{
    public const string SectionName = "Worker";

    /// <summary>Jobs this process runs in parallel (Quartz thread pool size).</summary>
    public int MaxConcurrency { get; set; } = 4;
}
