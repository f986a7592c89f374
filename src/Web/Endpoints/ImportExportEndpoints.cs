using System.Net;
using GradingPortal.Web.Api;
using GradingPortal.Web.Auth;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace GradingPortal.Web.Endpoints;

/// <summary>
/// Import and export through Web: the upload is read from the browser's multipart body and sent on to Api as it
/// arrives; downloads are copied from Api's response to the browser as they arrive. Neither is held in memory.
/// </summary>
public static class ImportExportEndpoints
{
    /// <summary>What Web accepts for one upload (Api applies its own, usually lower, limit and says so).</summary>
    public const long MaxUploadBytes = 1L << 30;

    private static readonly string[] s_forwardedHeaders = [HeaderNames.ContentType, HeaderNames.ContentDisposition];

    public static IServiceCollection AddImportExport(this IServiceCollection services)
    {
        services.AddHttpClient<ApiStreams>((provider, client) =>
        {
            ConfigureClient(provider, client);
            client.Timeout = Timeout.InfiniteTimeSpan;
        });
        return services;
    }

    /// <summary>
    /// The import page's upload: the browser posts the file here (not through the circuit, which would carry it in
    /// SignalR messages), and the Web sends it on to the Api as it arrives, with the session cookie's token.
    /// </summary>
    public static IEndpointRouteBuilder MapImportUpload(this IEndpointRouteBuilder app)
    {
        // The antiforgery token is checked in UploadAsync itself: the usual check reads the whole form, file included.
        app.MapPost(UploadRoute, UploadAsync).DisableAntiforgery().WithMetadata(new Hosting.ValidatesAntiforgeryInHandlerAttribute());
        return app;
    }

    /// <summary>Where the import page posts a file; answers 201 with the import's id, or a ProblemDetails.</summary>
    public const string UploadRoute = "/projects/{projectId:guid}/imports/upload";

    /// <summary>Downloads: the project dataset and one solution's record.</summary>
    public static IEndpointRouteBuilder MapDownloadEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/projects/{projectId:guid}/export/download", ExportProjectAsync);
        app.MapGet("/solutions/{solutionId:guid}/export.json", ExportSolutionAsync);
        return app;
    }

    private static async Task<IResult> UploadAsync(Guid projectId, HttpContext context, PortalApi api, ApiStreams streams, IAntiforgery antiforgery)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxUploadBytes + (1 << 20);
        }
        var ct = context.RequestAborted;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        ApiProblem? problem = null;
        ImportResponse? import = null;
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            problem = Invalid("file", "Choose a file to upload.");
        }
        else
        {
            var reader = new MultipartReader(boundary, context.Request.Body) { BodyLengthLimit = MaxUploadBytes };
            // The form puts the token and the format before the file, so both are known before the file is sent on.
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    continue;
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (name != "file")
                {
                    if (fields.Count < 10)
                    {
                        using var text = new StreamReader(section.Body);
                        var value = await ReadSmallAsync(text, ct);
                        fields[name] = value;
                    }
                    continue;
                }
                if (!await IsTokenValidAsync(context, antiforgery, fields))
                {
                    return Results.Problem("The page has expired. Reload it and upload again.", statusCode: StatusCodes.Status400BadRequest,
                        title: "Expired page");
                }
                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                var format = fields.GetValueOrDefault("format") ?? "";
                if (string.IsNullOrEmpty(fileName))
                {
                    problem = Invalid("file", "Choose a file to upload.");
                    break;
                }
                // An ordinary call first: it renews an expired session, and says early whether the project is there.
                var project = await api.GetProjectAsync(projectId, ct);
                if (!project.Ok)
                {
                    problem = project.Problem;
                    break;
                }
                var result = await streams.UploadAsync(projectId, format, fileName, section.Body, section.ContentType, ct);
                problem = result.Problem;
                import = result.Value;
                break;
            }
            if (import is null && problem is null)
            {
                problem = Invalid("file", "Choose a file to upload.");
            }
        }

        return import is not null
            ? TypedResults.Json(new UploadAnswer(import.Id), statusCode: StatusCodes.Status201Created)
            : AsProblem(problem!);
    }

    /// <summary>What the page needs from a successful upload: where the import is followed.</summary>
    public sealed record UploadAnswer(Guid Id);

    /// <summary>The Api's refusal passed on as ProblemDetails, field messages included, so the page shows them as the Api wrote them.</summary>
    private static IResult AsProblem(ApiProblem problem) => problem.Errors.Count > 0
        ? Results.ValidationProblem(problem.Errors.ToDictionary(e => e.Key, e => e.Value), problem.Detail,
            statusCode: (int)problem.Status, title: problem.Title)
        : Results.Problem(problem.Detail ?? problem.Summary, statusCode: (int)problem.Status, title: problem.Title);

    private static async Task ExportProjectAsync(Guid projectId, HttpContext context, PortalApi api, ApiStreams streams)
    {
        var query = new List<string>();
        foreach (var (key, values) in context.Request.Query)
        {
            if (key is "format" or "flavor" or "problemIds" or "evidence" or "updatedSince" or "runIds" or "sources")
            {
                foreach (var value in values.Where(v => !string.IsNullOrWhiteSpace(v)))
                {
                    var wire = key == "updatedSince" ? AsUtc(value!) : value!;
                    query.Add($"{key}={Uri.EscapeDataString(wire)}");
                }
            }
        }
        var project = await api.GetProjectAsync(projectId, context.RequestAborted);
        if (!project.Ok)
        {
            context.Response.Redirect(BackToExport(projectId, context, project.Problem!));
            return;
        }
        var path = $"api/projects/{projectId}/export" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        await CopyAsync(context, streams, path, problem => BackToExport(projectId, context, problem));
    }

    private static async Task ExportSolutionAsync(Guid solutionId, HttpContext context, PortalApi api, ApiStreams streams)
    {
        // Renews an expired session before the streamed call.
        var me = await api.GetMeAsync(context.RequestAborted);
        if (!me.Ok)
        {
            await Results.Problem(me.Problem!.Summary, statusCode: (int)me.Problem.Status).ExecuteAsync(context);
            return;
        }
        await CopyAsync(context, streams, $"api/solutions/{solutionId}/export", null);
    }

    /// <summary>Copies Api's answer to the browser as it arrives. A failure before the first byte goes to <paramref name="onProblem"/>.</summary>
    private static async Task CopyAsync(HttpContext context, ApiStreams streams, string path, Func<ApiProblem, string>? onProblem)
    {
        var ct = context.RequestAborted;
        using var response = await streams.OpenAsync(path, ct);
        if (!response.IsSuccessStatusCode)
        {
            var problem = await ApiProblem.ReadAsync(response, ct);
            if (onProblem is not null)
            {
                context.Response.Redirect(onProblem(problem));
            }
            else
            {
                await Results.Problem(problem.Summary, statusCode: (int)problem.Status, title: problem.Title).ExecuteAsync(context);
            }
            return;
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
        foreach (var header in s_forwardedHeaders)
        {
            if (response.Content.Headers.TryGetValues(header, out var values) || response.Headers.TryGetValues(header, out values))
            {
                context.Response.Headers[header] = values.ToArray();
            }
        }
        context.Response.Headers.CacheControl = "no-store";
        // Kestrel would otherwise hold back small writes; the body goes out as Api sends it.
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await body.CopyToAsync(context.Response.Body, 64 * 1024, ct);
    }

    private static string BackToExport(Guid projectId, HttpContext context, ApiProblem problem)
    {
        var kept = string.Join('&', context.Request.Query.SelectMany(q => q.Value.Select(v => $"{q.Key}={Uri.EscapeDataString(v ?? "")}")));
        return $"/projects/{projectId}/export?{kept}{(kept.Length > 0 ? "&" : "")}error={Uri.EscapeDataString(Describe(problem))}";
    }

    /// <summary>The summary and every field message in one readable sentence (for a redirect back to the form).</summary>
    public static string Describe(ApiProblem problem)
    {
        var messages = problem.AllMessages.ToList();
        return messages.Count == 0 ? problem.Summary : string.Join(" ", messages);
    }

    /// <summary>A browser's datetime-local value (no offset) read as UTC; anything else is passed on for Api to judge.</summary>
    private static string AsUtc(string value) =>
        DateTime.TryParseExact(value, ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss"], System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.None, out var local)
            ? local.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + "Z"
            : value;

    private static async Task<bool> IsTokenValidAsync(HttpContext context, IAntiforgery antiforgery, Dictionary<string, string> fields)
    {
        if (!context.Request.Headers.ContainsKey("RequestVerificationToken"))
        {
            if (!fields.TryGetValue("__RequestVerificationToken", out var token))
            {
                return false;
            }
            // With the header present the check does not read the form (which would buffer the file).
            context.Request.Headers["RequestVerificationToken"] = token;
        }
        return await antiforgery.IsRequestValidAsync(context);
    }

    private static async Task<string> ReadSmallAsync(StreamReader reader, CancellationToken ct)
    {
        var buffer = new char[4096];
        var read = await reader.ReadBlockAsync(buffer, ct);
        return new string(buffer, 0, read);
    }

    private static ApiProblem Invalid(string field, string message) =>
        new(HttpStatusCode.BadRequest, "Invalid upload", null, new Dictionary<string, string[]> { [field] = [message] });

    private static void ConfigureClient(IServiceProvider services, HttpClient client)
    {
        client.BaseAddress = services.GetRequiredService<IOptions<Hosting.ApiOptions>>().Value.BaseAddress;
        client.Timeout = TimeSpan.FromSeconds(30);
    }
}
