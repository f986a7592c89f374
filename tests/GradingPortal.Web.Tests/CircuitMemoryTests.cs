using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Pages.Solutions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.JSInterop;
using MudBlazor.Services;

namespace GradingPortal.Web.Tests;

/// <summary>
/// What an idle solution page keeps in its circuit: every component of the page stays alive with its state and its last
/// render tree. Measured with ASP.NET Core's own renderer (the base class a circuit's renderer shares), holding rendered
/// annotation lists alive after a full collection. The list of a 50-annotation solution was the largest part of an idle
/// solution page while each item was eight MudBlazor components (ADR 022).
/// </summary>
[Collection(MemoryMeasurements.Name)]
public sealed class CircuitMemoryTests
{
    [Fact]
    public async Task AnnotationList_FiftyAnnotations_KeepsUnderThreeHundredKilobytesInTheCircuit()
    {
        var me = Guid.NewGuid();
        var annotations = Enumerable.Range(0, 50).Select(i => new AnnotationResponse
        {
            Id = Guid.NewGuid(), Start = i * 100, End = (i * 100) + 40, Quote = new string('q', 40), ErrorType = "logic", Severity = "major",
            Comment = $"Comment number {i} on why this step does not follow.", Origin = "human", Review = "accepted", AuthorId = me,
            AuthorName = "Ann", CreatedAt = DateTimeOffset.UtcNow, CanDelete = true, CanEdit = true,
        }).ToList();
        ErrorTypeResponse[] types = [new() { Id = "logic", Label = "Logical gap" }];
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMudServices();
        services.AddSingleton<IJSRuntime, NoBrowser>();
        services.AddSingleton<NavigationManager, FixedAddress>();
        await using var provider = services.BuildServiceProvider();
        var parameters = new Dictionary<string, object?>
        {
            [nameof(SolutionAnnotations.Annotations)] = annotations,
            [nameof(SolutionAnnotations.ErrorTypes)] = types,
            [nameof(SolutionAnnotations.CanAnnotate)] = true,
            [nameof(SolutionAnnotations.CanDelete)] = (Func<AnnotationResponse, bool>)(a => a.CanDelete),
        };
        var empty = new Dictionary<string, object?> { [nameof(SolutionAnnotations.Annotations)] = Array.Empty<AnnotationResponse>() };

        var baseline = await RetainedKilobytesAsync(provider, empty);
        var full = await RetainedKilobytesAsync(provider, parameters);

        var perList = full - baseline;
        TestContext.Current.TestOutputHelper?.WriteLine($"annotation list of 50: {perList:F0} KB kept per circuit (empty list: {baseline:F0} KB)");
        // With a MudChip, three MudIconButtons and two MudTexts per item it kept about 1,560 KB (same measurement).
        perList.ShouldBeLessThan(300);
    }

    /// <summary>Kilobytes kept alive per renderer that rendered the list once (ten renderers, after full collections).</summary>
    private static async Task<double> RetainedKilobytesAsync(IServiceProvider provider, Dictionary<string, object?> parameters)
    {
        const int copies = 10;
        await RenderAsync(provider, parameters); // once before measuring: what the first render loads stays for the process
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var kept = new List<HtmlRenderer>();
        for (var i = 0; i < copies; i++)
        {
            kept.Add(await RenderAsync(provider, parameters));
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);
        foreach (var renderer in kept)
        {
            await renderer.DisposeAsync();
        }
        return (after - before) / copies / 1024.0;
    }

    private static async Task<HtmlRenderer> RenderAsync(IServiceProvider provider, Dictionary<string, object?> parameters)
    {
        var renderer = new HtmlRenderer(provider, NullLoggerFactory.Instance);
        await renderer.Dispatcher.InvokeAsync(() => renderer.RenderComponentAsync<SolutionAnnotations>(ParameterView.FromDictionary(parameters)));
        return renderer;
    }

    private sealed class FixedAddress : NavigationManager
    {
        public FixedAddress() => Initialize("http://localhost/", "http://localhost/solutions/1");
    }

    private sealed class NoBrowser : IJSRuntime
    {
        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args) => ValueTask.FromResult(default(TValue)!);

        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args) =>
            ValueTask.FromResult(default(TValue)!);
    }
}

/// <summary>Measurements of retained memory run alone: other tests allocating meanwhile would be counted.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurements
{
    public const string Name = "memory measurements";
}
