using GradingPortal.Api.Auth;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Imports;
using GradingPortal.Domain.Jobs;
using Hangfire;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
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
            .WithSummary("The project's imports, newest first (Adjudicators and Admins); follow `next` for older ones.")
            .Problems(403, 404);

        var group = app.MapGroup("/api/imports").WithTags("Imports").RequireAuthorization();
        group.MapGet("/{importId:guid}", Get).WithName("GetImport")
            .WithSummary("An import's status, counts and first failures (Adjudicators and Admins).")
            .Problems(403, 404);
        group.MapGet("/{importId:guid}/failures", Failures).WithName("ListImportFailures")
            .WithSummary("A page of an import's stored failures (the first 1,000 are kept).")
            .Problems(403, 404);
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

    internal static async Task<Results<Ok<ImportPageResponse>, ProblemHttpResult>> List(Guid projectId, Guid? before, int? limit,
        GradingDbContext db, ProjectAccess access, CancellationToken ct)
    {
        if (await access.RoleAsync(projectId, ct) is not { } role || !await db.Projects.AnyAsync(p => p.Id == projectId, ct))
        {
            return ApiProblems.NotFound("The project");
        }
        if (!role.CanEditContent())
        {
            return ApiProblems.Forbidden("see imports");
        }
        var size = Math.Clamp(limit ?? DefaultListSize, 1, MaxListSize);
        var query = db.Imports.AsNoTracking().Where(i => i.ProjectId == projectId);
        if (before is { } cursor)
        {
            // Ids are UUID v7: older imports have smaller ids.
            query = query.Where(i => i.Id.CompareTo(cursor) < 0);
        }
        var rows = await query.OrderByDescending(i => i.Id).Take(size + 1).ToListAsync(ct);
        var ids = rows.Select(i => i.Id).ToList();
        var uploads = await db.ImportUploads.AsNoTracking().Where(u => ids.Contains(u.ImportId)).ToDictionaryAsync(u => u.ImportId, ct);
        var page = rows.Take(size).Select(i => ToResponse(i, uploads.GetValueOrDefault(i.Id), [], null)).ToList();
        var next = rows.Count > size ? $"/api/projects/{projectId}/imports?before={page[^1].Id}&limit={size}" : null;
        return TypedResults.Ok(new ImportPageResponse(page, next));
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

    internal static async Task<Results<Ok<ImportFailurePageResponse>, ProblemHttpResult>> Failures(Guid importId, int? offset, int? limit,
        GradingDbContext db, ProjectAccess access, CancellationToken ct)
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
        var from = Math.Max(0, offset ?? 0);
        var size = Math.Clamp(limit ?? FailuresInline, 1, MaxFailurePage);
        var items = await FailurePageAsync(db, importId, from, size, ct);
        var stored = Math.Min(import.Failed, Import.MaxStoredFailures);
        var next = from + size < stored ? $"/api/imports/{importId}/failures?offset={from + size}&limit={size}" : null;
        return TypedResults.Ok(new ImportFailurePageResponse(items, import.Failed, stored, next));
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
