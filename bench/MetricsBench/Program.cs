using System.Diagnostics;
using System.Globalization;
using GradingPortal.Domain.Evaluation;

// Usage: GradingPortal.Bench.Metrics [graders=20] [pairsPerGrader=2500] [problems=50] [runs=5]
// Builds a synthetic project: people grade every solution 0–7 (whole points, labelled on the 1–4 scale), each grader
// scores the same solutions with its own bias and noise; half of the graders report a median of samples (half points)
// and half a mean of three samples (thirds, so many more distinct scores: the harder case for the cell layout). Each
// solution carries three rubric items in the "with rubric items" variant. Times, in this process:
//   - the first call (includes JIT compilation, as the Api's first request after a start would),
//   - the median and worst of the following runs (what a warm Api pays per request),
// for point estimates only and for the full 1,000-resample intervals; the target is < 2 s with intervals.
// Wall time depends on what else runs on the machine, so each line also gives the process's CPU time: on an otherwise
// idle machine, wall time is about CPU time divided by the cores the computation can use.
var culture = CultureInfo.InvariantCulture;
var graders = args.Length > 0 ? int.Parse(args[0], culture) : 20;
var perGrader = args.Length > 1 ? int.Parse(args[1], culture) : 2500;
var problems = args.Length > 2 ? int.Parse(args[2], culture) : 50;
var runs = args.Length > 3 ? int.Parse(args[3], culture) : 5;

var random = new Random(15);
// Ids from the seeded generator too: the resamples follow the (problem, solution) order, so fixed ids give fixed figures.
var problemIds = Enumerable.Range(0, problems).Select(_ => NewId(random)).ToArray();
var solutions = Enumerable.Range(0, perGrader).Select(i => (Problem: problemIds[i % problems], Id: NewId(random),
    Human: HumanScore(random))).ToArray();
var items = new[] { NewId(random), NewId(random), NewId(random) };

List<IReadOnlyList<ScorePair>> Samples(bool withItems)
{
    var rng = new Random(16);
    var samples = new List<IReadOnlyList<ScorePair>>();
    for (var g = 0; g < graders; g++)
    {
        var bias = rng.NextDouble() * 1.5 - 0.3;
        var noise = 0.5 + rng.NextDouble() * 1.5;
        var thirds = g % 2 == 1;
        var pairs = new List<ScorePair>(perGrader);
        foreach (var s in solutions)
        {
            var raw = Math.Clamp((double)s.Human + bias + noise * Normal(rng), 0, 7);
            var model = thirds ? Math.Round((decimal)raw * 3) / 3 : Math.Round((decimal)raw * 2) / 2;
            IReadOnlyList<RubricItemAward>? awards = withItems
                ? [.. items.Select((id, k) => new RubricItemAward(id, Math.Min(s.Human, 2 + k), Math.Min(Math.Round(model), 2 + k)))]
                : null;
            pairs.Add(new ScorePair(s.Problem, s.Id, s.Human, model, 7, Label(s.Human), Label(model), awards));
        }
        samples.Add(pairs);
    }
    return samples;
}

var plain = Samples(withItems: false);
var withItems = Samples(withItems: true);
Console.WriteLine($"workload: {graders} graders x {perGrader} pairs = {graders * perGrader:N0} pairs, {problems} problems, "
    + $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}");

Measure("point estimates only (no resamples)", plain, new AgreementOptions { Resamples = 0 });
var full = Measure("with 1,000-resample intervals", plain, AgreementOptions.Default);
Measure("with intervals and 3 rubric items per solution", withItems, AgreementOptions.Default);
Measure("with intervals, one thread", plain, new AgreementOptions { MaxDegreeOfParallelism = 1 });

var first = full[0];
Console.WriteLine();
Console.WriteLine($"grader 1: n={first.N} problems={first.Problems} (τ-b over {first.KendallProblems})");
foreach (var (name, m) in first.Metrics.Named())
{
    Console.WriteLine($"  {name,-12} {Format(m.Value)}  [{Format(m.Low)}, {Format(m.High)}]  n={m.N}");
}
return 0;

IReadOnlyList<AgreementReport> Measure(string title, List<IReadOnlyList<ScorePair>> samples, AgreementOptions options)
{
    var process = Process.GetCurrentProcess();
    var watch = Stopwatch.StartNew();
    var cpu = process.TotalProcessorTime;
    var result = Agreement.ComputeMany(samples, options);
    var cold = watch.Elapsed.TotalMilliseconds;
    process.Refresh();
    var coldCpu = (process.TotalProcessorTime - cpu).TotalMilliseconds;
    var warm = new List<(double Wall, double Cpu)>();
    for (var r = 0; r < runs; r++)
    {
        process.Refresh();
        cpu = process.TotalProcessorTime;
        watch.Restart();
        result = Agreement.ComputeMany(samples, options);
        var wall = watch.Elapsed.TotalMilliseconds;
        process.Refresh();
        warm.Add((wall, (process.TotalProcessorTime - cpu).TotalMilliseconds));
    }
    warm.Sort();
    var median = warm[warm.Count / 2];
    var cpus = warm.Select(w => w.Cpu).Order().ToList();
    Console.WriteLine($"{title,-48} first {cold,6:F0} ms (cpu {coldCpu,6:F0})   warm median {median.Wall,6:F0} ms, worst {warm[^1].Wall,6:F0} ms"
        + $" (cpu median {cpus[cpus.Count / 2],6:F0} ms)   [{runs} runs]");
    return result;
}

static string Format(double? v) => v is { } x ? x.ToString("F3", CultureInfo.InvariantCulture).PadLeft(7) : "   null";

static Guid NewId(Random random)
{
    Span<byte> bytes = stackalloc byte[16];
    random.NextBytes(bytes);
    return new Guid(bytes);
}

static decimal HumanScore(Random random)
{
    // Olympiad grades pile up at 0 and 7 with a thin middle.
    var u = random.NextDouble();
    return u < 0.4 ? 0 : u < 0.65 ? 7 : random.Next(1, 7);
}

static string Label(decimal points) => points switch { < 2 => "1", < 4 => "2", < 6 => "3", _ => "4" };

static double Normal(Random random) =>
    Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
