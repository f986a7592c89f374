using System.ComponentModel;
using System.Globalization;
using GradingPortal.Api.Contracts;
using GradingPortal.Domain.Evaluation;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>The query string of <c>/agreement/pairs</c>: which figure's solutions, and which page of them.</summary>
internal readonly record struct AgreementPairsQuery
{
    [Description("`adjudicated` (default), `mean` or `first`: the human reference, as for the agreement figures.")]
    [FromQuery(Name = "humanSource")]
    public string? HumanSource { get; init; }

    [Description("Only these problems. Comma-separated ids, or the parameter repeated.")]
    [FromQuery(Name = "problemIds")]
    public string[]? ProblemIds { get; init; }

    [Description("The grader whose pairs to list (the `grader.id` of an agreement result). Required unless `ceiling` is true.")]
    [FromQuery(Name = "graderId")]
    public string? GraderId { get; init; }

    [Description("`true`: the human ceiling's pairs (first against second person on double-graded solutions) instead of a grader's.")]
    [FromQuery(Name = "ceiling")]
    public string? Ceiling { get; init; }

    [Description("Only pairs whose human reference is exactly this score (a calibration row's `human`).")]
    [FromQuery(Name = "human")]
    public string? Human { get; init; }

    [Description("Only pairs whose model score is exactly this score.")]
    [FromQuery(Name = "model")]
    public string? Model { get; init; }

    [Description("Only pairs whose human reference rounds (half up) to this whole point: a confusion row.")]
    [FromQuery(Name = "humanCategory")]
    public string? HumanCategory { get; init; }

    [Description("Only pairs whose model score rounds (half up) to this whole point: a confusion column.")]
    [FromQuery(Name = "modelCategory")]
    public string? ModelCategory { get; init; }

    [Description(Paging.PageDescription)]
    [FromQuery(Name = "page")]
    public string? Page { get; init; }

    [Description(Paging.PageSizeDescription)]
    [FromQuery(Name = "pageSize")]
    public string? PageSize { get; init; }

    /// <summary>The filters past those the agreement figures share, validated into field errors.</summary>
    public PairFilter ParseFilter(Dictionary<string, string[]> errors)
    {
        var ceiling = false;
        if (!string.IsNullOrWhiteSpace(Ceiling) && !bool.TryParse(Ceiling.Trim(), out ceiling))
        {
            errors["ceiling"] = ["ceiling is true or false."];
        }
        Guid? grader = null;
        if (!string.IsNullOrWhiteSpace(GraderId))
        {
            if (Guid.TryParse(GraderId.Trim(), out var id))
            {
                grader = id;
            }
            else
            {
                errors["graderId"] = ["graderId is the id of a grader of this project."];
            }
        }
        if (!errors.ContainsKey("ceiling") && !errors.ContainsKey("graderId") && ceiling == grader.HasValue)
        {
            errors["graderId"] = [ceiling ? "Give graderId or ceiling=true, not both." : "graderId is required unless ceiling=true."];
        }
        var (page, pageSize) = Paging.Parse(Page, PageSize, errors);
        return new PairFilter(grader, ceiling, Score(errors, "human", Human), Score(errors, "model", Model),
            Category(errors, "humanCategory", HumanCategory), Category(errors, "modelCategory", ModelCategory), page, pageSize);
    }

    private static decimal? Score(Dictionary<string, string[]> errors, string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if (decimal.TryParse(text.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var value) && value >= 0)
        {
            return value;
        }
        errors[field] = [$"{field} is a score, 0 or more (e.g. 3 or 2.5)."];
        return null;
    }

    private static int? Category(Dictionary<string, string[]> errors, string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        errors[field] = [$"{field} is a whole number of points, 0 or more."];
        return null;
    }
}

/// <summary>Which pairs to list and which page of them.</summary>
internal readonly record struct PairFilter(Guid? GraderId, bool Ceiling, decimal? Human, decimal? Model, int? HumanCategory, int? ModelCategory,
    int Page, int PageSize)
{
    public bool Matches(ScorePair pair, IReadOnlyList<Guid>? problemIds) =>
        (problemIds is null || problemIds.Contains(pair.ProblemId))
        && (Human is not { } h || pair.Reference == h)
        && (Model is not { } m || pair.Grader == m)
        && (HumanCategory is not { } hc || Agreement.Category(pair.Reference) == hc)
        && (ModelCategory is not { } mc || Agreement.Category(pair.Grader) == mc);
}

/// <summary>
/// The solutions behind a figure of the agreement endpoints: the same pairs the figures are computed from (a grader's,
/// or the human ceiling's), largest disagreement first, then in problem order. The full ordered list is cached with the
/// figures (same project version), so paging and the filters of one chart cost no recomputation.
/// </summary>
internal static class AgreementPairs
{
    /// <summary>A cached, ordered list of pairs; null when the grader has no scores in the project.</summary>
    internal sealed record OrderedPairs(AgreementGraderDto? Grader, IReadOnlyList<ScorePair> Pairs);

    public static async Task<OrderedPairs?> LoadAsync(Guid projectId, AgreementRequest request, PairFilter filter, GradingDbContext db,
        AgreementCache cache, CancellationToken ct)
    {
        var version = await AgreementCache.VersionAsync(db, projectId, ct);
        var kind = filter.Ceiling ? "pairs|ceiling" : $"pairs|{filter.GraderId:N}";
        // One cached list per grader and reference; the problem filter applies when paging, so a grader is found even
        // where the filter leaves it nothing.
        var unfiltered = request with { GraderIds = null, Threshold = null, ProblemIds = null };
        var result = await cache.GetOrComputeAsync(kind, projectId, unfiltered, version, async () =>
        {
            var data = await AgreementData.LoadAsync(db, projectId, unfiltered, withItems: false, ct);
            var order = data.Problems.Keys.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
            if (filter.Ceiling)
            {
                return new OrderedPairs(null, Order(Agreement.HumanCeilingPairs(data.DoubleGraded()), order));
            }
            var grader = data.Graders.FirstOrDefault(g => g.Grader.Id == filter.GraderId);
            return grader is null
                ? new OrderedPairs(null, [])
                : new OrderedPairs(grader.Grader, Order(data.Pairs(grader, request.HumanSource), order));
        });
        return filter.Ceiling || result.Grader is not null ? result : null;
    }

    private static List<ScorePair> Order(IEnumerable<ScorePair> pairs, Dictionary<Guid, int> problemOrder) =>
        [.. pairs.OrderByDescending(p => Math.Abs(p.Grader - p.Reference))
            .ThenBy(p => problemOrder.GetValueOrDefault(p.ProblemId))
            .ThenBy(p => p.SolutionId)];

    /// <summary>One page of the matching pairs, with each solution's problem title, author and external id.</summary>
    public static async Task<AgreementPairsResponse> PageAsync(Guid projectId, ProjectRole role, OrderedPairs pairs, AgreementRequest request,
        PairFilter filter, GradingDbContext db, CancellationToken ct)
    {
        var matching = pairs.Pairs.Where(p => filter.Matches(p, request.ProblemIds)).ToList();
        var page = matching.Skip((filter.Page - 1) * filter.PageSize).Take(filter.PageSize).ToList();
        var solutionIds = page.Select(p => p.SolutionId).ToList();
        var solutions = await SolutionNames.LoadAsync(db, projectId, role, solutionIds, ct);
        var problemIds = page.Select(p => p.ProblemId).Distinct().ToList();
        var titles = await db.Problems.AsNoTracking().Where(p => problemIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Title, ct);
        var items = page.Select(p => new AgreementPairDto(p.SolutionId, p.ProblemId, titles.GetValueOrDefault(p.ProblemId) ?? "", p.MaxPoints,
            solutions.GetValueOrDefault(p.SolutionId).Author, solutions.GetValueOrDefault(p.SolutionId).ExternalId, p.Reference, p.Grader,
            p.Grader - p.Reference, Agreement.Category(p.Reference), Agreement.Category(p.Grader))).ToList();
        return new AgreementPairsResponse(request.HumanSourceName, pairs.Grader, filter.Ceiling, filter.Page, filter.PageSize, matching.Count, items);
    }
}
