using System.Globalization;
using System.Text;
using System.Text.Json;
using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Problems;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Solutions;
using GradingPortal.Jobs;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

// Usage (environment: ConnectionStrings__Db):
//   GradingPortal.Bench.Grading seed <fakeBaseUrl> <solutions> <problems> <maxConcurrency> [corpusDir]
//     creates a project, a model profile on the fake, the problems (2 or 3 reference solutions each, so clustering,
//     analysis and rubric derivation run) and their solutions, and a queued five-stage run; prints RUN_ID=<id>.
//   GradingPortal.Bench.Grading start <runId>
//     enqueues PlanRun through Hangfire, as the Api does when a run is created.
// Texts come from the Open Proof Corpus (BMOSL problems, human reference solutions and model-written proofs) when its
// folder is given and present, else from generated text of a similar length.
if (args.Length < 2 || args[0] is not ("seed" or "start"))
{
    Console.Error.WriteLine("usage: seed <fakeBaseUrl> <solutions> <problems> <maxConcurrency> [corpusDir] | start <runId>");
    return 2;
}
var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__Db")
    ?? throw new InvalidOperationException("ConnectionStrings__Db is not set.");
var services = new ServiceCollection();
services.AddLogging();
services.AddSingleton<IAuditActorAccessor>(new BenchActor());
services.AddDbContext<GradingDbContext>(db => db.UseNpgsql(connectionString));
services.AddHangfireStorage(connectionString, JobStorageTimings.Default);
await using var provider = services.BuildServiceProvider();
await using var scope = provider.CreateAsyncScope();

if (args[0] == "start")
{
    var runId = Guid.Parse(args[1]);
    scope.ServiceProvider.GetRequiredService<IBackgroundJobClient>().Enqueue<IGradingJobs>(j => j.PlanRun(runId, CancellationToken.None));
    return 0;
}

var baseUrl = args[1];
var solutionCount = int.Parse(args[2], CultureInfo.InvariantCulture);
var problemCount = int.Parse(args[3], CultureInfo.InvariantCulture);
var maxConcurrency = int.Parse(args[4], CultureInfo.InvariantCulture);
var corpus = args.Length > 5 && Directory.Exists(args[5]) ? BenchCorpus.Load(args[5], problemCount) : null;
var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
var now = DateTimeOffset.UtcNow;

var project = Project.Create("Grading benchmark", null, 7, false, false, false, null, now);
db.Projects.Add(project);
// A profile of its own per seeding (names are unique): a warm-up run seeded first does not share the measured run's limits.
var settings = new ModelProfileSettings($"bench fake {project.Id.ToString("N")[^8..]}", baseUrl, "fake-model", 0.1, "low", 4000, 120, maxConcurrency, null,
    new ModelPrices(1m, 0.25m, 4m), StructuredOutputMode.JsonSchema);
var profile = ModelProfile.Create(settings, null, null, null, now);
db.ModelProfiles.Add(profile);

var problemIds = new List<Guid>();
var totalReferences = 0;
for (var p = 0; p < problemCount; p++)
{
    var source = corpus?[p % corpus.Count] ?? BenchCorpus.Generated(p);
    var references = 2 + p % 2;
    totalReferences += references;
    var refs = Enumerable.Range(0, references).Select(r => (source.References[r % source.References.Count], (string?)null));
    var problem = Problem.Create(project.Id, $"Benchmark problem {p + 1}", source.Statement, 7, "bench", $"bench-{p + 1}", null, refs, now);
    db.Problems.Add(problem);
    problemIds.Add(problem.Id);
    // Solutions are spread over the problems as evenly as N allows; each picks an approach (cluster) and a score, and
    // starts with a line of its own so that no two solutions share more than the problem's material.
    var count = solutionCount / problemCount + (p < solutionCount % problemCount ? 1 : 0);
    for (var s = 0; s < count; s++)
    {
        var text = $"Submission {p + 1}.{s + 1}.\n{source.Attempts[s % source.Attempts.Count]}\n[approach {s % references + 1}] [points {s % 8}]";
        db.Solutions.Add(Solution.Create(project.Id, problem.Id, text, $"model-{s % 6}", $"bench-{p + 1}-{s + 1}", now));
    }
}
await db.SaveChangesAsync();

var selection = JsonSerializer.Serialize(new { problemIds });
var run = GradingRun.Create(project.Id, new GradingRunSettings(Workflows.FiveStage, RubricDesigns.Approachability, profile.Id, 1, Aggregations.Median, false),
    JsonSerializer.Serialize(profile.Snapshot(), new JsonSerializerOptions(JsonSerializerDefaults.Web)), "{}", selection, null, now);
db.GradingRuns.Add(run);
await db.SaveChangesAsync();
Console.WriteLine($"RUN_ID={run.Id}");
Console.WriteLine($"SEEDED={solutionCount} solutions, {problemCount} problems, {totalReferences} references, texts from {(corpus is null ? "generated text" : "the Open Proof Corpus")}");
return 0;

internal sealed class BenchActor : IAuditActorAccessor
{
    public AuditActor Actor { get; } = new(null, "bench");
}

/// <summary>A problem's texts: its statement, reference solutions and proofs to grade.</summary>
internal sealed record BenchSource(string Statement, IReadOnlyList<string> References, IReadOnlyList<string> Attempts);

internal static class BenchCorpus
{
    /// <summary>
    /// Problems of the Open Proof Corpus's BMOSL folder with at least three model proofs: the human solutions and the
    /// first model proofs serve as references (a problem needs up to three), the model proofs as the solutions to grade.
    /// </summary>
    public static List<BenchSource> Load(string directory, int wanted)
    {
        var sources = new List<BenchSource>();
        foreach (var path in Directory.GetFiles(Path.Combine(directory, "opc", "BMOSL"), "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            var attempts = root.GetProperty("attempts").EnumerateArray()
                .Select(a => a.GetProperty("solution").GetString() ?? "").Where(t => t.Length > 200).ToList();
            var humans = root.GetProperty("solutions").EnumerateArray()
                .Select(s => s.ValueKind == JsonValueKind.Object ? s.GetProperty("solution").GetString() ?? "" : s.GetString() ?? "")
                .Where(t => t.Length > 0).ToList();
            if (attempts.Count < 3 || humans.Count == 0)
            {
                continue;
            }
            sources.Add(new BenchSource(root.GetProperty("problem").GetString() ?? "", [.. humans, .. attempts.Take(2)], attempts));
            if (sources.Count == wanted)
            {
                break;
            }
        }
        return sources.Count > 0 ? sources : throw new InvalidOperationException($"No usable problems under {directory}.");
    }

    /// <summary>Generated texts of the corpus's typical lengths (statement ~350, reference ~1,800, proof ~4,000 characters).</summary>
    public static BenchSource Generated(int problem)
    {
        var random = new Random(problem + 1);
        string Text(int length)
        {
            string[] words = ["Let", "$n$", "be", "odd.", "Then", "$n^2 = 4k^2 + 4k + 1$,", "so", "the", "claim", "holds.", "By", "induction",
                "on", "$k$", "we", "get", "\\[ \\sum_{i=1}^{k} (2i-1) = k^2 \\]", "and", "the", "lemma", "follows.", "Suppose", "the", "contrary;"];
            var text = new StringBuilder();
            while (text.Length < length)
            {
                text.Append(words[random.Next(words.Length)]).Append(' ');
            }
            return text.ToString().TrimEnd();
        }
        return new BenchSource($"Problem {problem + 1}. Prove that " + Text(330), [Text(1800), Text(1800), Text(1800)],
            [.. Enumerable.Range(0, 5).Select(_ => Text(4000))]);
    }
}
