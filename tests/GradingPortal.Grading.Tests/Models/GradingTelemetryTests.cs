using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using GradingPortal.Domain.Grading;
using GradingPortal.Hosting;
using GradingPortal.Testing.FakeOpenAi;
using GradingPortal.Worker.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using static GradingPortal.Grading.Tests.Models.ModelCalls;

namespace GradingPortal.Grading.Tests.Models;

/// <summary>The grading pipeline's meter, fed from the stage-call recording, and the hosts' shared telemetry switch.</summary>
public sealed class GradingTelemetryTests(ModelDatabase database) : IClassFixture<ModelDatabase>, IAsyncLifetime
{
    private FakeOpenAiServer _fake = null!;
    private TestWorker _worker = null!;

    public async ValueTask InitializeAsync()
    {
        _fake = await FakeOpenAiServer.StartAsync();
        _fake.ScriptJson(ScoreSchemaName, _ => Score());
        _worker = TestWorker.Start(database.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await _worker.DisposeAsync();
        await _fake.DisposeAsync();
    }

    private sealed record Recorded(string Instrument, double Value, Dictionary<string, object?> Tags);

    /// <summary>Listens to the grading meter, as an OpenTelemetry exporter would.</summary>
    private static MeterListener Listen(ConcurrentQueue<Recorded> into)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == GradingTelemetry.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Add<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? _) where T : struct =>
            into.Enqueue(new Recorded(instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture),
                tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
        listener.SetMeasurementEventCallback<long>(Add);
        listener.SetMeasurementEventCallback<double>(Add);
        listener.Start();
        return listener;
    }

    [Fact]
    public async Task StageCall_Finished_RecordsCallTokensCostAndLatencyForItsStageAndModel()
    {
        var measurements = new ConcurrentQueue<Recorded>();
        using var listener = Listen(measurements);
        var profile = await CreateProfileAsync(_worker.Services, _fake.BaseUrl);
        // A stage name of its own, so calls made by tests running alongside are not counted here.
        var stage = $"telemetry-{Guid.NewGuid():N}"[..20];
        var request = Request() with { Stage = stage };

        var result = await _worker.Caller.CallAsync(profile, request, TestContext.Current.CancellationToken);

        result.Status.ShouldBe(StageCallStatus.Succeeded);
        var row = (await AttemptsAsync(_worker.Services, request.CallKey)).ShouldHaveSingleItem();
        var mine = measurements.Where(m => Equals(m.Tags.GetValueOrDefault("gp.stage"), stage)).ToList();
        mine.ShouldAllBe(m => Equals(m.Tags["gen_ai.request.model"], "fake-model"));

        var call = mine.Where(m => m.Instrument == GradingTelemetry.StageCallsName).ShouldHaveSingleItem();
        call.Value.ShouldBe(1);
        call.Tags["gp.outcome"].ShouldBe("succeeded");
        mine.Where(m => m.Instrument == GradingTelemetry.DurationName).ShouldHaveSingleItem().Value.ShouldBe(row.LatencyMs / 1000.0);
        mine.Where(m => m.Instrument == GradingTelemetry.CostName).ShouldHaveSingleItem().Value.ShouldBe((double)row.Cost, 1e-9);
        var tokens = mine.Where(m => m.Instrument == GradingTelemetry.TokensName).ToDictionary(m => (string)m.Tags["gp.token.kind"]!, m => (long)m.Value);
        tokens.GetValueOrDefault("input").ShouldBe(row.InputTokens - row.CachedInputTokens);
        tokens.GetValueOrDefault("output").ShouldBe(row.OutputTokens);
        tokens.Values.Sum().ShouldBe(row.InputTokens + row.OutputTokens + row.ReasoningTokens);
    }

    [Fact]
    public async Task RunItemGauges_Collected_ReportEveryStateAndTheQueueDepth()
    {
        var measurements = new ConcurrentQueue<Recorded>();
        using var listener = Listen(measurements);
        await using var connections = new PostgresConnections(database.ConnectionString);
        GradingTelemetry.ObserveRunItems(connections);

        listener.RecordObservableInstruments();

        var states = measurements.Where(m => m.Instrument == GradingTelemetry.ItemsName).Select(m => (string)m.Tags["gp.item.state"]!).ToList();
        states.Order().ShouldBe(["cancelled", "failed", "graded", "needs_attention", "pending", "running"]);
        measurements.Where(m => m.Instrument == GradingTelemetry.QueueDepthName).ShouldHaveSingleItem().Value.ShouldBeGreaterThanOrEqualTo(0);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("http://127.0.0.1:4318", true)]
    public void ServiceDefaults_OtlpEndpoint_TurnsTracesAndMetricsOnOnlyWhenSet(string? endpoint, bool enabled)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [ServiceDefaults.OtlpEndpointKey] = endpoint });

        builder.AddServiceDefaults("gradingportal-test", GradingTelemetry.MeterName);
        using var host = builder.Build();

        (host.Services.GetService<MeterProvider>() is not null).ShouldBe(enabled);
        (host.Services.GetService<TracerProvider>() is not null).ShouldBe(enabled);
    }
}
