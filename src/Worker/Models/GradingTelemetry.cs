using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GradingPortal.Worker.Models;

/// <summary>
/// The grading pipeline's activity source and meter: one name for both, so that telemetry set-up can subscribe to it
/// (<c>AddSource</c>/<c>AddMeter</c>). Instruments are created here and nowhere else; add new ones beside these.
/// </summary>
internal static class GradingTelemetry
{
    public const string Name = "GradingPortal.Grading";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    /// <summary>HTTP attempts sent to a model endpoint (tags: model, outcome).</summary>
    public static readonly Counter<long> ModelRequests = Meter.CreateCounter<long>("grading.model.requests", description: "Requests sent to model endpoints");

    /// <summary>Tokens reported in the answers (tags: model, kind = input, cached_input, output, reasoning).</summary>
    public static readonly Counter<long> Tokens = Meter.CreateCounter<long>("grading.model.tokens", unit: "{token}", description: "Tokens reported by model endpoints");

    /// <summary>Cost of the answers in the profile's currency units (tags: model).</summary>
    public static readonly Counter<double> Cost = Meter.CreateCounter<double>("grading.model.cost", description: "Cost of model answers at the profile's prices");

    /// <summary>Latency of one HTTP attempt, slot wait excluded (tags: model).</summary>
    public static readonly Histogram<double> RequestLatency = Meter.CreateHistogram<double>("grading.model.request.duration", unit: "ms", description: "Duration of model requests");

    /// <summary>Logical stage calls through the kernel (tags: stage, prompt, status).</summary>
    public static readonly Counter<long> StageCalls = Meter.CreateCounter<long>("grading.stage.calls", description: "Logical stage calls");

    /// <summary>Duration of a logical stage call, retries and repair included (tags: stage, prompt, status).</summary>
    public static readonly Histogram<double> StageDuration = Meter.CreateHistogram<double>("grading.stage.duration", unit: "ms", description: "Duration of logical stage calls");
}
