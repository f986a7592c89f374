using System.Net;
using System.Net.ServerSentEvents;

namespace GradingPortal.Web.Components.Pages.Solutions;

/// <summary>
/// Reads the Api's <c>GET /api/solutions/{id}/changes</c> event stream (ADR 022) with one circuit's token; the
/// <see cref="SolutionChangeHub"/> lends it to the stream that all circuits following the solution share. The generated client
/// cannot read a stream of events, so this wraps the same per-circuit HttpClient set-up (the circuit's token, renewed on a
/// 401) around the event parser. It yields the event names only (<c>ready</c>, <c>changed</c>, <c>heartbeat</c>); the
/// page reads the solution itself through the generated client, so what it shows is what the Api lets it see.
/// </summary>
public sealed class SolutionChangeFeed(HttpClient http)
{
    /// <summary>Yielded (alone) when the Api refuses this caller the stream: it may not, or no longer, see the solution.</summary>
    public const string Refused = "refused";

    public async IAsyncEnumerable<string> FollowAsync(Guid solutionId,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/solutions/{solutionId}/changes");
        request.Headers.Accept.ParseAdd("text/event-stream");
        // Headers only: the body is the stream, read as it comes (the client's timeout covers getting the headers).
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            yield return Refused;
            yield break;
        }
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(ct))
        {
            yield return item.EventType;
        }
    }
}
