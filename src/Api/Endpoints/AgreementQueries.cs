using System.ComponentModel;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Export;
using GradingPortal.Domain.Evaluation;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace GradingPortal.Api.Endpoints;

/// <summary>Which human grade stands as the reference of a solution.</summary>
internal enum HumanSource
{
    /// <summary>The adjudicated final grade, else the mean of people's grades (the export's human reference).</summary>
    Adjudicated,
    /// <summary>The mean of people's grades, adjudicated or not.</summary>
    Mean,
    /// <summary>The earliest person's grade.</summary>
    First,
}

/// <summary>A parsed, validated agreement request.</summary>
internal sealed record AgreementRequest(HumanSource HumanSource, decimal? Threshold, IReadOnlyList<Guid>? ProblemIds, IReadOnlyList<Guid>? GraderIds)
{
    public string HumanSourceName => AgreementQuery.Name(HumanSource);

    /// <summary>Identifies the request in the cache: the same filters in any order are the same request.</summary>
    public string CacheKey => string.Join('|', HumanSourceName, Threshold?.ToString(CultureInfo.InvariantCulture) ?? "",
        string.Join(',', (ProblemIds ?? []).Order()), string.Join(',', (GraderIds ?? []).Order()));
}

/// <summary>The query string of the agreement endpoints.</summary>
internal readonly record struct AgreementQuery
{
    public const int MaxListLength = 1000;

    [Description("`adjudicated` (default: the adjudicated final grade, else the mean of people's grades), `mean` (mean of people's grades) or `first` (the earliest person's grade).")]
    [FromQuery(Name = "humanSource")]
    public string? HumanSource { get; init; }

    [Description("Pass mark of the binary view (a solution passes at this score or above), between 0 and the largest maximum of the project's problems. Default: each problem's maximum minus one.")]
    [FromQuery(Name = "threshold")]
    public string? Threshold { get; init; }

    [Description("Only these problems. Comma-separated ids, or the parameter repeated.")]
    [FromQuery(Name = "problemIds")]
    public string[]? ProblemIds { get; init; }

    [Description("Only these graders (the `grader.id` of a result). Comma-separated ids, or the parameter repeated.")]
    [FromQuery(Name = "graderIds")]
    public string[]? GraderIds { get; init; }

    public static string Name(Endpoints.HumanSource source) => source switch
    {
        Endpoints.HumanSource.Mean => "mean",
        Endpoints.HumanSource.First => "first",
        _ => "adjudicated",
    };

    /// <summary>Validates every parameter except the threshold's upper bound, which depends on the project's problems.</summary>
    public (AgreementRequest? Request, Dictionary<string, string[]> Errors) Parse()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var source = (HumanSource ?? "adjudicated").Trim().ToLowerInvariant() switch
        {
            "" or "adjudicated" => Endpoints.HumanSource.Adjudicated,
            "mean" => Endpoints.HumanSource.Mean,
            "first" => Endpoints.HumanSource.First,
            _ => Fail(errors, "humanSource", "humanSource is adjudicated, mean or first.", Endpoints.HumanSource.Adjudicated),
        };
        decimal? threshold = null;
        if (!string.IsNullOrWhiteSpace(Threshold))
        {
            if (decimal.TryParse(Threshold.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) && parsed >= 0)
            {
                threshold = parsed;
            }
            else
            {
                errors["threshold"] = ["threshold is a number of points, 0 or more (e.g. 6 or 5.5)."];
            }
        }
        var problemIds = Ids(errors, "problemIds", ProblemIds);
        var graderIds = Ids(errors, "graderIds", GraderIds);
        return errors.Count > 0 ? (null, errors) : (new AgreementRequest(source, threshold, problemIds, graderIds), errors);
    }

    /// <summary>Parses a list of ids (comma-separated or repeated); an empty list means no filter.</summary>
    internal static List<Guid>? Ids(Dictionary<string, string[]> errors, string field, string[]? values)
    {
        if (values is null)
        {
            return null;
        }
        var items = values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (items.Count > MaxListLength)
        {
            errors[field] = [$"At most {MaxListLength} values."];
            return null;
        }
        var ids = new List<Guid>(items.Count);
        var bad = items.Where(i => !Guid.TryParse(i, out _)).ToList();
        if (bad.Count > 0)
        {
            errors[field] = [$"Not ids: {string.Join(", ", bad.Take(5))}."];
            return null;
        }
        ids.AddRange(items.Select(Guid.Parse).Distinct());
        // An empty list (e.g. "?problemIds=") means no filter, as if the parameter were absent.
        return ids.Count == 0 ? null : ids;
    }

    private static T Fail<T>(Dictionary<string, string[]> errors, string field, string message, T fallback)
    {
        errors[field] = [message];
        return fallback;
    }
}

/// <summary>A solution the project holds, with what its problem allows.</summary>
internal readonly record struct AgreementSolution(Guid SolutionId, Guid ProblemId, int MaxPoints);

/// <summary>One grader's scores per solution, before they are paired with the reference.</summary>
internal sealed class GraderScores(AgreementGraderDto grader)
{
    public AgreementGraderDto Grader { get; } = grader;
    public Dictionary<Guid, decimal> Points { get; } = [];
    public Dictionary<Guid, Dictionary<Guid, decimal>> Items { get; } = [];
}

/// <summary>
/// Everything the agreement figures of a project rest on, read with a handful of set-based queries (solutions, human
/// grades, adjudications, model grades, runs; item awards only when asked), never one query per solution or grader.
/// </summary>
internal sealed class AgreementData
{
    public required Dictionary<Guid, AgreementSolution> Solutions { get; init; }
    public required Dictionary<Guid, (string Title, int MaxPoints)> Problems { get; init; }
    /// <summary>People's grades per solution, earliest first.</summary>
    public required Dictionary<Guid, List<(decimal Points, Dictionary<Guid, decimal>? Items)>> Humans { get; init; }
    public required Dictionary<Guid, decimal> Adjudicated { get; init; }
    public required List<GraderScores> Graders { get; init; }
    public Dictionary<Guid, (string Title, decimal MaxPoints, Guid ProblemId)> RubricItems { get; init; } = [];

    public static async Task<AgreementData> LoadAsync(GradingDbContext db, Guid projectId, AgreementRequest request, bool withItems,
        CancellationToken ct)
    {
        var problemFilter = request.ProblemIds;
        var problems = await db.Problems.AsNoTracking()
            .Where(p => p.ProjectId == projectId && p.DeletedAt == null && (problemFilter == null || problemFilter.Contains(p.Id)))
            .OrderBy(p => p.CreatedAt).ThenBy(p => p.Id)
            .Select(p => new { p.Id, p.Title, p.MaxPoints }).ToListAsync(ct);
        var problemIds = problems.Select(p => p.Id).ToList();
        var solutions = await db.Solutions.AsNoTracking().Where(s => s.ProjectId == projectId && problemIds.Contains(s.ProblemId))
            .Select(s => new { s.Id, s.ProblemId }).ToListAsync(ct);
        var maxOf = problems.ToDictionary(p => p.Id, p => p.MaxPoints);
        var solutionMap = solutions.ToDictionary(s => s.Id, s => new AgreementSolution(s.Id, s.ProblemId, maxOf[s.ProblemId]));

        var humanRows = await db.HumanGrades.AsNoTracking().Where(h => h.ProjectId == projectId)
            .OrderBy(h => h.CreatedAt).ThenBy(h => h.Id)
            .Select(h => new { h.Id, h.SolutionId, h.Points }).ToListAsync(ct);
        var humanItems = new Dictionary<Guid, Dictionary<Guid, decimal>>();
        if (withItems)
        {
            var rows = await db.HumanGradeItems.AsNoTracking()
                .Join(db.HumanGrades.Where(h => h.ProjectId == projectId), i => i.HumanGradeId, h => h.Id, (i, h) => new { i.HumanGradeId, i.RubricItemId, i.Points })
                .ToListAsync(ct);
            foreach (var row in rows)
            {
                (humanItems.TryGetValue(row.HumanGradeId, out var map) ? map : humanItems[row.HumanGradeId] = [])[row.RubricItemId] = row.Points;
            }
        }
        var humans = new Dictionary<Guid, List<(decimal, Dictionary<Guid, decimal>?)>>();
        foreach (var h in humanRows.Where(h => solutionMap.ContainsKey(h.SolutionId)))
        {
            (humans.TryGetValue(h.SolutionId, out var list) ? list : humans[h.SolutionId] = []).Add((h.Points, humanItems.GetValueOrDefault(h.Id)));
        }
        var adjudicated = (await db.Adjudications.AsNoTracking().Where(a => a.ProjectId == projectId)
                .Select(a => new { a.SolutionId, a.Points }).ToListAsync(ct))
            .Where(a => solutionMap.ContainsKey(a.SolutionId)).ToDictionary(a => a.SolutionId, a => a.Points);

        // Only scored verdicts count: NeedsAttention and Unscored grades have no total to compare (ModelGradeStatus).
        var modelRows = await db.ModelGrades.AsNoTracking()
            .Where(g => g.ProjectId == projectId && g.Status == ModelGradeStatus.Valid && g.Points != null)
            .Select(g => new { g.Id, g.SolutionId, g.RunId, g.Source, g.Model, Points = g.Points!.Value }).ToListAsync(ct);
        var runs = await db.GradingRuns.AsNoTracking().Where(r => r.ProjectId == projectId)
            .Select(r => new { r.Id, r.Workflow, r.RubricDesign, r.Samples, r.Aggregation, r.ProfileSnapshot, r.CreatedAt }).ToListAsync(ct);
        var modelItems = new Dictionary<Guid, Dictionary<Guid, decimal>>();
        if (withItems)
        {
            var rows = await db.ModelGradeItems.AsNoTracking().Where(i => i.RubricItemId != null)
                .Join(db.ModelGrades.Where(g => g.ProjectId == projectId && g.Status == ModelGradeStatus.Valid), i => i.ModelGradeId, g => g.Id,
                    (i, g) => new { i.ModelGradeId, RubricItemId = i.RubricItemId!.Value, i.Points })
                .ToListAsync(ct);
            foreach (var row in rows)
            {
                (modelItems.TryGetValue(row.ModelGradeId, out var map) ? map : modelItems[row.ModelGradeId] = [])[row.RubricItemId] = row.Points;
            }
        }

        var graders = new Dictionary<Guid, GraderScores>();
        var runById = runs.ToDictionary(r => r.Id);
        // An imported source may grade a solution more than once (several records); its score there is their mean.
        var importedSums = new Dictionary<(Guid Grader, Guid Solution), (decimal Sum, int Count)>();
        foreach (var row in modelRows.Where(r => solutionMap.ContainsKey(r.SolutionId)))
        {
            GraderScores scores;
            if (row.RunId is { } runId && runById.TryGetValue(runId, out var run))
            {
                if (!graders.TryGetValue(runId, out scores!))
                {
                    scores = graders[runId] = new GraderScores(RunGrader(runId, run.Workflow, run.RubricDesign, run.Samples, run.Aggregation,
                        run.ProfileSnapshot, row.Model));
                }
                // One grade per run and solution (unique index); with several samples it carries the run's aggregate.
                scores.Points[row.SolutionId] = row.Points;
            }
            else
            {
                var id = ImportedId(row.Source, row.Model);
                if (!graders.TryGetValue(id, out scores!))
                {
                    scores = graders[id] = new GraderScores(ImportedGrader(row.Source, row.Model));
                }
                var key = (id, row.SolutionId);
                var (sum, count) = importedSums.GetValueOrDefault(key);
                importedSums[key] = (sum + row.Points, count + 1);
                scores.Points[row.SolutionId] = (sum + row.Points) / (count + 1);
            }
            if (modelItems.TryGetValue(row.Id, out var items))
            {
                scores.Items[row.SolutionId] = items;
            }
        }
        var graderFilter = request.GraderIds;
        var ordered = graders.Values
            .Where(g => graderFilter is null || graderFilter.Contains(g.Grader.Id))
            .OrderBy(g => g.Grader.Kind == "run" ? 0 : 1)
            .ThenBy(g => g.Grader.Kind == "run" ? runById[g.Grader.Id].CreatedAt : DateTimeOffset.MinValue)
            .ThenBy(g => g.Grader.Label, StringComparer.Ordinal)
            .ToList();

        var rubricItems = new Dictionary<Guid, (string, decimal, Guid)>();
        if (withItems)
        {
            var rows = await db.RubricItems.AsNoTracking()
                .Join(db.Rubrics.Where(r => r.ProjectId == projectId), i => i.RubricId, r => r.Id, (i, r) => new { i.Id, i.Title, i.Points, r.ProblemId })
                .ToListAsync(ct);
            rubricItems = rows.ToDictionary(r => r.Id, r => (r.Title, r.Points, r.ProblemId));
        }

        return new AgreementData
        {
            Solutions = solutionMap,
            Problems = problems.ToDictionary(p => p.Id, p => (p.Title, p.MaxPoints)),
            Humans = humans!,
            Adjudicated = adjudicated,
            Graders = ordered,
            RubricItems = rubricItems,
        };
    }

    /// <summary>How a grading run is named wherever graders are listed (agreement, audit).</summary>
    public static AgreementGraderDto RunGrader(Guid runId, string workflow, string? rubricDesign, int samples, string aggregation,
        string profileSnapshot, string gradeModel)
    {
        var (_, model) = GradingRunQueries.ProfileOf(profileSnapshot);
        model = model.Length > 0 ? model : gradeModel;
        var label = string.Join(" · ", new[] { workflow, rubricDesign, model,
            samples > 1 ? $"{samples} samples ({aggregation})" : null }.Where(p => !string.IsNullOrEmpty(p)));
        return new AgreementGraderDto("run", runId, label, workflow, rubricDesign, model, null, samples);
    }

    /// <summary>How a source of imported model grades is named wherever graders are listed.</summary>
    public static AgreementGraderDto ImportedGrader(string source, string model)
    {
        var label = model.Length == 0 || model == source ? source : $"{source} · {model}";
        return new AgreementGraderDto("imported", ImportedId(source, model), label, null, null, model, source, null);
    }

    /// <summary>
    /// A stable id for a source of imported model grades (source and model name it; there is no row to take an id from),
    /// so that <c>graderIds</c> filters and links work the same for runs and imports.
    /// </summary>
    public static Guid ImportedId(string source, string model)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"imported\n{source}\n{model}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x80); // version 8: a custom, name-derived id
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private readonly Dictionary<(Guid, HumanSource), decimal?> _references = [];

    /// <summary>The reference of a solution under <paramref name="source"/>, or null when people have not graded it that way.</summary>
    public decimal? Reference(Guid solutionId, HumanSource source)
    {
        lock (_references)
        {
            if (!_references.TryGetValue((solutionId, source), out var reference))
            {
                _references[(solutionId, source)] = reference = ComputeReference(solutionId, source);
            }
            return reference;
        }
    }

    private decimal? ComputeReference(Guid solutionId, HumanSource source)
    {
        var grades = Humans.GetValueOrDefault(solutionId);
        var points = grades?.Select(g => g.Points).ToList() ?? [];
        return source switch
        {
            HumanSource.First => points.Count > 0 ? points[0] : null,
            HumanSource.Mean => HumanReference.Of(null, points).Points,
            _ => HumanReference.Of(Adjudicated.TryGetValue(solutionId, out var a) ? a : null, points).Points,
        };
    }

    /// <summary>People's award per rubric item: the first person's under <c>first</c>, else the mean of those who awarded it.</summary>
    public Dictionary<Guid, decimal>? ReferenceItems(Guid solutionId, HumanSource source)
    {
        var grades = Humans.GetValueOrDefault(solutionId);
        return grades is null ? null : ReferenceItemsOf([.. grades.Select(g => g.Items)], source);
    }

    /// <summary>
    /// People's reference award per rubric item from their grades' item awards (earliest grade first, null where a grade
    /// has none): the first person's under <c>first</c>, else the mean of those who awarded each item (an adjudication
    /// decides a total, never item awards).
    /// </summary>
    public static Dictionary<Guid, decimal>? ReferenceItemsOf(IReadOnlyList<Dictionary<Guid, decimal>?> gradesInOrder, HumanSource source)
    {
        var grades = gradesInOrder.Where(g => g is not null).Select(g => g!).ToList();
        if (grades.Count == 0)
        {
            return null;
        }
        if (source == HumanSource.First)
        {
            return gradesInOrder[0];
        }
        return grades.SelectMany(g => g).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Average(kv => kv.Value));
    }

    /// <summary>The pairs of one grader (optionally within one problem): solutions scored by both it and the reference.</summary>
    public List<ScorePair> Pairs(GraderScores grader, HumanSource source, Guid? problemId = null, bool withItems = false)
    {
        var pairs = new List<ScorePair>(grader.Points.Count);
        foreach (var (solutionId, points) in grader.Points)
        {
            var solution = Solutions[solutionId];
            if (problemId is { } p && solution.ProblemId != p || Reference(solutionId, source) is not { } reference)
            {
                continue;
            }
            IReadOnlyList<RubricItemAward>? items = null;
            if (withItems)
            {
                var mine = grader.Items.GetValueOrDefault(solutionId);
                var theirs = ReferenceItems(solutionId, source);
                if (mine is null || theirs is null)
                {
                    continue;
                }
                items = [.. mine.Where(m => theirs.ContainsKey(m.Key)).Select(m => new RubricItemAward(m.Key, theirs[m.Key], m.Value))];
                if (items.Count == 0)
                {
                    continue;
                }
            }
            pairs.Add(new ScorePair(solution.ProblemId, solutionId, reference, points, solution.MaxPoints,
                SampleAggregation.LabelOf(reference, solution.MaxPoints).ToString(CultureInfo.InvariantCulture),
                SampleAggregation.LabelOf(points, solution.MaxPoints).ToString(CultureInfo.InvariantCulture), items));
        }
        return pairs;
    }

    /// <summary>Solutions two or more people graded (optionally within one problem), for the human ceiling.</summary>
    public List<DoubleGradedSolution> DoubleGraded(Guid? problemId = null) =>
        [.. Humans.Where(h => h.Value.Count >= 2 && (problemId is null || Solutions[h.Key].ProblemId == problemId))
            .Select(h => new DoubleGradedSolution(Solutions[h.Key].ProblemId, h.Key, Solutions[h.Key].MaxPoints,
                [.. h.Value.Select(g => new PersonGrade(g.Points, SampleAggregation.LabelOf(g.Points, Solutions[h.Key].MaxPoints).ToString(CultureInfo.InvariantCulture)))]))];
}

/// <summary>
/// Computes the responses from <see cref="AgreementData"/> with <see cref="Agreement.ComputeMany"/> (all graders, and
/// all problems, in one parallel call).
/// </summary>
internal static class AgreementCalculator
{
    /// <summary>Labels of the 1–4 scale first, so that every grader's label confusion lines up.</summary>
    private static readonly string[] s_labelOrder = ["1", "2", "3", "4"];

    public static AgreementOptions Options(AgreementRequest request) => new() { Threshold = request.Threshold, LabelOrder = s_labelOrder };

    public static AgreementResponse Overall(AgreementData data, AgreementRequest request)
    {
        var options = Options(request);
        var samples = data.Graders.Select(g => (IReadOnlyList<ScorePair>)data.Pairs(g, request.HumanSource)).ToList();
        var reports = Agreement.ComputeMany(samples, options);
        var graders = data.Graders.Select((g, i) => Result(g.Grader, reports[i])).ToList();
        return new AgreementResponse(request.HumanSourceName, request.Threshold, graders, Ceiling(data.DoubleGraded(), options));
    }

    public static ProblemAgreementResponse PerProblem(AgreementData data, AgreementRequest request)
    {
        var options = Options(request);
        var cells = data.Problems.Keys.SelectMany(p => data.Graders.Select(g => (Problem: p, Grader: g))).ToList();
        var reports = Agreement.ComputeMany([.. cells.Select(c => (IReadOnlyList<ScorePair>)data.Pairs(c.Grader, request.HumanSource, c.Problem))], options);
        var byProblem = cells.Select((c, i) => (c.Problem, Result: Result(c.Grader.Grader, reports[i])))
            .GroupBy(x => x.Problem).ToDictionary(g => g.Key, g => g.Select(x => x.Result).ToList());
        var problems = data.Problems.Select(p => new ProblemAgreementDto(p.Key, p.Value.Title, p.Value.MaxPoints,
            byProblem.GetValueOrDefault(p.Key) ?? [], Ceiling(data.DoubleGraded(p.Key), options))).ToList();
        return new ProblemAgreementResponse(request.HumanSourceName, request.Threshold, problems);
    }

    public static RubricItemAgreementResponse RubricItems(AgreementData data, AgreementRequest request)
    {
        var options = Options(request);
        var samples = data.Graders.Select(g => (IReadOnlyList<ScorePair>)data.Pairs(g, request.HumanSource, withItems: true)).ToList();
        var reports = Agreement.ComputeMany(samples, options);
        var graders = data.Graders.Select((g, i) => new GraderRubricItemsDto(g.Grader, [.. reports[i].RubricItems
                .Where(r => data.RubricItems.ContainsKey(r.RubricItemId))
                .Select(r =>
                {
                    var (title, max, problemId) = data.RubricItems[r.RubricItemId];
                    return new RubricItemAgreementDto(r.RubricItemId, problemId, title, max, r.N, Dto(r.MeanGrader), Dto(r.MeanReference), Dto(r.Bias));
                })]))
            .Where(g => g.Items.Count > 0).ToList();
        return new RubricItemAgreementResponse(request.HumanSourceName, graders);
    }

    private static AgreementGraderResult Result(AgreementGraderDto grader, AgreementReport report) => new(
        grader,
        report.N,
        Metrics(report.Metrics),
        new AgreementCostDto(null, null),
        [.. report.Calibration.Select(c => new CalibrationRowDto(c.Reference, c.N, c.MeanGrader.Value))],
        new ConfusionDto(report.PointsConfusion.Labels, report.PointsConfusion.Counts));

    private static HumanCeilingDto Ceiling(List<DoubleGradedSolution> solutions, AgreementOptions options)
    {
        var report = Agreement.HumanCeiling(solutions, options);
        return new HumanCeilingDto(report.N, Metrics(report.Metrics));
    }

    private static Dictionary<string, MetricDto> Metrics(AgreementMetrics metrics) =>
        metrics.Named().ToDictionary(kv => kv.Key, kv => Dto(kv.Value), StringComparer.Ordinal);

    private static MetricDto Dto(Metric m) => new(m.Value, m.Low, m.High, m.N);
}

/// <summary>
/// Computed agreement, kept in memory until a grade of the project changes. The key carries the project's grades version,
/// read from the database on every request, so an Api instance that did not see a change itself still never serves a
/// result computed before it: the audit log gets a row in the same transaction as every change to a human grade, an
/// adjudication, a model grade, a solution or a problem, and it is append-only (the database refuses UPDATE and DELETE),
/// so its row count for the project only grows. The count, not the largest id: identity values are handed out before
/// commit, so a transaction holding a smaller id can commit after a larger one was seen; the count still moves.
/// </summary>
internal sealed class AgreementCache : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 200 });

    public static async Task<string> VersionAsync(GradingDbContext db, Guid projectId, CancellationToken ct)
    {
        var count = await db.AuditEvents.Where(e => e.ProjectId == projectId).LongCountAsync(ct);
        return count.ToString(CultureInfo.InvariantCulture);
    }

    public async Task<T> GetOrComputeAsync<T>(string kind, Guid projectId, AgreementRequest request, string version, Func<Task<T>> compute)
        where T : class
    {
        var key = $"{kind}|{projectId:N}|{request.CacheKey}|{version}";
        if (_cache.TryGetValue(key, out T? cached) && cached is not null)
        {
            return cached;
        }
        var value = await compute();
        _cache.Set(key, value, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(30) });
        return value;
    }

    public void Dispose() => _cache.Dispose();
}
