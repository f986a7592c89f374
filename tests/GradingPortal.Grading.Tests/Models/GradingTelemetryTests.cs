using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using GradingPortal.Domain.Grading;
using GradingPortal.Hosting;
using GradingPortal.Testing.FakeOpenAi;
using GradingPortal.Worker.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
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

    [Fact]
    public async Task ServiceDefaults_OtlpEndpointSet_ExportsTheGradingMetricsOverOtlp()
    {
        // An OTLP/HTTP receiver in this process: it keeps the raw protobuf bodies, in which metric names and string
        // attribute values appear as plain UTF-8.
        var received = new ConcurrentQueue<(string Path, byte[] Body)>();
        var receiverBuilder = WebApplication.CreateSlimBuilder();
        receiverBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var receiver = receiverBuilder.Build();
        receiver.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            received.Enqueue((context.Request.Path.Value!, body.ToArray()));
            return Results.Ok();
        });
        await receiver.StartAsync(TestContext.Current.CancellationToken);
        var endpoint = receiver.Urls.Single();

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ServiceDefaults.OtlpEndpointKey] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        });
        builder.AddServiceDefaults("gradingportal-test", GradingTelemetry.MeterName);
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var profile = await CreateProfileAsync(_worker.Services, _fake.BaseUrl);
        var stage = $"otlp-{Guid.NewGuid():N}"[..20];

        (await _worker.Caller.CallAsync(profile, Request() with { Stage = stage }, TestContext.Current.CancellationToken)).Succeeded.ShouldBeTrue();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        bool Exported() => received.Any(r => r.Path == "/v1/metrics" && Contains(r.Body, stage) && Contains(r.Body, GradingTelemetry.StageCallsName)
            && Contains(r.Body, GradingTelemetry.TokensName) && Contains(r.Body, GradingTelemetry.CostName) && Contains(r.Body, "gradingportal-test"));
        while (!Exported() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        Exported().ShouldBeTrue($"no OTLP metrics export carried the stage call ({received.Count} requests received)");
        await host.StopAsync(CancellationToken.None);
    }

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0;
}
