using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using GradingPortal.Bench.Web;
using Microsoft.Diagnostics.Runtime;
using Microsoft.Playwright;

// Usage (bench/web.sh passes these; the Web and the Api must be running and seeded):
//   walk     <pid> [top=30]: the live objects of a running .NET process by type (see HeapWalk)
//   loads    <web> <cookie> <solutionId> <annotations> <pages=8> <seconds=30>
//   circuits <web> <cookie> <solutionId> <annotations> <api> <apiToken> <webPid> <circuits=50> [dotnet-counters]
//   fanout   <web> <cookie> <solutionId> <annotations> <api> <apiToken> <circuits=50, or a list: 10,50>   (the fan-out alone)
//   memory   same arguments as circuits: the memory per idle circuit alone, without the fan-out
// "loads": N headless pages load the solution page again and again for the given time; a load counts when the page
// is interactive and fully rendered, not when the prerendered GET returns (that is the wrk figure of bench/web.sh).
// "circuits": opens that many solution pages in one browser, lets them go idle, measures the Web process's memory
// per circuit, then revises the grade through the Api and times how long each open page takes to show it.
// The time a page shows the grade is taken inside the page: a MutationObserver, installed before the write, records
// Date.now() when the grade's text changes to the new points (the same machine clock as the bench's), and the bench
// collects it with one evaluation per page that waits on the page's own promise. Earlier versions polled each page every
// 20 ms from the bench, which with 50 pages was itself load on the cores it measured. With GP_WEB_LOG and GP_API_LOG (the
// processes' logs at Debug for the solution page and the change notices), the server-side stages are reported as well.
var inv = CultureInfo.InvariantCulture;
var mode = args[0];
if (mode == "walk")
{
    // One look at a running process: its live objects by type, biggest first.
    var live = HeapWalk.Take(int.Parse(args[1], inv));
    Console.WriteLine(string.Create(inv, $"{live.Total / 1048576.0:F2} MB live"));
    foreach (var (type, (bytes, objects)) in live.Types.OrderByDescending(t => t.Value.Bytes).Take(args.Length > 2 ? int.Parse(args[2], inv) : 30))
    {
        Console.WriteLine(string.Create(inv, $"  {bytes / 1024.0,10:F1} KB {objects,8}  {type}"));
    }
    return 0;
}
var web = args[1].TrimEnd('/');
var cookie = args[2];
var solutionId = args[3];
var annotations = int.Parse(args[4], inv);
var pageUrl = $"{web}/solutions/{solutionId}";

// Fully rendered: the circuit has taken the prerendered page over and it takes input (data-interactive), every
// annotation is listed, the highlights are drawn into the proof, KaTeX has loaded and no math element waits to be
// typeset.
const string RenderedScript = """
    n => !!document.querySelector('[data-testid=solution-page][data-interactive=true]')
      && !!document.querySelector('[data-testid=solution-title]')
      && document.querySelectorAll('[data-testid=annotation-item]').length >= n
      && document.querySelectorAll('#gp-proof mark[data-ann]').length > 0
      && !!window.katex
      && document.querySelectorAll('#gp-proof .gp-math:not([data-rendered])').length === 0
    """;

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new()
{
    ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium",
    Headless = true,
    Args = ["--no-sandbox", "--disable-dev-shm-usage"],
});

async Task<IBrowserContext> SignedInContextAsync()
{
    var context = await browser.NewContextAsync();
    var cookies = cookie.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Select(c => c.Split('=', 2))
        .Select(p => new Cookie { Name = p[0], Value = p[1], Url = web })
        .ToList();
    await context.AddCookiesAsync(cookies);
    return context;
}

async Task LoadRenderedAsync(IPage page, float timeoutMs = 60_000)
{
    await page.GotoAsync(pageUrl, new() { WaitUntil = WaitUntilState.Commit, Timeout = timeoutMs });
    await page.WaitForFunctionAsync(RenderedScript, annotations, new() { PollingInterval = 20, Timeout = timeoutMs });
}

static double Percentile(List<double> sorted, double p) =>
    sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];

if (mode == "loads")
{
    var pages = args.Length > 5 ? int.Parse(args[5], inv) : 8;
    var seconds = args.Length > 6 ? int.Parse(args[6], inv) : 30;
    var workers = new List<IPage>();
    for (var i = 0; i < pages; i++)
    {
        var context = await SignedInContextAsync();
        var page = await context.NewPageAsync();
        await LoadRenderedAsync(page); // warm-up: the first load of each page is not counted
        workers.Add(page);
    }
    var times = new List<double>();
    var failures = 0;
    var clock = Stopwatch.StartNew();
    var end = TimeSpan.FromSeconds(seconds);
    await Task.WhenAll(workers.Select(async page =>
    {
        while (clock.Elapsed < end)
        {
            var started = clock.Elapsed;
            try
            {
                await LoadRenderedAsync(page);
                lock (times)
                {
                    times.Add((clock.Elapsed - started).TotalMilliseconds);
                }
            }
            catch (TimeoutException)
            {
                Interlocked.Increment(ref failures);
            }
        }
    }));
    var elapsed = clock.Elapsed.TotalSeconds;
    times.Sort();
    Console.WriteLine(string.Create(inv,
        $"RESULT {times.Count / elapsed:F1} full loads/s ({times.Count} in {elapsed:F1} s, {pages} pages, {failures} timed out); " +
        $"load time p50 {Percentile(times, 50):F0} ms, p95 {Percentile(times, 95):F0} ms, p99 {Percentile(times, 99):F0} ms"));
    return 0;
}

if (mode is "circuits" or "memory")
{
    var api = args[5].TrimEnd('/');
    var apiToken = args[6];
    var webPid = int.Parse(args[7], inv);
    var count = args.Length > 8 ? int.Parse(args[8], inv) : 50;
    var counters = args.Length > 9 ? args[9] : null;

    // Baseline after one page opened and closed, so that what a first circuit loads once (assemblies, JIT) is not
    // counted per circuit.
    var warm = await (await SignedInContextAsync()).NewPageAsync();
    await LoadRenderedAsync(warm);
    await warm.Context.CloseAsync();
    await Task.Delay(TimeSpan.FromSeconds(5));
    var before = await MemoryAsync();
    var gcdump = Environment.GetEnvironmentVariable("GP_GCDUMP") is { Length: > 0 } tool ? tool : null;
    var liveBefore = gcdump is null ? null : await GcDumpAsync(gcdump, webPid, "before");
    // Right after the gcdump's full collection: exact live bytes per type (the gcdump report's per-type bytes are not).
    var walk = Environment.GetEnvironmentVariable("GP_HEAP_WALK") != "0";
    var typesBefore = walk ? Walk("before") : null;

    var context = await SignedInContextAsync();
    var pages = new List<IPage>();
    var open = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        var page = await context.NewPageAsync();
        await LoadRenderedAsync(page, 120_000);
        pages.Add(page);
    }
    Console.WriteLine(string.Create(inv, $"opened {count} fully rendered solution pages in {open.Elapsed.TotalSeconds:F1} s"));
    // Idle: no input; each circuit keeps its change stream open (heartbeats) and polls slowly, which is what an open tab costs.
    await Task.Delay(TimeSpan.FromSeconds(15));
    var after = await MemoryAsync();
    Console.WriteLine(string.Create(inv,
        $"RESULT memory: Web RSS {Mb(before.Rss)} -> {Mb(after.Rss)} MB = {Mb((after.Rss - before.Rss) / count):F2} MB per idle circuit; " +
        $"GC heap (after the last collection) {Mb(before.Heap)} -> {Mb(after.Heap)} MB = {Mb((after.Heap - before.Heap) / count):F2} MB per idle circuit ({count} circuits)"));
    if (gcdump is not null && liveBefore is not null && await GcDumpAsync(gcdump, webPid, "after") is { } liveAfter)
    {
        // A gcdump is taken after a full, blocking collection: only what is reachable counts, none of the garbage that a
        // heap size "after the last collection" of a generation may still include.
        Console.WriteLine(string.Create(inv,
            $"RESULT live heap (dotnet-gcdump, after a full collection): {Mb(liveBefore.Value)} -> {Mb(liveAfter)} MB = " +
            $"{(liveAfter - liveBefore.Value) / 1024.0 / count:F0} KB per idle circuit"));
    }
    if (typesBefore is not null && Walk("after") is { } typesAfter)
    {
        Console.WriteLine(string.Create(inv,
            $"RESULT live objects reachable from roots: {Mb(typesBefore.Total)} -> {Mb(typesAfter.Total)} MB = " +
            $"{(typesAfter.Total - typesBefore.Total) / 1024.0 / count:F0} KB per idle circuit; the types that grew most, per circuit:"));
        PrintGrowth(typesBefore.Types, typesAfter.Types, 25);
        Console.WriteLine("RESULT what the render trees of each kind of component keep (both trees, attribute-name maps, last parameters), per circuit:");
        PrintGrowth(typesBefore.Components, typesAfter.Components, 25);
        Console.WriteLine("RESULT strings of 2 KB or more, by how they start, per circuit:");
        PrintGrowth(typesBefore.LargeStrings, typesAfter.LargeStrings, 10);
        Console.WriteLine("RESULT dynamic methods (generated IL) by what holds them, per circuit:");
        PrintGrowth(typesBefore.DynamicMethods, typesAfter.DynamicMethods, 40);
        // The walk paused the Web; its circuits catch up on their heartbeats before the fan-out is timed.
        await Task.Delay(TimeSpan.FromSeconds(5));
    }

    return mode == "memory" ? 0 : await FanOutAsync(pages, api, apiToken);

    LiveTypes? Walk(string name)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var live = HeapWalk.Take(webPid);
            Console.WriteLine(string.Create(inv, $"heap walk ({name}): {live.Types.Values.Sum(t => t.Count)} live objects read in {clock.Elapsed.TotalSeconds:F1} s"));
            return live;
        }
        catch (Exception e) when (e is ClrDiagnosticsException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            Console.WriteLine($"heap walk ({name}) not possible: {e.Message}");
            return null;
        }
    }

    void PrintGrowth(Dictionary<string, (long Bytes, long Count)> before, Dictionary<string, (long Bytes, long Count)> after, int top)
    {
        foreach (var (type, bytes, objects) in after
            .Select(t => (t.Key, Bytes: t.Value.Bytes - before.GetValueOrDefault(t.Key).Bytes,
                Objects: t.Value.Count - before.GetValueOrDefault(t.Key).Count))
            .OrderByDescending(t => t.Bytes).Take(top))
        {
            Console.WriteLine(string.Create(inv, $"  {bytes / 1024.0 / count,8:F1} KB {objects / (double)count,7:F1}  {type}"));
        }
    }

    async Task<(long Rss, long Heap)> MemoryAsync()
    {
        var rss = File.ReadLines($"/proc/{webPid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kb = long.Parse(rss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], inv);
        return (kb * 1024, counters is null ? 0 : await GcHeapAsync(counters, webPid));
    }
}

if (mode == "fanout")
{
    var api = args[5].TrimEnd('/');
    var apiToken = args[6];
    // "10,50": the fan-out to 10 open pages, then to 50 (40 more opened), in one run.
    var counts = (args.Length > 7 ? args[7] : "50").Split(',').Select(c => int.Parse(c, inv)).ToList();
    var context = await SignedInContextAsync();
    var pages = new List<IPage>();
    foreach (var count in counts)
    {
        var open = Stopwatch.StartNew();
        while (pages.Count < count)
        {
            var page = await context.NewPageAsync();
            await LoadRenderedAsync(page, 120_000);
            pages.Add(page);
        }
        Console.WriteLine(string.Create(inv, $"{count} fully rendered solution pages open ({open.Elapsed.TotalSeconds:F1} s to open them)"));
        // Let the circuits settle (their streams ready, the browser idle) before the write.
        await Task.Delay(TimeSpan.FromSeconds(5));
        if (await FanOutAsync(pages, api, apiToken) != 0)
        {
            return 1;
        }
    }
    return 0;
}

Console.Error.WriteLine("usage: loads|circuits|memory|fanout ... (see the top of Program.cs)");
return 2;

// Fan-out: revise the caller's own grade through the Api (a new row version, a new total) and time how long each open
// page takes to show the new points, from just before the write is sent.
async Task<int> FanOutAsync(List<IPage> pages, string api, string apiToken)
{
    var count = pages.Count;
    using var http = new HttpClient { BaseAddress = new Uri(api) };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);
    var solution = JsonNode.Parse(await http.GetStringAsync($"/api/solutions/{solutionId}"))!;
    var mine = solution["myGrade"]!;
    var items = solution["rubric"]!["items"]!.AsArray();
    var current = mine["points"]!.GetValue<decimal>();
    var target = current >= 6 ? 4m : 6m;
    var firstMax = items[0]!["points"]!.GetValue<decimal>();
    var first = Math.Min(firstMax, target);
    var body = new JsonObject
    {
        ["points"] = target,
        ["rowVersion"] = mine["rowVersion"]!.DeepClone(),
        ["comment"] = "bench fan-out",
        ["items"] = new JsonArray(
            new JsonObject { ["rubricItemId"] = items[0]!["id"]!.DeepClone(), ["points"] = first },
            new JsonObject { ["rubricItemId"] = items[1]!["id"]!.DeepClone(), ["points"] = target - first }),
    };
    var shown = target.ToString("0.##", inv);
    // The observer fires in the page as soon as the circuit's render batch changed the text (before the next paint).
    const string Observe = """
        t => {
          const seen = () => (document.querySelector('[data-testid=my-grade-points]')?.textContent ?? '').trim().startsWith(t + ' ');
          window.__gpShown = new Promise(resolve => {
            const observer = new MutationObserver(() => {
              if (seen()) { observer.disconnect(); resolve(Date.now()); }
            });
            observer.observe(document.body, { subtree: true, childList: true, characterData: true });
          });
        }
        """;
    await Task.WhenAll(pages.Select(p => p.EvaluateAsync(Observe, shown)));
    var waits = pages.Select(p => p.EvaluateAsync<double>("() => window.__gpShown")).ToList();
    var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    using var response = await http.PostAsync($"/api/solutions/{solutionId}/human-grades",
        new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
    var accepted = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - t0;
    if (!response.IsSuccessStatusCode)
    {
        Console.WriteLine($"the grade was refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return 1;
    }
    var all = Task.WhenAll(waits);
    await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(30)));
    var ok = waits.Where(w => w.IsCompletedSuccessfully).Select(w => w.Result - t0).OrderBy(s => s).ToList();
    Console.WriteLine(string.Create(inv,
        $"RESULT fan-out: grade accepted by the Api in {accepted} ms; shown on {ok.Count}/{count} pages; " +
        $"first {Percentile(ok, 0.0001):F0} ms, p50 {Percentile(ok, 50):F0} ms, all {(ok.Count == count ? ok[^1].ToString("F0", inv) : "never (timed out)")} ms " +
        $"(from sending the write to the grade's text changing in each page)"));
    // The servers' own stamps, when their logs are at hand: where the time between the write and the pages went.
    await Task.Delay(TimeSpan.FromSeconds(1));
    var stages = ServerStages(t0);
    if (stages is not null)
    {
        Console.WriteLine(stages);
    }
    return 0;
}

static string Spread(List<double> sorted) => sorted.Count == 0
    ? "none"
    : string.Create(CultureInfo.InvariantCulture, $"first {sorted[0]:F0}, p50 {Percentile(sorted, 50):F0}, all {sorted[^1]:F0}");

// Reads the Debug stamps (Unix ms) the Api (notice handed to its streams) and the Web (change event reached a circuit,
// the circuit's reads done, its render batch sent) wrote after t0.
static string? ServerStages(long t0)
{
    var apiLog = Environment.GetEnvironmentVariable("GP_API_LOG");
    var webLog = Environment.GetEnvironmentVariable("GP_WEB_LOG");
    if (string.IsNullOrEmpty(apiLog) || string.IsNullOrEmpty(webLog) || !File.Exists(apiLog) || !File.Exists(webLog))
    {
        return null;
    }
    static List<long[]> Stamps(string file, string pattern) => File.ReadLines(file)
        .Select(l => System.Text.RegularExpressions.Regex.Match(l, pattern))
        .Where(m => m.Success)
        .Select(m => m.Groups.Cast<System.Text.RegularExpressions.Group>().Skip(1).Select(g => long.Parse(g.Value, CultureInfo.InvariantCulture)).ToArray())
        .ToList();
    var notices = Stamps(apiLog, @"notice handed to \d+ streams at (\d+)").Select(s => s[0]).Where(s => s >= t0).ToList();
    var events = Stamps(webLog, @"fanned out to \d+ circuits at (\d+)").Select(s => s[0]).Where(s => s >= t0).ToList();
    var shown = Stamps(webLog, @"change at (\d+), reads done at (\d+), render batch sent at (\d+)").Where(s => s[0] >= t0).ToList();
    // Builds from 2026-12 on also stamp when the circuit got its turn at the re-read gate: each circuit's own time, split.
    var turns = Stamps(webLog, @"change at (\d+), reads done at (\d+), render batch sent at (\d+) \(Unix ms\); turn at (\d+)")
        .Where(s => s[0] >= t0).ToList();
    if (notices.Count == 0 && events.Count == 0 && shown.Count == 0)
    {
        return "RESULT fan-out server side: no Debug stamps in the logs (this build does not write them)";
    }
    List<double> Sorted(IEnumerable<long> values) => [.. values.Select(v => (double)(v - t0)).Order()];
    static List<double> Durations(IEnumerable<long> values) => [.. values.Select(v => (double)v).Order()];
    var split = turns.Count == 0 ? "" :
        $"; each circuit's own time (wall, ms): waiting for a turn {Spread(Durations(turns.Select(s => s[3] - s[0])))}, " +
        $"reading {Spread(Durations(turns.Select(s => s[1] - s[3])))}, rendering {Spread(Durations(turns.Select(s => s[2] - s[1])))}";
    // What the circuits read for this change (the page names the Api reads it made), e.g. "grading,history after".
    var reads = File.ReadLines(webLog)
        .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"change at (\d+), .*; read (.+)$"))
        .Where(m => m.Success && long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) >= t0)
        .GroupBy(m => m.Groups[2].Value.Trim())
        .Select(g => $"{g.Count()} x {g.Key}");
    var what = string.Join("; ", reads);
    var suffix = what.Length > 0 ? $"; circuits read: {what}" : "";
    return string.Create(CultureInfo.InvariantCulture,
        $"RESULT fan-out server side (ms after the write): notice at the Api {Spread(Sorted(notices.Take(1)))}; event at the Web " +
        $"{Spread(Sorted(events.Take(1)))}; per circuit ({shown.Count}): event at the circuit {Spread(Sorted(shown.Select(s => s[0])))}, " +
        $"Api reads done {Spread(Sorted(shown.Select(s => s[1])))}, render batch sent {Spread(Sorted(shown.Select(s => s[2])))}{split}{suffix}");
}


static double Mb(long bytes) => Math.Round(bytes / 1048576.0, 2);

// dotnet-gcdump collect (a full, blocking collection, then the live objects) and the total of its report. Only the total
// and the object counts of that report hold: its per-type byte column is the size of one object of the type, so the
// breakdown comes from HeapWalk instead.
static async Task<long?> GcDumpAsync(string tool, int pid, string name)
{
    var directory = Environment.GetEnvironmentVariable("GP_GCDUMP_DIR") ?? Path.GetTempPath();
    var file = Path.Combine(directory, $"web-{name}.gcdump");
    using (var collect = Process.Start(new ProcessStartInfo(tool, ["collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", file])
        { RedirectStandardOutput = true, RedirectStandardError = true })!)
    {
        await collect.StandardOutput.ReadToEndAsync();
        await collect.WaitForExitAsync();
    }
    if (!File.Exists(file))
    {
        return null;
    }
    using var report = Process.Start(new ProcessStartInfo(tool, ["report", file]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    var text = await report.StandardOutput.ReadToEndAsync();
    await report.WaitForExitAsync();
    foreach (var line in text.Split('\n'))
    {
        var trimmed = line.Trim();
        if (trimmed.EndsWith("GC Heap bytes", StringComparison.Ordinal)
            && long.TryParse(trimmed.Split(' ', 2)[0], NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var total))
        {
            return total;
        }
    }
    return null;
}

// dotnet-counters over a few seconds; the runtime reports the heap after its last collection per generation, and the
// last sample of each generation summed is the managed heap.
static async Task<long> GcHeapAsync(string tool, int pid)
{
    var file = Path.Combine(Path.GetTempPath(), $"gp-web-bench-{Guid.NewGuid():N}.csv");
    try
    {
        using var process = Process.Start(new ProcessStartInfo(tool,
            ["collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "--counters", "System.Runtime[dotnet.gc.last_collection.heap.size]",
             "--duration", "00:00:00:05", "--format", "csv", "-o", file])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (!File.Exists(file))
        {
            return 0;
        }
        var latest = new Dictionary<string, long>();
        foreach (var line in File.ReadLines(file).Skip(1))
        {
            var cells = line.Split(',');
            if (cells.Length >= 5 && cells[2].Contains("last_collection.heap.size", StringComparison.Ordinal)
                && double.TryParse(cells[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                latest[cells[2]] = (long)value;
            }
        }
        return latest.Values.Sum();
    }
    finally
    {
        File.Delete(file);
    }
}

