using System.Diagnostics;
using System.Diagnostics.Metrics;
using GradingPortal.Domain.Grading;
using GradingPortal.Hosting;
using Npgsql;

namespace GradingPortal.Worker.Models;

/// <summary>
/// The grading pipeline's metrics, all under the meter <see cref="MeterName"/>: every finished model call (HTTP attempt)
/// by stage, model and outcome, with its tokens, cost and latency; and, when a collector asks, how many run items of
/// unfinished runs are in each state and how many wait for a Worker. The stage-call rows stay the record; these are for
/// dashboards and alerts across Workers.
/// </summary>
internal static class GradingTelemetry
{
    public const string MeterName = "GradingPortal.Grading";

    public const string StageCallsName = "gp.grading.stage_calls";
    public const string TokensName = "gp.grading.tokens";
    public const string CostName = "gp.grading.cost";
    public const string DurationName = "gp.grading.stage_call.duration";
    public const string ItemsName = "gp.grading.run_items";
    public const string QueueDepthName = "gp.grading.queue.depth";

    private static readonly Meter s_meter = new(MeterName);

    /// <summary>Spans of logical stage calls (one per kernel invocation, retries and repair inside it).</summary>
    public static readonly ActivitySource Source = new(MeterName);

    /// <summary>
    /// Requests as the profile's IChatClient pipeline sees them (tags: model, outcome), before any stage-call row exists.
    /// The stage-call instruments below count the same attempts once stored, with their stage; these stay because the
    /// middleware also sees requests that never become a row (a host stopping mid-request).
    /// </summary>
    public static readonly Counter<long> ModelRequests = s_meter.CreateCounter<long>("gp.model.requests", "{request}", "Requests sent to model endpoints.");

    /// <summary>Tokens in the answers as the middleware read them (tags: model, kind).</summary>
    public static readonly Counter<long> Tokens = s_meter.CreateCounter<long>("gp.model.tokens", "{token}", "Tokens reported by model endpoints, per request.");

    /// <summary>Cost of the answers at the profile's prices (tags: model).</summary>
    public static readonly Counter<double> Cost = s_meter.CreateCounter<double>("gp.model.cost", "USD", "Cost of model answers, per request.");

    /// <summary>Latency of one HTTP attempt, slot wait excluded (tags: model).</summary>
    public static readonly Histogram<double> RequestLatency = s_meter.CreateHistogram<double>("gp.model.request.duration", "ms", "Duration of model requests.");

    /// <summary>Logical stage calls through the kernel (tags: stage, prompt, status).</summary>
    public static readonly Counter<long> StageCalls = s_meter.CreateCounter<long>("gp.grading.logical_stage_calls", "{call}", "Logical stage calls, retries and repair included.");

    /// <summary>Duration of a logical stage call, retries and repair included (tags: stage, prompt, status).</summary>
    public static readonly Histogram<double> StageDuration = s_meter.CreateHistogram<double>("gp.grading.logical_stage_call.duration", "ms", "Duration of logical stage calls.");

    private static readonly Counter<long> s_calls = s_meter.CreateCounter<long>(StageCallsName, "{call}",
        "Finished model calls (HTTP attempts) by stage, model and outcome.");

    private static readonly Counter<long> s_tokens = s_meter.CreateCounter<long>(TokensName, "{token}",
        "Tokens of finished model calls by stage, model and kind (input, cached_input, output, reasoning).");

    private static readonly Counter<double> s_cost = s_meter.CreateCounter<double>(CostName, "USD",
        "Cost of finished model calls by stage and model, at the profile's prices.");

    // Model calls take from a second to several minutes; the default buckets (up to 10 s) would put most of them in one.
    private static readonly Histogram<double> s_duration = s_meter.CreateHistogram(DurationName, "s",
        "Latency of finished model calls by stage, model and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320, 640] });

    /// <summary>Records a model call that has ended and been stored (whatever its outcome).</summary>
    public static void RecordStageCall(StageCall call, string model)
    {
        var outcome = call.Status switch
        {
            StageCallStatus.Succeeded => "succeeded",
            StageCallStatus.Invalid => "invalid",
            StageCallStatus.Cancelled => "cancelled",
            StageCallStatus.InFlight => "unknown",
            _ => "failed",
        };
        var stage = new KeyValuePair<string, object?>("gp.stage", call.Stage);
        var modelTag = new KeyValuePair<string, object?>("gen_ai.request.model", model);
        var outcomeTag = new KeyValuePair<string, object?>("gp.outcome", outcome);
        s_calls.Add(1, stage, modelTag, outcomeTag);
        s_duration.Record(call.LatencyMs / 1000.0, stage, modelTag, outcomeTag);
        AddTokens(call.InputTokens - call.CachedInputTokens, "input", stage, modelTag);
        AddTokens(call.CachedInputTokens, "cached_input", stage, modelTag);
        AddTokens(call.OutputTokens, "output", stage, modelTag);
        AddTokens(call.ReasoningTokens, "reasoning", stage, modelTag);
        if (call.Cost > 0)
        {
            s_cost.Add((double)call.Cost, stage, modelTag);
        }
    }

    private static void AddTokens(long count, string kind, KeyValuePair<string, object?> stage, KeyValuePair<string, object?> model)
    {
        if (count > 0)
        {
            s_tokens.Add(count, stage, model, new KeyValuePair<string, object?>("gp.token.kind", kind));
        }
    }

    // The database the gauges read; set once the Worker's services exist.
    private static PostgresConnections? s_connections;

    /// <summary>
    /// The gauges read PostgreSQL, so they run only when a collector collects (every export interval, one small aggregate
    /// query each). Every Worker reports the same shared figures; read them per service instance or take the max.
    /// </summary>
    private static readonly ObservableGauge<long> s_items = s_meter.CreateObservableGauge(ItemsName, () => ReadItemStates(), "{item}",
        "Run items of unfinished runs by state.");

    private static readonly ObservableGauge<long> s_queueDepth = s_meter.CreateObservableGauge(QueueDepthName,
        () => ReadItemStates().Where(m => Equals(m.Tags[0].Value, "pending")).Select(m => new Measurement<long>(m.Value)).ToList(), "{item}",
        "Run items of unfinished runs that wait for a Worker.");

    /// <summary>Points the run-item gauges at the Worker's database.</summary>
    public static void ObserveRunItems(PostgresConnections connections) => s_connections = connections;

    private const string ItemStatesSql = """
        SELECT i.status, count(*) FROM grading_run_items i JOIN grading_runs r ON r.id = i.run_id
        WHERE r.status IN ('Queued', 'Preparing', 'AwaitingRubricApproval', 'Running')
        GROUP BY i.status
        """;

    private static List<Measurement<long>> ReadItemStates()
    {
        if (s_connections is not { } connections)
        {
            return [];
        }
        var counts = Enum.GetValues<RunItemStatus>().ToDictionary(s => s, _ => 0L);
        try
        {
            // Observable callbacks are synchronous by contract; this runs on the exporter's thread, never on a job's.
            using var connection = connections.Default.OpenConnection();
            using var command = new NpgsqlCommand(ItemStatesSql, connection);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (Enum.TryParse<RunItemStatus>(reader.GetString(0), out var status))
                {
                    counts[status] = reader.GetInt64(1);
                }
            }
        }
        catch (NpgsqlException)
        {
            // A gauge that cannot be read reports nothing this time rather than failing the whole export.
            return [];
        }
        return counts.Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>("gp.item.state", StateName(c.Key)))).ToList();
    }

    private static string StateName(RunItemStatus status) => status switch
    {
        RunItemStatus.Pending => "pending",
        RunItemStatus.Running => "running",
        RunItemStatus.Graded => "graded",
        RunItemStatus.NeedsAttention => "needs_attention",
        RunItemStatus.Failed => "failed",
        RunItemStatus.Cancelled => "cancelled",
        _ => status.ToString().ToLowerInvariant(),
    };
}
