using GradingPortal.Web.ApiClient;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Runs;

/// <summary>How the run pages show a run: status colours, progress, whether it is still moving.</summary>
public static class RunView
{
    /// <summary>A run's states as the Api names them, in the order a run goes through them.</summary>
    public static readonly string[] Statuses = ["queued", "preparing", "awaitingRubricApproval", "running", "completed", "cancelled", "failed"];

    /// <summary>Finished runs no longer change on their own (retry makes one unfinished again).</summary>
    public static bool IsFinished(string status) => status is "completed" or "cancelled" or "failed";

    public static Color StatusColor(string status) => status switch
    {
        "completed" => Color.Success,
        "failed" => Color.Error,
        "cancelled" => Color.Default,
        "awaitingRubricApproval" => Color.Warning,
        "running" or "preparing" => Color.Primary,
        _ => Color.Default,
    };

    public static int Finished(RunItemCounts counts) => counts.Graded + counts.NeedsAttention + counts.Failed + counts.Cancelled;

    /// <summary>Share of the planned solutions that are finished, 0-100, for the progress bar.</summary>
    public static double PercentFinished(RunItemCounts counts) =>
        counts.Total == 0 ? 0 : 100.0 * Math.Clamp(Finished(counts), 0, counts.Total) / counts.Total;
}
