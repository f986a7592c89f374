using System.Globalization;
using GradingPortal.Web.ApiClient;
using JsonElement = System.Text.Json.JsonElement;
using JsonValueKind = System.Text.Json.JsonValueKind;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Runs;

/// <summary>How the converted run pages read and show a run: money, status colours, whether it is still moving.</summary>
public static class RunView
{
    /// <summary>
    /// The document declares money as a number that may also arrive as a string, so the generated client types it as
    /// <c>object</c> (a JSON element once deserialised). Anything unreadable counts as zero rather than failing the page.
    /// </summary>
    public static decimal Amount(object? value) => value switch
    {
        decimal d => d,
        double d => (decimal)d,
        int i => i,
        long l => l,
        JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetDecimal(out var d) => d,
        JsonElement { ValueKind: JsonValueKind.String } e when decimal.TryParse(e.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var d) => d,
        string s when decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) => d,
        _ => 0m,
    };

    public static string Money(object? value) => RunStyle.Money(Amount(value));

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
