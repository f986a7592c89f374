using GradingPortal.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace GradingPortal.Api.Export;

/// <summary>Export settings (section <c>Export</c>).</summary>
internal sealed class ExportOptions
{
    public const string SectionName = "Export";

    /// <summary>Solutions read per keyset page (memory holds about two pages at a time).</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>Solution text per page; a page ends early at this many bytes (solutions may be up to 1M characters each).</summary>
    public long PageBytes { get; set; } = 16 << 20;

    /// <summary>Bytes written before the response is flushed to the client (back-pressure point).</summary>
    public int FlushBytes { get; set; } = 256 * 1024;

    /// <summary>Npgsql's socket read buffer for export connections: pages of 10 KB solutions read in far fewer calls.</summary>
    public int ReadBufferBytes { get; set; } = 256 * 1024;
}

/// <summary>
/// Exports read on connections of their own (the configured server and credentials, own pool) so that their big read
/// buffer does not grow every request's connection.
/// </summary>
internal sealed class ExportConnections(PostgresConnections connections, IOptions<ExportOptions> options) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource = connections.CreateDataSource(settings =>
    {
        settings.ReadBufferSize = options.Value.ReadBufferBytes;
        settings.ApplicationName = "GradingPortal export";
    });

    public NpgsqlConnection Create() => _dataSource.CreateConnection();

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

/// <summary>
/// Streams an export into the response body: pages come from <see cref="ExportReader"/>, each line is serialized straight
/// into the response pipe, and the pipe is flushed every <see cref="ExportOptions.FlushBytes"/>, so a slow client slows
/// the reading down instead of making the Api buffer. Access and the request were checked before this result was made.
/// </summary>
internal sealed class ExportStreamResult(Guid projectId, string projectName, ExportRequest request) : IResult
{
    public ExportRequest Request { get; } = request;

    public string ContentType => Request.Format == ExportFormat.Csv ? "text/csv; charset=utf-8; header=present" : "application/x-ndjson; charset=utf-8";

    public string FileName(DateTimeOffset now)
    {
        var slug = new string(projectName.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());
        slug = string.Join('-', slug.Split('-', StringSplitOptions.RemoveEmptyEntries));
        slug = slug.Length == 0 ? "project" : slug[..Math.Min(slug.Length, 40)].TrimEnd('-');
        var flavor = Request.Flavor == ExportFlavor.Pairs ? "-pairs" : "";
        var extension = Request.Format == ExportFormat.Csv ? "csv" : "jsonl";
        return $"{slug}{flavor}-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}.{extension}";
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var services = httpContext.RequestServices;
        var options = services.GetRequiredService<IOptions<ExportOptions>>().Value;
        var clock = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<ExportStreamResult>();
        var response = httpContext.Response;
        var ct = httpContext.RequestAborted;

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(FileName(clock.GetUtcNow()));
        response.Headers.ContentDisposition = disposition.ToString();
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Export-Schema-Version"] = ExportSchema.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await using var connection = services.GetRequiredService<ExportConnections>().Create();
        var lines = 0L;
        try
        {
            await connection.OpenAsync(ct);
            var output = response.BodyWriter;
            var writer = ExportWriter.For(Request.Format, output);
            writer.WriteHeader(Request.Flavor);
            var reader = new ExportReader(connection, projectId, Request.Filter, PageSize(options.PageSize), options.PageBytes)
            {
                RequireValidModelGrade = Request.Flavor == ExportFlavor.Pairs,
            };
            var start = Request.Flavor == ExportFlavor.Pairs || Request.Cursor is null ? Request.Cursor : Request.Cursor.Value with { ModelGradeId = null };
            var limit = Request.Limit ?? long.MaxValue;
            await foreach (var page in reader.ReadAsync(start, ct))
            {
                foreach (var record in page)
                {
                    if (Request.Flavor == ExportFlavor.Pairs)
                    {
                        foreach (var pair in ExportPairs.Of(record, Request.Filter, start))
                        {
                            writer.WritePair(pair);
                            if (++lines >= limit)
                            {
                                break;
                            }
                        }
                    }
                    else
                    {
                        writer.WriteRecord(record);
                        lines++;
                    }
                    if (writer.Unflushed >= options.FlushBytes && await FlushAsync(output, writer, ct))
                    {
                        return;
                    }
                    if (lines >= limit)
                    {
                        break;
                    }
                }
                if (await FlushAsync(output, writer, ct) || lines >= limit)
                {
                    break;
                }
            }
            await FlushAsync(output, writer, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away; it resumes with the cursor of the last line it stored.
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException)
        {
            // Headers are gone, so there is no ProblemDetails to send. Abort the connection so the client sees a broken
            // download (not a short, well-terminated one) and resumes from its last cursor.
            logger.LogError(ex, "Export of project {ProjectId} failed after {Lines} lines", projectId, lines);
            httpContext.Abort();
        }

        int PageSize(int configured) => Request.Limit is { } max && max < configured ? Math.Max(1, max) : configured;
    }

    /// <summary>Flushes; true when the client is gone and writing should stop.</summary>
    private static async ValueTask<bool> FlushAsync(System.IO.Pipelines.PipeWriter output, ExportWriter writer, CancellationToken ct)
    {
        var result = await output.FlushAsync(ct);
        writer.MarkFlushed();
        return result.IsCanceled || result.IsCompleted;
    }
}

/// <summary>The pairs flavor: one row per (solution, valid model grade) beside the solution's human reference.</summary>
internal static class ExportPairs
{
    public static IEnumerable<ExportPair> Of(ExportRecord record, ExportFilter filter, ExportCursor? start)
    {
        // Resuming inside a solution: skip its grades up to and including the cursor's (grades come in PostgreSQL uuid order).
        Guid? after = start is { ModelGradeId: { } grade } s && s.SolutionId == record.Solution.Id ? grade : null;
        var humans = record.HumanGrades.Select(h => new ExportPairHumanGrade(h.Id, h.GraderId, h.Points, h.GivenBlind)).ToList();
        foreach (var m in record.ModelGrades)
        {
            if (m.Status != "valid" || m.Points is not { } points || !filter.SelectsModelGrade(m.RunId, m.Source)
                || (after is { } skipTo && CompareUuid(m.Id, skipTo) <= 0))
            {
                continue;
            }
            yield return new ExportPair(ExportSchema.Version, new ExportCursor(record.Problem.Id, record.Solution.Id, m.Id).ToString(),
                record.ProjectId, record.Solution.Id, record.Solution.ExternalId, record.Solution.Author, record.Problem.Id,
                record.Problem.ExternalId, record.Problem.MaxPoints, m.Id, m.Source, m.Model, m.RunId, m.RubricId, points,
                record.HumanReference.Points, record.HumanReference.Basis, record.Adjudication?.Points, humans, record.EvidenceLevel,
                m.CreatedAt, record.Solution.UpdatedAt);
        }
    }

    /// <summary>Orders uuids as PostgreSQL does (bytes in RFC 4122 order), which is not <see cref="Guid.CompareTo(Guid)"/>.</summary>
    public static int CompareUuid(Guid a, Guid b)
    {
        Span<byte> x = stackalloc byte[16];
        Span<byte> y = stackalloc byte[16];
        a.TryWriteBytes(x, bigEndian: true, out _);
        b.TryWriteBytes(y, bigEndian: true, out _);
        return x.SequenceCompareTo(y);
    }
}
