using System.Data;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace GradingPortal.Api.Export;

/// <summary>
/// Dataset export (docs/export-format.md): the whole project as JSON Lines or CSV, streamed, resumable by cursor; and one
/// solution's record as JSON. Exports show every grade and author, which is what Adjudicators already see, so they need
/// that role: Graders and Viewers get 403 (blind grading would mean nothing otherwise), non-members 404.
/// </summary>
internal static class ExportEndpoints
{
    public const string NdjsonContentType = "application/x-ndjson";
    public const string CsvContentType = "text/csv";

    public static IServiceCollection AddExport(this IServiceCollection services)
    {
        services.AddOptions<ExportOptions>().BindConfiguration(ExportOptions.SectionName)
            .Validate(o => o.PageSize is >= 1 and <= 10_000, "Export:PageSize is between 1 and 10000.")
            .Validate(o => o.FlushBytes is >= 1024 and <= 16 * 1024 * 1024, "Export:FlushBytes is between 1 KB and 16 MB.")
            .Validate(o => o.PageBytes is >= 1 and <= 1L << 30, "Export:PageBytes is between 1 byte and 1 GB.")
            .Validate(o => o.ReadBufferBytes is >= 8192 and <= 16 * 1024 * 1024, "Export:ReadBufferBytes is between 8 KB and 16 MB.")
            .ValidateOnStart();
        services.AddSingleton<ExportConnections>();
        return services;
    }

    public static IEndpointRouteBuilder MapExportEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/projects/{projectId:guid}/export", ExportProject).WithName("ExportProject").WithTags("Export").RequireAuthorization()
            .WithSummary("Stream the project's dataset (Adjudicators): one JSON Lines or CSV line per solution, or per (solution, model grade) pair.")
            .WithDescription("Lines come in a stable order (problem id, then solution id) and each carries a `cursor`; repeat the request with " +
                "`cursor` set to the last one you stored to resume. See docs/export-format.md for the record format and docs/export.schema.json.")
            .Produces<ExportRecord>(StatusCodes.Status200OK, NdjsonContentType)
            .AddOpenApiOperationTransformer(ExportOpenApi.DescribeStreamAsync)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/solutions/{solutionId:guid}/export", ExportSolution).WithName("ExportSolution").WithTags("Export").RequireAuthorization()
            .WithSummary("One solution's export record as JSON (Adjudicators), the same shape as a line of the project export.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>Stream the project's dataset (Adjudicators): one JSON Lines or CSV line per solution, or per (solution, model grade) pair.</summary>
    internal static async Task<Results<ExportStreamResult, ValidationProblem, ProblemHttpResult>> ExportProject(Guid projectId,
        [AsParameters] ExportQuery query, GradingDbContext db, ProjectAccess access, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => new { p.Name }).FirstOrDefaultAsync(ct);
        if (project is null || await access.RoleAsync(projectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The project");
        }
        if (!MayExport(role))
        {
            return ApiProblems.Forbidden("export the project's data (Adjudicators and Admins may)");
        }
        var (request, errors) = query.Parse();
        if (request is null)
        {
            return TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");
        }
        if (request.Filter.ProblemIds is { } wanted)
        {
            var known = await db.Problems.AsNoTracking().Where(p => p.ProjectId == projectId && p.DeletedAt == null && wanted.Contains(p.Id))
                .Select(p => p.Id).ToListAsync(ct);
            var unknown = wanted.Except(known).ToList();
            if (unknown.Count > 0)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["problemIds"] = [$"Not problems of this project: {string.Join(", ", unknown)}."],
                }, title: "One or more fields are invalid.");
            }
        }
        return new ExportStreamResult(projectId, project.Name, request);
    }

    /// <summary>One solution's export record as JSON (Adjudicators), the same shape as a line of the project export.</summary>
    internal static async Task<Results<Ok<ExportRecord>, ProblemHttpResult>> ExportSolution(Guid solutionId, GradingDbContext db,
        ProjectAccess access, IOptions<ExportOptions> options, HttpContext httpContext, CancellationToken ct)
    {
        var where = await db.Solutions.AsNoTracking().Where(s => s.Id == solutionId).Select(s => new { s.ProjectId, s.ProblemId })
            .FirstOrDefaultAsync(ct);
        if (where is null || await access.RoleAsync(where.ProjectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The solution");
        }
        if (!MayExport(role))
        {
            return ApiProblems.Forbidden("export solution records (Adjudicators and Admins may)");
        }
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var opened = connection.State != ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(ct);
        }
        ExportRecord? record;
        try
        {
            record = await new ExportReader(connection, where.ProjectId, ExportFilter.None, options.Value.PageSize)
                .ReadOneAsync(where.ProblemId, solutionId, ct);
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
        if (record is null)
        {
            // Its problem was deleted.
            return ApiProblems.NotFound("The solution");
        }
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName($"solution-{solutionId}.json");
        httpContext.Response.Headers.ContentDisposition = disposition.ToString();
        return TypedResults.Ok(record);
    }

    // Exports reveal every grade and every author: exactly what an Adjudicator's role already shows (BlindPolicy).
    private static bool MayExport(ProjectRole role) => role.CanAdjudicate();
}
