using System.ComponentModel;
using System.Globalization;
using System.Linq.Expressions;
using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>The query string of a problem's solution list.</summary>
internal readonly record struct SolutionListQuery
{
    public const int MaxSearchLength = 200;

    /// <summary>The orders <c>sort</c> accepts, ascending; a leading - reverses one. Every order ends on the id.</summary>
    public static readonly string[] Sorts = ["created", "externalId", "author", "length", "annotations", "grades", "mine", "final"];

    /// <summary>The values <c>state</c> accepts (see <see cref="SolutionList"/> for what each keeps).</summary>
    public static readonly string[] States = ["ungraded", "graded", "mine", "not-mine", "double", "needs-grades", "needs-final", "adjudicated"];

    [Description("Only solutions whose external id, or author where the project shows you authors, contains this text (case-insensitive), "
        + "at most 200 characters.")]
    [FromQuery(Name = "search")]
    public string? Search { get; init; }

    [Description("Only solutions in this state, as you may see them: ungraded (no grade), graded (one or more), mine (graded by you), "
        + "not-mine (not graded by you), double (two or more grades), needs-grades (fewer than the project's required grades and no final), "
        + "needs-final (the required grades are in, no final yet), adjudicated (has a final grade).")]
    [FromQuery(Name = "state")]
    public string? State { get; init; }

    [Description("created (default), externalId, author, length, annotations, grades, mine or final; prefix with - for descending, e.g. -final. "
        + "Empty values sort last either way; ties keep creation order.")]
    [FromQuery(Name = "sort")]
    public string? Sort { get; init; }

    [Description(Paging.PageDescription)]
    [FromQuery(Name = "page")]
    public string? Page { get; init; }

    [Description(Paging.PageSizeDescription)]
    [FromQuery(Name = "pageSize")]
    public string? PageSize { get; init; }

    [Description("Keyset paging in creation order: the solutions after this id (the last of the previous page). Not with page or sort.")]
    [FromQuery(Name = "after")]
    public string? After { get; init; }

    [Description("Rows per page for keyset paging, 1 to 500 (default 50; larger values are cut to 500). Kept for older clients: pageSize is the same.")]
    [FromQuery(Name = "limit")]
    public string? Limit { get; init; }
}

/// <summary>
/// A problem's solutions a page at a time, sorted and filtered in PostgreSQL. Every count, grade and final a row is
/// sorted or filtered by is the one the caller may see: in a blind project a Grader who has not graded a solution sees
/// only their own grades and annotations on it and no final, so sorting or filtering by the hidden ones would tell them.
/// </summary>
internal static class SolutionList
{
    /// <summary>One row of the list as the caller may see it; filled by the query in <see cref="ListAsync"/>.</summary>
    internal sealed class Row
    {
        public Guid Id { get; init; }
        public string? Author { get; init; }
        public string? ExternalId { get; init; }
        public int Length { get; init; }
        public string Excerpt { get; init; } = "";
        public DateTimeOffset CreatedAt { get; init; }
        public decimal? MyPoints { get; init; }
        public int Grades { get; init; }
        public int Annotations { get; init; }
        public decimal? Final { get; init; }
    }

    /// <summary>
    /// A page of the problem's solutions. With <c>page</c>/<c>pageSize</c> (or any <c>sort</c>) the page is counted from
    /// the top of the sorted, filtered list; with <c>after</c> it continues a creation-order walk by keyset. <c>total</c>
    /// counts every solution that passes the filters; <c>next</c> links to the following page in the same form.
    /// </summary>
    internal static async Task<Results<Ok<SolutionPageResponse>, ValidationProblem, ProblemHttpResult>> ListAsync(Guid problemId,
        [AsParameters] SolutionListQuery query, GradingDbContext db, ProjectAccess access, CurrentUser current, CancellationToken ct)
    {
        var problem = await db.Problems.AsNoTracking().Where(p => p.Id == problemId && p.DeletedAt == null)
            .Select(p => new { p.ProjectId }).FirstOrDefaultAsync(ct);
        if (problem is null || await access.RoleAsync(problem.ProjectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The problem");
        }
        var project = await db.Projects.AsNoTracking().FirstAsync(p => p.Id == problem.ProjectId, ct);
        var showAuthor = BlindPolicy.MaySeeAuthor(project, role);

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var search = query.Search?.Trim() ?? "";
        if (search.Length > SolutionListQuery.MaxSearchLength)
        {
            errors["search"] = [$"search is at most {SolutionListQuery.MaxSearchLength} characters."];
        }
        var state = query.State?.Trim() ?? "";
        if (state.Length > 0 && !SolutionListQuery.States.Contains(state))
        {
            errors["state"] = [$"state is one of {string.Join(", ", SolutionListQuery.States)}."];
        }
        var sortText = query.Sort?.Trim() ?? "";
        var (key, descending) = Paging.ParseSort(sortText, "created", SolutionListQuery.Sorts, errors);
        if (key == "author" && !showAuthor)
        {
            // The order alone would tell who wrote what.
            errors["sort"] = ["Authors are hidden in this project, so the list cannot be sorted by author."];
        }
        var (page, pageSize) = Paging.Parse(query.Page, query.PageSize, errors);
        Guid? after = null;
        if (!string.IsNullOrWhiteSpace(query.After))
        {
            if (!Guid.TryParse(query.After.Trim(), out var cursor))
            {
                errors["after"] = ["after is the id of a solution."];
            }
            else if (!string.IsNullOrWhiteSpace(query.Page) || key != "created" || descending)
            {
                errors["after"] = ["after continues the creation order; use page with sort (or with page, leave after out)."];
            }
            after = cursor;
        }
        if (!string.IsNullOrWhiteSpace(query.Limit))
        {
            if (!int.TryParse(query.Limit.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var limit))
            {
                errors["limit"] = ["limit is a whole number."];
            }
            else if (!string.IsNullOrWhiteSpace(query.PageSize))
            {
                errors["limit"] = ["limit and pageSize are the same; give one."];
            }
            else
            {
                // Older clients relied on out-of-range limits being cut rather than refused.
                pageSize = Math.Clamp(limit, 1, Paging.MaxPageSize);
            }
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");
        }

        var seesAll = BlindPolicy.MaySeeOthersGrades(project, role, hasOwnGrade: false);
        var rows = VisibleRows(db, problemId, current.Id, seesAll);
        if (search.Length > 0)
        {
            // lower() on both sides: ILIKE would read % and _ in the text as wildcards.
            var lowered = search.ToLowerInvariant();
            rows = showAuthor
                ? rows.Where(r => r.ExternalId!.ToLower().Contains(lowered) || r.Author!.ToLower().Contains(lowered))
                : rows.Where(r => r.ExternalId!.ToLower().Contains(lowered));
        }
        var required = project.RequiredHumanGrades;
        rows = state switch
        {
            "ungraded" => rows.Where(r => r.Grades == 0),
            "graded" => rows.Where(r => r.Grades > 0),
            "mine" => rows.Where(r => r.MyPoints != null),
            "not-mine" => rows.Where(r => r.MyPoints == null),
            "double" => rows.Where(r => r.Grades > 1),
            "needs-grades" => rows.Where(r => r.Final == null && r.Grades < required),
            "needs-final" => rows.Where(r => r.Final == null && r.Grades >= required),
            "adjudicated" => rows.Where(r => r.Final != null),
            _ => rows,
        };
        var total = await rows.CountAsync(ct);
        if (after is { } afterId)
        {
            // UUID v7 ids sort by creation time; comparing ids gives a stable keyset page.
            rows = rows.Where(r => r.Id.CompareTo(afterId) > 0);
        }
        var keyset = string.IsNullOrWhiteSpace(query.Page) && key == "created" && !descending;
        var skip = keyset ? 0 : (page - 1) * pageSize;
        // Ids first, then the page's rows: the excerpt and the rest are read for the rows shown, not for every row sorted.
        var ids = await Order(rows, key, descending).Skip(skip).Take(pageSize + 1).Select(r => r.Id).ToListAsync(ct);
        var hasMore = ids.Count > pageSize;
        ids = [.. ids.Take(pageSize)];
        var found = await VisibleRows(db, problemId, current.Id, seesAll).Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, ct);
        var items = ids.Where(found.ContainsKey).Select(id => found[id]).Select(r => new SolutionSummaryResponse(r.Id, problemId,
            showAuthor ? r.Author : null, r.ExternalId, r.Length, Excerpt(r.Excerpt), r.Grades, r.Annotations, r.MyPoints, r.Final,
            r.CreatedAt)).ToList();
        var next = hasMore ? NextLink(problemId, keyset, ids[^1], page, pageSize, sortText, search, state) : null;
        return TypedResults.Ok(new SolutionPageResponse(items, next, total, after is null ? page : null, pageSize));
    }

    /// <summary>
    /// Every solution of the problem with the figures the caller may see. One pass with lateral counts, so sorting or
    /// filtering 5,000 solutions by a count reads each solution's grades and annotations once.
    /// </summary>
    private static IQueryable<Row> VisibleRows(GradingDbContext db, Guid problemId, Guid me, bool seesAll) =>
        db.Database.SqlQuery<Row>($"""
            SELECT s.id AS "Id", s.author AS "Author", s.external_id AS "ExternalId", s.text_length AS "Length", left(s.text, 240) AS "Excerpt",
                   s.created_at AS "CreatedAt", g.mine AS "MyPoints",
                   CASE WHEN {seesAll} OR g.mine IS NOT NULL THEN g.n ELSE 0 END AS "Grades",
                   CASE WHEN {seesAll} OR g.mine IS NOT NULL THEN a.n ELSE a.mine END AS "Annotations",
                   CASE WHEN {seesAll} OR g.mine IS NOT NULL THEN j.points END AS "Final"
            FROM solutions s
            CROSS JOIN LATERAL (SELECT count(*)::int AS n, max(h.points) FILTER (WHERE h.grader_id = {me}) AS mine
                                FROM human_grades h WHERE h.solution_id = s.id) g
            CROSS JOIN LATERAL (SELECT count(*)::int AS n, (count(*) FILTER (WHERE n.author_id = {me}))::int AS mine
                                FROM annotations n WHERE n.solution_id = s.id) a
            LEFT JOIN adjudications j ON j.solution_id = s.id
            WHERE s.problem_id = {problemId}
            """);

    /// <summary>The list in the asked order; empty values last either way, ties in creation order.</summary>
    private static IOrderedQueryable<Row> Order(IQueryable<Row> rows, string key, bool descending) => key switch
    {
        "externalId" => Then(rows.OrderBy(r => r.ExternalId == null), r => r.ExternalId, descending),
        "author" => Then(rows.OrderBy(r => r.Author == null), r => r.Author, descending),
        "length" => By(rows, r => r.Length, descending),
        "annotations" => By(rows, r => r.Annotations, descending),
        "grades" => By(rows, r => r.Grades, descending),
        "mine" => Then(rows.OrderBy(r => r.MyPoints == null), r => r.MyPoints, descending),
        "final" => Then(rows.OrderBy(r => r.Final == null), r => r.Final, descending),
        _ => descending ? rows.OrderByDescending(r => r.Id) : rows.OrderBy(r => r.Id),
    };

    private static IOrderedQueryable<Row> Then<T>(IOrderedQueryable<Row> rows, Expression<Func<Row, T>> by, bool descending) =>
        (descending ? rows.ThenByDescending(by) : rows.ThenBy(by)).ThenBy(r => r.Id);

    private static IOrderedQueryable<Row> By<T>(IQueryable<Row> rows, Expression<Func<Row, T>> by, bool descending) =>
        (descending ? rows.OrderByDescending(by) : rows.OrderBy(by)).ThenBy(r => r.Id);

    private static string NextLink(Guid problemId, bool keyset, Guid lastId, int page, int pageSize, string sort, string search, string state)
    {
        var link = keyset
            ? $"/api/problems/{problemId}/solutions?after={lastId}&limit={pageSize}"
            : $"/api/problems/{problemId}/solutions?page={page + 1}&pageSize={pageSize}";
        if (!keyset && sort.Length > 0)
        {
            link += "&sort=" + Uri.EscapeDataString(sort);
        }
        if (search.Length > 0)
        {
            link += "&search=" + Uri.EscapeDataString(search);
        }
        if (state.Length > 0)
        {
            link += "&state=" + state;
        }
        return link;
    }

    private static string Excerpt(string text)
    {
        var flat = string.Join(' ', text.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return flat.Length > 200 ? flat[..200] + "…" : flat;
    }
}
