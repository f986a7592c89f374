using System.Globalization;
using GradingPortal.Web.Components.Shared;

namespace GradingPortal.Web.Components.Pages.Runs;

/// <summary>Labels and colours of runs, items and money, shared by the runs list, the run page and its live updates.</summary>
public static class RunStyle
{
    public static string StatusLabel(string status) => status switch
    {
        "queued" => "Queued",
        "preparing" => "Preparing",
        "awaitingRubricApproval" => "Awaiting rubric approval",
        "running" => "Running",
        "completed" => "Completed",
        "cancelled" => "Cancelled",
        "failed" => "Failed",
        _ => Format.Words(status),
    };

    public static string StatusBadge(string status) => status switch
    {
        "completed" => "text-bg-success",
        "failed" => "text-bg-danger",
        "cancelled" => "text-bg-secondary",
        "awaitingRubricApproval" => "text-bg-warning",
        "running" or "preparing" => "text-bg-primary",
        _ => "text-bg-light border",
    };

    public static string Money(decimal value) => value switch
    {
        0 => "0",
        < 0.01m => value.ToString("0.####", CultureInfo.InvariantCulture),
        _ => value.ToString("0.00", CultureInfo.InvariantCulture),
    };

    public static string Tokens(long count) => count switch
    {
        < 10_000 => count.ToString("N0", CultureInfo.InvariantCulture),
        < 10_000_000 => (count / 1000.0).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => (count / 1_000_000.0).ToString("0.#", CultureInfo.InvariantCulture) + "M",
    };

    public static string Percent(int part, int total) =>
        (total == 0 ? 0 : 100.0 * Math.Clamp(part, 0, total) / total).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    public static string Workflow(string workflow, string? design) => design is null ? workflow : $"{workflow} · {design}";
}
