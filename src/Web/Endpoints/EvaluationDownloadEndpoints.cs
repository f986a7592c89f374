using GradingPortal.Web.Api;

namespace GradingPortal.Web.Endpoints;

/// <summary>
/// The agreement figures as CSV, for the Evaluation page's download button. An interactive page cannot hand its
/// circuit's token to a browser download, so the browser asks the Web with its session cookie and the Web fetches the
/// Api's CSV with that session's token, as the dataset export does.
/// </summary>
public static class EvaluationDownloadEndpoints
{
    /// <summary>The query parameters passed on to the Api; anything else is dropped.</summary>
    private static readonly string[] s_passed = ["humanSource", "threshold", "problemIds", "graderIds"];

    public static IEndpointRouteBuilder MapEvaluationDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/projects/{projectId:guid}/evaluation/agreement.csv", AgreementCsvAsync);
        return app;
    }

    /// <summary>The path of the download with the page's current choices.</summary>
    public static string AgreementCsvLink(Guid projectId, string? humanSource, decimal? threshold)
    {
        var query = new List<string>();
        if (!string.IsNullOrEmpty(humanSource) && humanSource != "adjudicated") query.Add($"humanSource={Uri.EscapeDataString(humanSource)}");
        if (threshold is { } t) query.Add($"threshold={t.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return $"/projects/{projectId}/evaluation/agreement.csv" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
    }

    private static async Task AgreementCsvAsync(Guid projectId, HttpContext context, PortalApi api, ApiStreams streams)
    {
        var ct = context.RequestAborted;
        // An ordinary call first: it renews an expired session, whose token the streamed call then uses.
        var me = await api.GetMeAsync(ct);
        if (!me.Ok)
        {
            await Results.Problem(me.Problem!.Summary, statusCode: (int)me.Problem.Status).ExecuteAsync(context);
            return;
        }
        var query = context.Request.Query
            .Where(q => s_passed.Contains(q.Key, StringComparer.Ordinal))
            .SelectMany(q => q.Value.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => $"{q.Key}={Uri.EscapeDataString(v!)}"))
            .ToList();
        var path = $"api/projects/{projectId}/agreement.csv" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        using var response = await streams.OpenAsync(path, ct);
        if (!response.IsSuccessStatusCode)
        {
            var problem = await ApiProblem.ReadAsync(response, ct);
            await Results.Problem(problem.Summary, statusCode: (int)problem.Status, title: problem.Title).ExecuteAsync(context);
            return;
        }
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"agreement-{projectId.ToString()[..8]}.csv\"";
        context.Response.Headers.CacheControl = "no-store";
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await body.CopyToAsync(context.Response.Body, ct);
    }
}
