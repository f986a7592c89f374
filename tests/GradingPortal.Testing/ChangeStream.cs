using System.Net;
using System.Net.ServerSentEvents;

namespace GradingPortal.Testing;

/// <summary>
/// An open <c>GET /api/solutions/{id}/changes</c> stream, read as the Web reads it. <see cref="OpenAsync"/> returns once
/// the Api has sent <c>ready</c>, so any change written after that must arrive as an event.
/// </summary>
public sealed class ChangeStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop;
    private readonly IAsyncEnumerator<SseItem<string>> _events;

    // A read that outlived its caller's wait stays pending; the next wait takes it up (an enumerator allows one at a time).
    private Task<bool>? _pending;

    private ChangeStream(HttpResponseMessage response, CancellationTokenSource stop, IAsyncEnumerator<SseItem<string>> events)
    {
        _response = response;
        _stop = stop;
        _events = events;
    }

    /// <summary>The answer's status when the stream was refused (null when it opened).</summary>
    public static async Task<HttpStatusCode?> RefusedAsync(HttpClient client, Guid solutionId, CancellationToken ct)
    {
        using var response = await client.GetAsync($"/api/solutions/{solutionId}/changes", HttpCompletionOption.ResponseHeadersRead, ct);
        return response.IsSuccessStatusCode ? null : response.StatusCode;
    }

    public static async Task<ChangeStream> OpenAsync(HttpClient client, Guid solutionId, CancellationToken ct)
    {
        var response = await client.GetAsync($"/api/solutions/{solutionId}/changes", HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var body = await response.Content.ReadAsStreamAsync(ct);
        var stream = new ChangeStream(response, stop, SseParser.Create(body).EnumerateAsync(stop.Token).GetAsyncEnumerator(stop.Token));
        var first = await stream.NextAsync(TimeSpan.FromSeconds(10));
        if (first?.EventType != "ready")
        {
            await stream.DisposeAsync();
            throw new InvalidOperationException($"The stream began with {first?.EventType ?? "nothing"}, not ready.");
        }
        return stream;
    }

    /// <summary>The next event other than a heartbeat, or null when none came within <paramref name="within"/>.</summary>
    public async Task<SseItem<string>?> NextAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }
            bool moved;
            try
            {
                _pending ??= _events.MoveNextAsync().AsTask();
                moved = await _pending.WaitAsync(left);
                _pending = null;
            }
            catch (TimeoutException)
            {
                return null;
            }
            if (!moved)
            {
                return null;
            }
            if (_events.Current.EventType != "heartbeat")
            {
                return _events.Current;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _events.DisposeAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
        }
        _response.Dispose();
        _stop.Dispose();
    }
}
