using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using GradingPortal.Grading.Tests.Models;
using GradingPortal.Testing;
using GradingPortal.Worker;
using GradingPortal.Worker.Grading;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GradingPortal.Grading.Tests.Pipeline;

[Collection(PipelineCollection.Name)]
public sealed partial class WarmUpTests(PipelineFixture fixture)
{
    /// <summary>One rendering per prompt file, or per rubric design for the files that have them.</summary>
    private static readonly int s_renderings = PromptLibrary.Default.All.Sum(p => Math.Max(1, p.Designs.Count()));

    [Fact]
    public async Task Worker_FreshStart_WarmsUpEveryPromptBeforeItsServerAnnouncesItselfAndChangesNoRow()
    {
        var before = await RowCountsAsync();
        await using var worker = fixture.StartWorker();

        await WaitForLogAsync(worker, "successfully announced", TimeSpan.FromMinutes(2));

        var log = worker.Log;
        var done = WarmUpDone().Match(log);
        done.Success.ShouldBeTrue(log);
        // The host starts hosted services one by one: the warm-up's end is logged before Hangfire's server announces itself.
        done.Index.ShouldBeLessThan(log.IndexOf("successfully announced", StringComparison.Ordinal));
        int.Parse(done.Groups["rendered"].Value, CultureInfo.InvariantCulture).ShouldBe(s_renderings);
        // Every sample answer passed its schema and its stage's rules, so the whole checking path ran, not an early exit.
        int.Parse(done.Groups["valid"].Value, CultureInfo.InvariantCulture).ShouldBe(s_renderings);
        log.ShouldNotContain("Warm-up failed");
        (await RowCountsAsync()).ShouldBe(before);
        // Its cost on a test machine, for the record (start-up time and what the JIT compiled in each part).
        TestContext.Current.TestOutputHelper?.WriteLine(log[done.Index..].Split('\n')[0]);
    }

    [Fact]
    public async Task Worker_WarmUpOnStartFalse_StartsWithoutWarmingUp()
    {
        await using var worker = fixture.StartWorker(new Dictionary<string, string> { ["Worker__WarmUpOnStart"] = "false" });

        await WaitForLogAsync(worker, "successfully announced", TimeSpan.FromMinutes(2));

        worker.Log.ShouldContain("Warm-up is off");
        worker.Log.ShouldNotContain("Warm-up done");
    }

    [Fact]
    public async Task Worker_SigtermWhileWarmingUp_ExitsWithinTheShutdownTimeout()
    {
        await using var worker = fixture.StartWorker();
        await WaitForLogAsync(worker, "Warming up the grading path", TimeSpan.FromMinutes(2));

        var stopped = Stopwatch.StartNew();
        worker.Stop(TimeSpan.FromSeconds(20), out _).ShouldBeTrue(worker.Log);

        // The fixture's Workers allow 5 s for running jobs; the warm-up adds no wait of its own.
        stopped.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(15));
        // Unless it had just finished, the warm-up saw the stop and said so (rather than failing or running on).
        if (!worker.Log.Contains("Warm-up done", StringComparison.Ordinal))
        {
            worker.Log.ShouldContain("Warm-up stopped");
        }
        worker.Log.ShouldNotContain("Warm-up failed");
    }

    [Fact]
    public async Task WarmUp_PartFails_LogsAWarningAndReturnsSoTheHostGoesOn()
    {
        var logs = new CapturedLogs();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        // No job services registered: the database part cannot resolve the jobs it runs.
        await using var empty = new ServiceCollection().BuildServiceProvider();
        var warmUp = new GradingWarmUp(empty.GetRequiredService<IServiceScopeFactory>(), Options.Create(new WorkerOptions()), loggers,
            loggers.CreateLogger<GradingWarmUp>());

        await warmUp.StartAsync(TestContext.Current.CancellationToken);

        logs.Lines.ShouldContain(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("Warm-up failed", StringComparison.Ordinal));
        // The prompts part had finished and is reported with the failure.
        logs.All.ShouldContain("prompts ");
        logs.All.ShouldNotContain("Warm-up done");
    }

    [Fact]
    public async Task WarmUp_HostAlreadyStopping_ReturnsAtOnceWithoutThrowing()
    {
        var logs = new CapturedLogs();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var empty = new ServiceCollection().BuildServiceProvider();
        var warmUp = new GradingWarmUp(empty.GetRequiredService<IServiceScopeFactory>(), Options.Create(new WorkerOptions()), loggers,
            loggers.CreateLogger<GradingWarmUp>());

        await warmUp.StartAsync(new CancellationToken(canceled: true));

        logs.All.ShouldContain("Warm-up stopped");
        logs.All.ShouldNotContain("Warm-up failed");
    }

    private static async Task WaitForLogAsync(WorkerProcess worker, string text, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!worker.Log.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > until || worker.HasExited)
            {
                throw new TimeoutException($"The Worker did not log \"{text}\":\n{worker.Log}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Rows of the tables a grading run writes to; the warm-up must leave them as they were.</summary>
    private Task<long[]> RowCountsAsync() => fixture.WithDbAsync(async db => new long[]
    {
        await db.GradingRuns.LongCountAsync(),
        await db.GradingRunProblems.LongCountAsync(),
        await db.GradingRunItems.LongCountAsync(),
        await db.StageCalls.LongCountAsync(),
        await db.GradingArtifacts.LongCountAsync(),
        await db.ModelGrades.LongCountAsync(),
        await db.Rubrics.LongCountAsync(),
    });

    [GeneratedRegex(@"Warm-up done in \d+ ms, before taking jobs: (?<rendered>\d+) prompt renderings \((?<valid>\d+) sample answers valid\)")]
    private static partial Regex WarmUpDone();
}
