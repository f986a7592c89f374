using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GradingPortal.Hosting;

// Compiled into the Api, the Web and the Worker as a linked file, so the three hosts describe themselves the same way and
// one collector sees one system.

/// <summary>
/// OpenTelemetry for every host: traces and metrics of ASP.NET Core, HttpClient (model endpoints, the Web's Api calls),
/// Npgsql and the host's own meters, plus its logs, exported over OTLP. Only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is
/// set; otherwise nothing is registered, so no listener is attached and instrumented code pays nothing.
/// </summary>
internal static class ServiceDefaults
{
    /// <summary>The standard OpenTelemetry variable; <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> and the other OTEL_* variables apply too.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    // Npgsql 10 has its tracing and metrics built in under this name (what Npgsql.OpenTelemetry's AddNpgsql subscribes to).
    private const string NpgsqlSource = "Npgsql";

    // The runtime's own meter since .NET 9 (GC, thread pool, exceptions), without an instrumentation package.
    private const string RuntimeMeter = "System.Runtime";

    public static bool TelemetryEnabled(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]);

    /// <summary>
    /// Turns telemetry on when an OTLP endpoint is configured. <paramref name="serviceName"/> names the host in the
    /// collector (<c>OTEL_SERVICE_NAME</c> still overrides it); <paramref name="meters"/> are the host's own meters.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, string serviceName, params string[] meters)
        where TBuilder : IHostApplicationBuilder
    {
        if (!TelemetryEnabled(builder.Configuration))
        {
            return builder;
        }
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing
                // Health probes arrive every few seconds and say nothing about the product.
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation()
                .AddSource(NpgsqlSource)
                // A host's own meters have activity sources of the same name (the grading pipeline's stage spans).
                .AddSource(meters))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter(NpgsqlSource, RuntimeMeter)
                .AddMeter(meters))
            // Log records carry what the host logged, which is already scrubbed of model keys where they could appear
            // (ModelClients.Scrub runs before anything is logged), the same text the console shows.
            .WithLogging()
            .UseOtlpExporter();
        return builder;
    }
}
