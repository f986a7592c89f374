using System.Linq.Expressions;
using GradingPortal.Api.Auth;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Imports;
using GradingPortal.Domain.Jobs;
using Hangfire;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using GradingPortal.Api.Endpoints;
using System.ComponentModel;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace GradingPortal.Api.Imports;

/// <summary>Bulk imports: upload a file (staged in PostgreSQL), a Worker reads it; follow its progress and failures.</summary>
internal static class ImportEndpoints
{
    private const int FailuresInline = 100;
    private const int MaxFailurePage = 1000;
    private const int DefaultListSize = 50;
    private const int MaxListSize = 200;

    public static IEndpointRouteBuilder MapImportEndpoints(this IEndpointRouteBuilder app)
    {
        var byProject = app.MapGroup("/api/projects/{projectId:guid}/imports").WithTags("Imports").RequireAuthorization();
        // No Accepts metadata: it would make routing refuse (415) any content type not listed, and uploads come as
        // multipart or as a raw body of any type.
        byProject.MapPost("/", Upload).WithName("CreateImport")
            .WithSummary("Upload a file to import (Adjudicators and Admins): multipart field `file`, or the raw body. " +
                "`format` is jsonl, csv, imo-proofbench, imo-gradingbench, matharena (.zip) or opc (.zip or .json). " +
                "Answers 202 with the import; " +
                "a Worker processes it. 413 when the file (or a lone .json record) is over the limit.")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).Problems(400, 403, 404);
        byProject.MapGet("/", List).WithName("ListImports")
            .WithSummary("The project's imports (Adjudicators and Admins), a page at a time, sorted and filtered by status; " +
                "newest first unless sorted otherwise. `before`/`limit` still page newest first from a cursor; follow `next`.")
            .Problems(400, 403, 404);

        var group = app.MapGroup("/api/imports").WithTags("Imports").RequireAuthorization();
        group.MapGet("/{importId:guid}", Get).WithName("GetImport")
            .WithSummary("An import's status, counts and first failures (Adjudicators and Admins).")
            .Problems(403, 404);
        group.MapGet("/{importId:guid}/failures", Failures).WithName("ListImportFailures")
            .WithSummary("A page of an import's stored failures (the first 1,000 are kept), by line or the reverse, searched in the reason and field.")
            .Problems(400, 403, 404);
        return app;
    }

    internal static async Task<Results<Accepted<ImportResponse>, ProblemHttpResult>> Upload(Guid projectId, string? format, string? fileName,
        HttpContext http, GradingDbContext db, ProjectAccess access, CurrentUser current, IBackgroundJobClient jobs, IOptions<ImportOptions> options,
        TimeProvider clock, ILoggerFactory loggers, CancellationToken ct)
    {
        if (await access.RoleAsync(projectId, ct) is not { } role || !await db.Projects.AnyAsync(p => p.Id == projectId, ct))
        {
            return ApiProblems.NotFound("The project");
        }
        if (!role.CanEditContent())
        {
            return ApiProblems.Forbidden("import data");
        }
        if (!ImportFormats.TryParse(format, out var importFormat))
        {
            return ApiProblems.Validation("format", $"Format is one of {string.Join(", ", ImportFormats.Names)}.");
        }
        var limits = options.Value;
        var request = http.Request;
        if (request.ContentLength is { } declared && declared > limits.MaxFileBytes + MultipartAllowance)
        {
            return TooLarge($"The upload is {ImportStaging.Describe(declared)}; the limit is {ImportStaging.Describe(limits.MaxFileBytes)}.");
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            // Kestrel's default (30 MB) is for ordinary requests; this endpoint streams, and enforces its own limit.
            bodyLimit.MaxRequestBodySize = limits.MaxFileBytes + MultipartAllowance;
        }

        Stream body;
        string? name;
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            && mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
            if (string.IsNullOrEmpty(boundary))
            {
                return ApiProblems.Validation("file", "The multipart body has no boundary.");
            }
            var file = await FindFileSectionAsync(new MultipartReader(boundary, request.Body), ct);
            if (file is null)
            {
                return ApiProblems.Validation("file", "Send the file in a multipart field named `file` (or as the raw request body).");
            }
            (body, name) = file.Value;
        }
        else
        {
            body = request.Body;
            name = fileName ?? (ContentDispositionHeaderValue.TryParse(request.Headers.ContentDisposition.ToString(), out var disposition)
                ? HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value
                : null);
        }

        var import = Import.Receive(projectId, importFormat, fileName ?? name, limits.MaxRecordBytes, current.Id, clock.GetUtcNow());
        StagingRefusal? refusal;
        if (ImportStaging.Streams(importFormat))
        {
            // The job is enqueued with the first chunk: a Worker imports the file while the rest of it arrives.
            refusal = await ImportStaging.StageStreamingAsync(db, import, body, limits.MaxFileBytes,
                _ => EnqueueImport(jobs, import.Id), loggers.CreateLogger(typeof(ImportStaging)), ct);
        }
        else
        {
            refusal = await ImportStaging.StageAsync(db, import, body, limits.MaxFileBytes, clock, ct);
            if (refusal is null)
            {
                await EnqueueImport(jobs, import.Id);
            }
        }
        if (refusal is not null)
        {
            return refusal.Status switch
            {
                StatusCodes.Status413PayloadTooLarge => TooLarge(refusal.Message),
                StatusCodes.Status400BadRequest => ApiProblems.Validation(refusal.Field, refusal.Message),
                _ => TypedResults.Problem(statusCode: refusal.Status, detail: refusal.Message),
            };
        }
        // The Worker may have started (or, for a small file, finished) by now: answer with where the import stands.
        var now = await db.Imports.AsNoTracking().FirstAsync(i => i.Id == import.Id, ct);
        return TypedResults.Accepted($"/api/imports/{import.Id}", ToResponse(now, await UploadOfAsync(db, import.Id, ct), [], null));
    }

    internal static async Task<Results<Ok<ImportPageResponse>, ValidationProblem, ProblemHttpResult>> List(Guid projectId,
        [AsParameters] ImportListQuery query, GradingDbContext db, ProjectAccess access, CancellationToken ct)
    {
        if (await access.RoleAsync(projectId, ct) is not { } role || !await db.Projects.AnyAsync(p => p.Id == projectId, ct))
        {
            return ApiProblems.NotFound("The project");
        }
        if (!role.CanEditContent())
        {
            return ApiProblems.Forbidden("see imports");
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (page, pageSize) = Paging.Parse(query.Page, query.PageSize, errors);
        var (key, descending) = Paging.ParseSort(query.Sort, "-createdAt", ImportListQuery.Sorts, errors);
        var statuses = ListFilter.Values(query.Status);
        if (statuses.FirstOrDefault(v => !ImportListQuery.Statuses.Contains(v)) is { } unknown)
        {
            errors["status"] = [$"'{unknown}' is not one of {string.Join(", ", ImportListQuery.Statuses)}."];
        }
        // The cursor pages newest first only; mixing it with pages or another order would skip or repeat imports.
        var cursorMode = query.Before is not null || query.Limit is not null;
        if (cursorMode && (query.Page is not null || query.PageSize is not null || (key, descending) != ("createdAt", true)))
        {
            errors["before"] = ["before and limit page newest first; use page and pageSize to page in another order."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");
        }
        var filtered = WithStatus(db, db.Imports.AsNoTracking().Where(i => i.ProjectId == projectId), statuses);
        var total = await filtered.CountAsync(ct);
        var statusText = statuses.Count > 0 ? "&status=" + Uri.EscapeDataString(string.Join(',', statuses)) : "";
        List<Import> rows;
        string? next;
        if (cursorMode)
        {
            pageSize = Math.Clamp(query.Limit ?? DefaultListSize, 1, MaxListSize);
            var older = filtered;
            if (query.Before is { } cursor)
            {
                // Ids are UUID v7: older imports have smaller ids.
                older = older.Where(i => i.Id.CompareTo(cursor) < 0);
            }
            rows = await older.OrderByDescending(i => i.Id).Take(pageSize + 1).ToListAsync(ct);
            next = rows.Count > pageSize ? $"/api/projects/{projectId}/imports?before={rows[pageSize - 1].Id}&limit={pageSize}{statusText}" : null;
            rows = [.. rows.Take(pageSize)];
            page = 1;
        }
        else
        {
            // Every order ends on the id (UUID v7, creation order), so a page never shifts between two requests.
            var ordered = key switch
            {
                "status" => OrderByShownStatus(db, filtered, descending),
                "processedRecords" => descending ? filtered.OrderByDescending(i => i.ProcessedRecords) : filtered.OrderBy(i => i.ProcessedRecords),
                "created" => descending ? filtered.OrderByDescending(i => i.Created) : filtered.OrderBy(i => i.Created),
                "updated" => descending ? filtered.OrderByDescending(i => i.Updated) : filtered.OrderBy(i => i.Updated),
                "skipped" => descending ? filtered.OrderByDescending(i => i.Skipped) : filtered.OrderBy(i => i.Skipped),
                "failed" => descending ? filtered.OrderByDescending(i => i.Failed) : filtered.OrderBy(i => i.Failed),
                _ => descending ? filtered.OrderByDescending(i => i.CreatedAt) : filtered.OrderBy(i => i.CreatedAt),
            };
            rows = await (descending ? ordered.ThenByDescending(i => i.Id) : ordered.ThenBy(i => i.Id))
                .Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
            var sortText = query.Sort is null ? "" : "&sort=" + Uri.EscapeDataString((descending ? "-" : "") + key);
            next = (long)page * pageSize < total ? $"/api/projects/{projectId}/imports?page={page + 1}&pageSize={pageSize}{sortText}{statusText}" : null;
        }
        var ids = rows.Select(i => i.Id).ToList();
        var uploads = await db.ImportUploads.AsNoTracking().Where(u => ids.Contains(u.ImportId)).ToDictionaryAsync(u => u.ImportId, ct);
        var items = rows.Select(i => ToResponse(i, uploads.GetValueOrDefault(i.Id), [], null)).ToList();
        return TypedResults.Ok(new ImportPageResponse(items, next, page, pageSize, total));
    }

    /// <summary>
    /// Imports whose status as clients see it (<see cref="ToResponse"/>) is one of <paramref name="statuses"/>: an upload
    /// still arriving shows as uploading and a broken one as failed until the Worker records it on the import.
    /// </summary>
    private static IQueryable<Import> WithStatus(GradingDbContext db, IQueryable<Import> imports, IReadOnlyCollection<string> statuses)
    {
        if (statuses.Count == 0)
        {
            return imports;
        }
        bool uploading = statuses.Contains("uploading"), queued = statuses.Contains("queued"), running = statuses.Contains("running"),
            succeeded = statuses.Contains("succeeded"), failed = statuses.Contains("failed");
        return imports.Select(i => new
        {
            Import = i,
            Finished = i.Status == ImportStatus.Succeeded || i.Status == ImportStatus.Failed,
            Arriving = db.ImportUploads.Any(u => u.ImportId == i.Id && u.Error == null && !u.Complete),
            Broken = db.ImportUploads.Any(u => u.ImportId == i.Id && u.Error != null),
        }).Where(x =>
            (uploading && !x.Finished && x.Arriving)
            || (failed && (x.Import.Status == ImportStatus.Failed || (!x.Finished && x.Broken)))
            || (queued && x.Import.Status == ImportStatus.Queued && !x.Arriving && !x.Broken)
            || (running && x.Import.Status == ImportStatus.Running && !x.Arriving && !x.Broken)
            || (succeeded && x.Import.Status == ImportStatus.Succeeded)).Select(x => x.Import);
    }

    /// <summary>
    /// Imports in the lifecycle order of their status as clients see it (<see cref="ToResponse"/>): uploading, queued,
    /// running, succeeded, failed. The rank is a CASE in the ORDER BY, so the database still pages; a broken upload
    /// ranks as failed, as it shows.
    /// </summary>
    private static IOrderedQueryable<Import> OrderByShownStatus(GradingDbContext db, IQueryable<Import> imports, bool descending)
    {
        Expression<Func<Import, int>> rank = i => i.Status == ImportStatus.Succeeded ? 3
            : i.Status == ImportStatus.Failed || db.ImportUploads.Any(u => u.ImportId == i.Id && u.Error != null) ? 4
            : db.ImportUploads.Any(u => u.ImportId == i.Id && !u.Complete) ? 0
            : i.Status == ImportStatus.Queued ? 1
            : 2;
        return descending ? imports.OrderByDescending(rank) : imports.OrderBy(rank);
    }

    internal static async Task<Results<Ok<ImportResponse>, ProblemHttpResult>> Get(Guid importId, GradingDbContext db, ProjectAccess access,
        CancellationToken ct)
    {
        var import = await db.Imports.AsNoTracking().FirstOrDefaultAsync(i => i.Id == importId, ct);
        if (import is null || await access.RoleAsync(import.ProjectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The import");
        }
        if (!role.CanEditContent())
        {
            return ApiProblems.Forbidden("see imports");
        }
        var failures = await FailurePageAsync(db, importId, 0, FailuresInline, ct);
        var stored = Math.Min(import.Failed, Import.MaxStoredFailures);
        var next = stored > FailuresInline ? $"/api/imports/{importId}/failures?offset={FailuresInline}&limit={FailuresInline}" : null;
        return TypedResults.Ok(ToResponse(import, await UploadOfAsync(db, importId, ct), failures, next));
    }

    internal static async Task<Results<Ok<ImportFailurePageResponse>, ValidationProblem, ProblemHttpResult>> Failures(Guid importId,
        [AsParameters] ImportFailureListQuery query, GradingDbContext db, ProjectAccess access, CancellationToken ct)
    {
        var import = await db.Imports.AsNoTracking().FirstOrDefaultAsync(i => i.Id == importId, ct);
        if (import is null || await access.RoleAsync(import.ProjectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The import");
        }
        if (!role.CanEditContent())
        {
            return ApiProblems.Forbidden("see imports");
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (_, descending) = Paging.ParseSort(query.Sort, "line", ImportFailureListQuery.Sorts, errors);
        var search = query.Search?.Trim() ?? "";
        if (search.Length > ImportFailureListQuery.MaxSearchLength)
        {
            errors["search"] = [$"search is at most {ImportFailureListQuery.MaxSearchLength} characters."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");
        }
        var from = Math.Max(0, query.Offset ?? 0);
        var size = Math.Clamp(query.Limit ?? FailuresInline, 1, MaxFailurePage);
        var stored = Math.Min(import.Failed, Import.MaxStoredFailures);
        var rows = db.ImportFailures.AsNoTracking().Where(f => f.ImportId == importId);
        var matching = stored;
        if (search.Length > 0)
        {
            // lower() on both sides: ILIKE would read % and _ in the text as wildcards.
            var lowered = search.ToLowerInvariant();
            rows = rows.Where(f => f.Reason.ToLower().Contains(lowered) || (f.Field != null && f.Field.ToLower().Contains(lowered)));
            matching = await rows.CountAsync(ct);
        }
        // Failures are numbered in the order they were found, which is line order for JSON Lines and CSV.
        var items = await (descending ? rows.OrderByDescending(f => f.Ordinal) : rows.OrderBy(f => f.Ordinal))
            .Skip(from).Take(size)
            .Select(f => new ImportFailureResponse(f.Record, f.Field, f.Reason))
            .ToListAsync(ct);
        var more = (query.Sort is null ? "" : "&sort=" + Uri.EscapeDataString(descending ? "-line" : "line"))
            + (search.Length > 0 ? "&search=" + Uri.EscapeDataString(search) : "");
        var next = from + size < matching ? $"/api/imports/{importId}/failures?offset={from + size}&limit={size}{more}" : null;
        return TypedResults.Ok(new ImportFailurePageResponse(items, import.Failed, stored, next, matching));
    }

    /// <summary>Room for multipart boundaries and part headers on top of the file itself.</summary>
    private const long MultipartAllowance = 1 << 20;

    private static ProblemHttpResult TooLarge(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large", detail: detail);

    private static async Task<(Stream Body, string? Name)?> FindFileSectionAsync(MultipartReader reader, CancellationToken ct)
    {
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                && disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
                && HeaderUtilities.RemoveQuotes(disposition.Name).Equals("file", StringComparison.Ordinal))
            {
                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                return (section.Body, fileName);
            }
            // Other fields are read past (each is small or simply drained).
        }
        return null;
    }

    private static async Task<List<ImportFailureResponse>> FailurePageAsync(GradingDbContext db, Guid importId, int offset, int limit,
        CancellationToken ct) =>
        await db.ImportFailures.AsNoTracking()
            .Where(f => f.ImportId == importId && f.Ordinal >= offset)
            .OrderBy(f => f.Ordinal)
            .Take(limit)
            .Select(f => new ImportFailureResponse(f.Record, f.Field, f.Reason))
            .ToListAsync(ct);

    private static Task<ImportUpload?> UploadOfAsync(GradingDbContext db, Guid importId, CancellationToken ct) =>
        db.ImportUploads.AsNoTracking().FirstOrDefaultAsync(u => u.ImportId == importId, ct);

    /// <summary>
    /// The import as clients see it. While its file is still arriving (an upload row, not complete) it is <c>uploading</c>,
    /// whether or not a Worker has started on it; an upload that broke off shows as <c>failed</c> with its reason at once
    /// (the Worker records the same on the import when it notices).
    /// </summary>
    internal static ImportResponse ToResponse(Import i, ImportUpload? upload, IReadOnlyList<ImportFailureResponse> failures, string? failuresNext)
    {
        var status = i.Status.ToString().ToLowerInvariant();
        var error = string.IsNullOrEmpty(i.Error) ? null : i.Error;
        var received = i.ReceivedBytes;
        if (upload is not null && !i.IsFinished)
        {
            received = upload.ReceivedBytes;
            if (upload.Error is not null)
            {
                (status, error) = ("failed", upload.Error);
            }
            else if (!upload.Complete)
            {
                status = "uploading";
            }
        }
        return new(i.Id, i.ProjectId, i.Format.ToWire(), i.FileName, status, received, i.ProcessedRecords, i.Created, i.Updated, i.Skipped,
            i.Failed, error, failures, failuresNext, i.Attempts, i.CreatedById, i.CreatedAt, i.UpdatedAt, i.StartedAt, i.FinishedAt);
    }

    /// <summary>
    /// Hands the import to the Workers; the job is queued when the task completes. Hangfire's client is synchronous, so it
    /// runs on a pool thread: a streamed upload goes on being read meanwhile.
    /// </summary>
    private static Task EnqueueImport(IBackgroundJobClient jobs, Guid importId) =>
        Task.Run(() => jobs.Enqueue<IImportJobs>(j => j.Run(importId, CancellationToken.None)));
}

/// <summary>The query string of a project's imports list.</summary>
internal readonly record struct ImportListQuery
{
    /// <summary>The orders <c>sort</c> accepts, ascending; a leading - reverses one.</summary>
    public static readonly string[] Sorts = ["createdAt", "status", "processedRecords", "created", "updated", "skipped", "failed"];

    /// <summary>The states <c>status</c> filters on, as <see cref="ImportResponse.Status"/> shows them.</summary>
    public static readonly string[] Statuses = ["uploading", "queued", "running", "succeeded", "failed"];

    [Description("Older than this import (a cursor from `next`); pages newest first, not with page or sort.")]
    [FromQuery(Name = "before")]
    public Guid? Before { get; init; }

    [Description("Imports per cursor page, 1 to 200 (default 50); with before, not with page.")]
    [FromQuery(Name = "limit")]
    public int? Limit { get; init; }

    [Description("createdAt, status (in lifecycle order: uploading, queued, running, succeeded, failed), processedRecords, created, updated, " +
        "skipped or failed; prefix with - for descending. Default -createdAt.")]
    [FromQuery(Name = "sort")]
    public string? Sort { get; init; }

    [Description("Only imports in these states: uploading, queued, running, succeeded, failed (comma-separated).")]
    [FromQuery(Name = "status")]
    public string? Status { get; init; }

    [Description(Paging.PageDescription)]
    [FromQuery(Name = "page")]
    public string? Page { get; init; }

    [Description(Paging.PageSizeDescription)]
    [FromQuery(Name = "pageSize")]
    public string? PageSize { get; init; }
}

/// <summary>The query string of an import's failures.</summary>
internal readonly record struct ImportFailureListQuery
{
    public const int MaxSearchLength = 200;

    /// <summary>The orders <c>sort</c> accepts: line order, or its reverse with -line.</summary>
    public static readonly string[] Sorts = ["line"];

    [Description("Skip this many failures (default 0).")]
    [FromQuery(Name = "offset")]
    public int? Offset { get; init; }

    [Description("Failures per page, 1 to 1,000 (default 100).")]
    [FromQuery(Name = "limit")]
    public int? Limit { get; init; }

    [Description("line (default: in the order found, which is line order for JSON Lines and CSV) or -line.")]
    [FromQuery(Name = "sort")]
    public string? Sort { get; init; }

    [Description("Only failures whose reason or field contains this text (case-insensitive), at most 200 characters.")]
    [FromQuery(Name = "search")]
    public string? Search { get; init; }
}
