using Bunit;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Pages.Solutions;
using MudBlazor.Services;

namespace GradingPortal.Web.Tests;

/// <summary>
/// What an idle solution page keeps in its circuit, measured in bUnit's renderer (the same component states and render
/// trees a circuit keeps): the annotation list of a 50-annotation solution is the largest part of the page.
/// </summary>
[Collection(MemoryMeasurements.Name)]
public sealed class CircuitMemoryTests : BunitContext
{
    public CircuitMemoryTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void AnnotationList_FiftyAnnotations_RetainsLittlePerCircuit()
    {
        var me = Guid.NewGuid();
        var annotations = Enumerable.Range(0, 50).Select(i => new AnnotationResponse
        {
            Id = Guid.NewGuid(), Start = i * 100, End = i * 100 + 40, Quote = new string('q', 40), ErrorType = "logic", Severity = "major",
            Comment = $"Comment number {i} on why this step does not follow.", Origin = "human", Review = "accepted", AuthorId = me,
            AuthorName = "Ann", CreatedAt = DateTimeOffset.UtcNow, CanDelete = true, CanEdit = true,
        }).ToList();
        ErrorTypeResponse[] types = [new() { Id = "logic", Label = "Logical gap" }];
        Render<SolutionAnnotations>(p => p.Add(c => c.Annotations, annotations).Add(c => c.ErrorTypes, types).Add(c => c.CanAnnotate, true)
            .Add(c => c.CanDelete, a => a.CanDelete));
        var empty = Retained(() => Render<SolutionAnnotations>(p => p.Add(c => c.Annotations, []).Add(c => c.ErrorTypes, types)));
        var full = Retained(() => Render<SolutionAnnotations>(p => p.Add(c => c.Annotations, annotations).Add(c => c.ErrorTypes, types)
            .Add(c => c.CanAnnotate, true).Add(c => c.CanDelete, a => a.CanDelete)));
        Xunit.TestContext.Current.TestOutputHelper?.WriteLine($"empty list {empty:F0} KB, list of 50 {full:F0} KB retained per rendered list");
    }

    private static double Retained(Func<object> render)
    {
        const int copies = 10;
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var kept = new List<object>();
        for (var i = 0; i < copies; i++)
        {
            kept.Add(render());
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(kept);

        return (after - before) / copies / 1024.0;
    }
}

/// <summary>Measurements of retained memory run alone: other tests allocating meanwhile would be counted.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurements
{
    public const string Name = "memory measurements";
}
