using System.Net;
using System.Net.ServerSentEvents;
using GradingPortal.Hosting;

namespace GradingPortal.Web.Components.Pages.Solutions;

/// <summary>One event of a solution's change stream: its name and, for <c>changed</c>, the kinds of rows that changed.</summary>
internal readonly record struct SolutionStreamEvent(string Name, SolutionChangeKinds Kinds);

/// <summary>
/// Reads the Api's <c>GET /api/solutions/{id}/changes</c> event stream (ADR 022) with one circuit's token; the
/// <see cref="SolutionChangeHub"/> lends it to the stream that all circuits following the solution share. The generated client
/// cannot read a stream of events, so this wraps the same per-circuit HttpClient set-up (the circuit's token, renewed on a
/// 401) around the event parser. It yields the event names (<c>ready</c>, <c>changed</c>, <c>heartbeat</c>) and, for a
/// change, its kinds (any kind when the Api did not say); the page reads what changed itself through the generated client,
/// so what it shows is what the Api lets it see.
/// </summary>
public sealed class SolutionChangeFeed(HttpClient http)
{
    /// <summary>Yielded (alone) when the Api refuses this caller the stream: it may not, or no longer, see the solution.</summary>
    public const string Refused = "refused";

    internal async IAsyncEnumerable<SolutionStreamEvent> FollowAsync(Guid solutionId,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/solutions/{solutionId}/changes");
        request.Headers.Accept.ParseAdd("text/event-stream");
        // Headers only: the body is the stream, read as it comes (the client's timeout covers getting the headers).
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            yield return new SolutionStreamEvent(Refused, SolutionChangeKinds.None);
            yield break;
        }
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(ct))
        {
            yield return new SolutionStreamEvent(item.EventType, KindsOf(item));
        }
    }

    // "changed" carries "<id>" or "<id> <kinds>"; anything else reads as any kind, so the page reads everything.
    private static SolutionChangeKinds KindsOf(SseItem<string> item)
    {
        if (item.EventType != "changed")
        {
            return SolutionChangeKinds.None;
        }
        var space = item.Data.IndexOf(' ');
        return space < 0 ? SolutionChangeKinds.All : SolutionChangeKindNames.Parse(item.Data.AsSpan(space + 1));
    }
}
