using System.Text.Json;
using GradingPortal.Api.Contracts;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Rubrics;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>Reads of grading runs (progress, lists) and the cost estimate of a planned run.</summary>
internal static class GradingRunQueries
{
    /// <summary>How many failed items a run's response lists.</summary>
    public const int MaxFailuresShown = 50;

    public static string StatusName(GradingRunStatus status) => JsonNamingPolicy.CamelCase.ConvertName(status.ToString());

    private static string Wire<T>(T value) where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    /// <summary>A run as <paramref name="role"/> in its project may see it (authors of failed solutions may be hidden).</summary>
    public static async Task<GradingRunResponse?> LoadAsync(GradingDbContext db, Guid runId, ProjectRole role, CancellationToken ct)
    {
        var run = await db.GradingRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null)
        {
            return null;
        }
        var byStatus = await db.GradingRunItems.Where(i => i.RunId == runId).GroupBy(i => i.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(ct);
        var counts = Counts(byStatus.Select(s => (s.Status, s.Count)));
        var perProblem = await db.GradingRunItems.Where(i => i.RunId == runId).GroupBy(i => i.ProblemId)
            .Select(g => new { ProblemId = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.ProblemId, g => g.Count, ct);
        var problems = await db.GradingRunProblems.Where(p => p.RunId == runId)
            .Join(db.Problems, rp => rp.ProblemId, p => p.Id, (rp, p) => new { rp.ProblemId, p.Title, rp.Status, rp.Error, p.CreatedAt })
            .OrderBy(p => p.CreatedAt).ToListAsync(ct);
        var calls = await db.StageCalls.Where(c => c.RunId == runId).GroupBy(c => c.RunId)
            .Select(g => new
            {
                Count = g.Count(),
                Input = g.Sum(c => c.InputTokens),
                Cached = g.Sum(c => c.CachedInputTokens),
                Output = g.Sum(c => c.OutputTokens),
                Reasoning = g.Sum(c => c.ReasoningTokens),
                Cost = g.Sum(c => c.Cost),
            }).FirstOrDefaultAsync(ct);
        var failures = await db.GradingRunItems
            .Where(i => i.RunId == runId && (i.Status == RunItemStatus.Failed || i.Status == RunItemStatus.NeedsAttention))
            .OrderBy(i => i.FinishedAt).ThenBy(i => i.Id).Take(MaxFailuresShown)
            .Select(i => new
            {
                i.Id, i.SolutionId, i.ProblemId, i.Status, i.Attempts,
                Error = i.LastError ?? db.ModelGrades.Where(g => g.Id == i.ModelGradeId).Select(g => g.StatusReason).FirstOrDefault(),
            })
            .ToListAsync(ct);
        var names = await SolutionNames.LoadAsync(db, run.ProjectId, role, failures.Select(f => f.SolutionId), ct);
        var pendingRubrics = await db.Rubrics.Where(r => r.DerivedByRunId == runId && r.Status == RubricStatus.Draft)
            .OrderBy(r => r.ProblemId).ThenBy(r => r.Version)
            .Select(r => new PendingRubricResponse(r.Id, r.ProblemId, r.Version, r.ApproachKey)).ToListAsync(ct);
        var (profileName, model) = ProfileOf(run.ProfileSnapshot);
        return new GradingRunResponse(
            run.Id, run.ProjectId, run.Workflow, run.RubricDesign, run.ModelProfileId, profileName, model, run.Samples, run.Aggregation,
            run.RequireRubricApproval, SelectionOf(run.Selection), StatusName(run.Status), run.Error, counts,
            problems.Select(p => new RunProblemResponse(p.ProblemId, p.Title, Wire(p.Status), p.Error, perProblem.GetValueOrDefault(p.ProblemId))).ToList(),
            new TokenCounts(calls?.Input ?? 0, calls?.Cached ?? 0, calls?.Output ?? 0, calls?.Reasoning ?? 0), calls?.Count ?? 0, calls?.Cost ?? 0,
            failures.Select(f => new RunFailureResponse(f.Id, f.SolutionId, f.ProblemId, Wire(f.Status), f.Error, f.Attempts,
                names.GetValueOrDefault(f.SolutionId).Author, names.GetValueOrDefault(f.SolutionId).ExternalId)).ToList(),
            pendingRubrics, run.Prompts.Select(p => new RunPromptResponse(p.Stage, p.Prompt)).ToList(), run.CreatedById, run.CreatedAt, run.StartedAt, run.FinishedAt);
    }

    /// <summary>What a runs list asks for: filters (empty means any), the order and the page.</summary>
    internal sealed record RunListFilter(IReadOnlyList<GradingRunStatus> Statuses, IReadOnlyList<string> Workflows, string Sort, bool Descending,
        int Page, int PageSize);

    /// <summary>What a failures list asks for: filters (empty means failed and needing attention), the order and the page.</summary>
    internal sealed record FailureListFilter(IReadOnlyList<RunItemStatus> Statuses, string Search, string Sort, bool Descending, int Page,
        int PageSize);

    public static async Task<GradingRunPageResponse> ListAsync(GradingDbContext db, Guid projectId, RunListFilter filter, CancellationToken ct)
    {
        var query = db.GradingRuns.AsNoTracking().Where(r => r.ProjectId == projectId);
        if (filter.Statuses.Count > 0)
        {
            var statuses = filter.Statuses.ToList();
            query = query.Where(r => statuses.Contains(r.Status));
        }
        if (filter.Workflows.Count > 0)
        {
            var workflows = filter.Workflows.ToList();
            query = query.Where(r => workflows.Contains(r.Workflow));
        }
        var total = await query.CountAsync(ct);
        // Cost and progress live in other tables: they are summed per run inside the ORDER BY, so only one page is read.
        // Every order ends on the id (UUID v7, so creation order), which keeps a page from shifting between requests.
        var ordered = (filter.Sort, filter.Descending) switch
        {
            ("status", var descending) => query.OrderByLifecycle(r => r.Status, descending).ThenByDescending(r => r.Id),
            ("cost", false) => query.OrderBy(r => db.StageCalls.Where(c => c.RunId == r.Id).Sum(c => c.Cost)).ThenByDescending(r => r.Id),
            ("cost", true) => query.OrderByDescending(r => db.StageCalls.Where(c => c.RunId == r.Id).Sum(c => c.Cost)).ThenByDescending(r => r.Id),
            ("progress", var descending) => OrderByProgress(db, query, descending),
            (_, false) => query.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id),
            _ => query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id),
        };
        var runs = await ordered.Skip((filter.Page - 1) * filter.PageSize).Take(filter.PageSize).ToListAsync(ct);
        var ids = runs.Select(r => r.Id).ToList();
        var items = await db.GradingRunItems.Where(i => ids.Contains(i.RunId)).GroupBy(i => new { i.RunId, i.Status })
            .Select(g => new { g.Key.RunId, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        var costs = await db.StageCalls.Where(c => c.RunId != null && ids.Contains(c.RunId.Value)).GroupBy(c => c.RunId)
            .Select(g => new { RunId = g.Key!.Value, Cost = g.Sum(c => c.Cost) }).ToDictionaryAsync(g => g.RunId, g => g.Cost, ct);
        var summaries = runs.Select(r =>
        {
            var (profileName, model) = ProfileOf(r.ProfileSnapshot);
            return new GradingRunSummaryResponse(r.Id, r.ProjectId, r.Workflow, r.RubricDesign, r.ModelProfileId, profileName, model, r.Samples,
                StatusName(r.Status), Counts(items.Where(i => i.RunId == r.Id).Select(i => (i.Status, i.Count))), costs.GetValueOrDefault(r.Id),
                r.CreatedAt, r.StartedAt, r.FinishedAt);
        }).ToList();
        return new GradingRunPageResponse(filter.Page, filter.PageSize, total, summaries);
    }

    /// <summary>By the share of a run's items that are finished (graded, needing attention, failed or cancelled); a run without items counts as 0.</summary>
    private static IQueryable<GradingRun> OrderByProgress(GradingDbContext db, IQueryable<GradingRun> query, bool descending)
    {
        var withShare = query.Select(r => new
        {
            Run = r,
            Share = db.GradingRunItems.Count(i => i.RunId == r.Id) == 0 ? 0.0
                : (double)db.GradingRunItems.Count(i => i.RunId == r.Id && i.Status != RunItemStatus.Pending && i.Status != RunItemStatus.Running)
                  / db.GradingRunItems.Count(i => i.RunId == r.Id),
        });
        var ordered = descending ? withShare.OrderByDescending(x => x.Share) : withShare.OrderBy(x => x.Share);
        return ordered.ThenByDescending(x => x.Run.Id).Select(x => x.Run);
    }

    public static async Task<RunFailurePageResponse> FailuresAsync(GradingDbContext db, Guid projectId, Guid runId, ProjectRole role,
        FailureListFilter filter, CancellationToken ct)
    {
        var statuses = filter.Statuses.Count > 0 ? filter.Statuses.ToList() : [RunItemStatus.Failed, RunItemStatus.NeedsAttention];
        var hideAuthors = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => p.HideAuthors).FirstOrDefaultAsync(ct);
        var seesAuthors = BlindPolicy.MaySeeAuthor(hideAuthors, role);
        // The reason of an item that needs attention is on its model grade (the output that failed validation).
        var rows = db.GradingRunItems.Where(i => i.RunId == runId && statuses.Contains(i.Status))
            .Join(db.Solutions, i => i.SolutionId, s => s.Id, (i, s) => new
            {
                Item = i,
                Error = i.LastError ?? db.ModelGrades.Where(g => g.Id == i.ModelGradeId).Select(g => g.StatusReason).FirstOrDefault(),
                s.ExternalId,
                s.Author,
            });
        if (filter.Search.Length > 0)
        {
            // lower() on both sides: ILIKE would read % and _ in the text as wildcards.
            var lowered = filter.Search.ToLowerInvariant();
            rows = rows.Where(r => r.Error != null && r.Error.ToLower().Contains(lowered));
        }
        var total = await rows.CountAsync(ct);
        var ordered = (filter.Sort, filter.Descending) switch
        {
            ("solution", false) => seesAuthors
                ? rows.OrderBy(r => r.ExternalId).ThenBy(r => r.Author).ThenBy(r => r.Item.SolutionId)
                : rows.OrderBy(r => r.ExternalId).ThenBy(r => r.Item.SolutionId),
            ("solution", true) => seesAuthors
                ? rows.OrderByDescending(r => r.ExternalId).ThenByDescending(r => r.Author).ThenByDescending(r => r.Item.SolutionId)
                : rows.OrderByDescending(r => r.ExternalId).ThenByDescending(r => r.Item.SolutionId),
            ("status", var descending) => rows.OrderByLifecycle(r => r.Item.Status, descending).ThenBy(r => r.Item.Id),
            ("attempts", false) => rows.OrderBy(r => r.Item.Attempts).ThenBy(r => r.Item.Id),
            ("attempts", true) => rows.OrderByDescending(r => r.Item.Attempts).ThenBy(r => r.Item.Id),
            (_, false) => rows.OrderBy(r => r.Item.FinishedAt).ThenBy(r => r.Item.Id),
            _ => rows.OrderByDescending(r => r.Item.FinishedAt).ThenByDescending(r => r.Item.Id),
        };
        var page = await ordered.Skip((filter.Page - 1) * filter.PageSize).Take(filter.PageSize)
            .Select(r => new { r.Item.Id, r.Item.SolutionId, r.Item.ProblemId, r.Item.Status, r.Item.Attempts, r.Error, r.ExternalId, r.Author })
            .ToListAsync(ct);
        return new RunFailurePageResponse(filter.Page, filter.PageSize, total,
            page.Select(f => new RunFailureResponse(f.Id, f.SolutionId, f.ProblemId, Wire(f.Status), f.Error, f.Attempts,
                seesAuthors ? f.Author : null, f.ExternalId)).ToList());
    }

    private static RunItemCounts Counts(IEnumerable<(RunItemStatus Status, int Count)> byStatus)
    {
        var map = byStatus.ToDictionary(s => s.Status, s => s.Count);
        int Of(RunItemStatus s) => map.GetValueOrDefault(s);
        return new RunItemCounts(map.Values.Sum(), Of(RunItemStatus.Pending), Of(RunItemStatus.Running), Of(RunItemStatus.Graded),
            Of(RunItemStatus.NeedsAttention), Of(RunItemStatus.Failed), Of(RunItemStatus.Cancelled));
    }

    /// <summary>Name and model from the run's profile snapshot (tolerant of the property casing the snapshot was written with).</summary>
    internal static (string Name, string Model) ProfileOf(string snapshot)
    {
        try
        {
            using var document = JsonDocument.Parse(snapshot);
            string Read(string name) => document.RootElement.EnumerateObject()
                .FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value is { ValueKind: JsonValueKind.String } v
                ? v.GetString() ?? "" : "";
            return (Read("name"), Read("model"));
        }
        catch (JsonException)
        {
            return ("", "");
        }
    }

    private static RunSelectionResponse SelectionOf(string selection)
    {
        try
        {
            var parsed = JsonSerializer.Deserialize<RunSelectionResponse>(selection, GradingRunEndpoints.Json);
            return parsed ?? new RunSelectionResponse(null, null);
        }
        catch (JsonException)
        {
            return new RunSelectionResponse(null, null);
        }
    }

    // Allowances for the estimate, in tokens: the instructions of a stage prompt and the answer each stage writes.
    private const int InstructionTokens = 700;
    private static readonly Dictionary<string, int> s_answerTokens = new(StringComparer.Ordinal)
    {
        [Stages.ClusterReferences] = 800,
        [Stages.ExtractSteps] = 400,
        [Stages.AnalyseReference] = 1_200,
        [Stages.DeriveRubric] = 1_000,
        [Stages.Grade] = 1_500,
    };

    private static long Tokens(long chars) => (chars + 3) / 4;

    /// <summary>
    /// Calls per stage from the workflow (per-problem stages once per problem, per-cluster stages once per reference
    /// solution as an upper bound of clusters, per-solution stages once per solution, grading × samples) and tokens from
    /// text lengths (≈ 4 characters a token) plus fixed allowances for instructions and answers.
    /// </summary>
    public static async Task<GradingRunEstimateResponse> EstimateAsync(GradingDbContext db, GradingRunEndpoints.RunPlan plan, DateTimeOffset now,
        CancellationToken ct)
    {
        var problemIds = plan.ProblemIds;
        var problems = await db.Problems.AsNoTracking().Where(p => problemIds.Contains(p.Id))
            .Select(p => new
            {
                p.Id,
                Statement = p.Statement.Length,
                Scheme = p.MarkingScheme == null ? 0 : p.MarkingScheme.Length,
                References = db.ReferenceSolutions.Count(r => r.ProblemId == p.Id),
                ReferenceChars = db.ReferenceSolutions.Where(r => r.ProblemId == p.Id).Sum(r => (long?)r.Text.Length) ?? 0,
                LongestReference = db.ReferenceSolutions.Where(r => r.ProblemId == p.Id).Max(r => (int?)r.Text.Length) ?? 0,
                RubricChars = db.RubricItems
                    .Where(i => db.Rubrics.Any(r => r.Id == i.RubricId && r.ProblemId == p.Id && r.Status == RubricStatus.Approved && r.ApproachKey == null))
                    .Sum(i => (long?)(i.Title.Length + i.Description.Length)) ?? 0,
            }).ToListAsync(ct);
        var solutionQuery = plan.SolutionIds is { } ids
            ? db.Solutions.Where(s => ids.Contains(s.Id))
            : db.Solutions.Where(s => problemIds.Contains(s.ProblemId));
        var solutions = await solutionQuery.GroupBy(s => s.ProblemId)
            .Select(g => new { ProblemId = g.Key, Count = g.Count(), Chars = g.Sum(s => (long)s.Text.Length) })
            .ToDictionaryAsync(g => g.ProblemId, ct);

        var workflow = plan.Workflow;
        var samples = plan.Run.Samples;
        var allApproaches = PromptLayouts.ShowsAllApproaches(plan.Run.PromptOf(Stages.Grade));
        var answerCap = plan.Profile.MaxOutputTokens ?? int.MaxValue;
        int Answer(string stage) => Math.Min(s_answerTokens[stage], answerCap);
        var totals = workflow.Stages.ToDictionary(s => s.Stage, _ => (Calls: 0L, Input: 0L, Output: 0L));
        void Add(string stage, long calls, long inputPerCall)
        {
            if (calls <= 0 || !totals.TryGetValue(stage, out var t))
            {
                return;
            }
            totals[stage] = (t.Calls + calls, t.Input + calls * (InstructionTokens + inputPerCall), t.Output + calls * Answer(stage));
        }

        var solutionCount = 0;
        foreach (var p in problems)
        {
            if (!solutions.TryGetValue(p.Id, out var s) || s.Count == 0)
            {
                continue;
            }
            solutionCount += s.Count;
            var statement = Tokens(p.Statement);
            var averageSolution = Tokens(s.Chars / s.Count);
            var longestReference = Tokens(p.LongestReference);
            var clusters = Math.Max(1, p.References);
            Add(Stages.ClusterReferences, 1, statement + Tokens(p.ReferenceChars));
            Add(Stages.ExtractSteps, s.Count, statement + averageSolution);
            Add(Stages.AnalyseReference, clusters, statement + longestReference);
            Add(Stages.DeriveRubric, clusters, statement + longestReference + Answer(Stages.AnalyseReference));
            // A grading prompt that shows every approach carries every cluster's reference (and analysis and rubric).
            var context = workflow.Name switch
            {
                Workflows.Absolute => 0,
                Workflows.OfficialRubric => Math.Max(Tokens(p.Scheme), Tokens(p.RubricChars)),
                Workflows.SingleCallJudge => Tokens(p.ReferenceChars),
                Workflows.FiveStage when allApproaches => Tokens(p.ReferenceChars)
                    + clusters * (Answer(Stages.AnalyseReference) + Answer(Stages.DeriveRubric)),
                Workflows.FiveStage => longestReference + Answer(Stages.DeriveRubric),
                Workflows.ThreeStage when allApproaches => Tokens(p.ReferenceChars),
                _ => longestReference,
            };
            Add(Stages.Grade, (long)s.Count * samples, statement + context + averageSolution);
        }

        var prices = plan.Profile.Prices;
        var stages = workflow.Stages.Select(stage =>
        {
            var t = totals[stage.Stage];
            return new StageEstimateResponse(stage.Stage, plan.Run.PromptOf(stage.Stage), PerOf(stage.Stage), (int)t.Calls, t.Input, t.Output,
                Math.Round(prices.CostOf(t.Input, 0, t.Output), 4));
        }).ToList();
        var cost = stages.Sum(s => s.Cost);
        string? capProblem = null;
        if (plan.Profile is { DailySpendingCap: not null } or { RunSpendingCap: not null })
        {
            var profileId = plan.Profile.Id;
            var dayStart = ModelSpending.DayStart(now);
            var spentToday = plan.Profile.DailySpendingCap is null ? 0
                : await db.StageCalls.Where(c => c.ModelProfileId == profileId && c.StartedAt >= dayStart).SumAsync(c => c.Cost, ct);
            capProblem = ModelSpending.EstimateProblem(plan.Profile, cost, spentToday);
        }
        return new GradingRunEstimateResponse(problems.Count(p => solutions.ContainsKey(p.Id)), solutionCount, stages, stages.Sum(s => s.Calls),
            stages.Sum(s => s.InputTokens), stages.Sum(s => s.OutputTokens), cost,
            "An estimate: about 4 characters per token plus allowances for instructions and answers, one cluster per reference solution " +
            "(an upper bound), nothing derived yet. Clusters, analyses and rubrics already derived for these problems are reused, and " +
            "cached input is billed lower, so it may cost less; reasoning tokens and retried calls cost more.", capProblem);
    }

    private static string PerOf(string stage) => stage switch
    {
        Stages.ClusterReferences => "problem",
        Stages.AnalyseReference or Stages.DeriveRubric => "cluster",
        Stages.ExtractSteps => "solution",
        _ => "sample",
    };
}
