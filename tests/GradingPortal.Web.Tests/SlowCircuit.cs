using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.Playwright;

namespace GradingPortal.Web.Tests;

/// <summary>
/// A server that answers its circuits late, as on a loaded machine or a distant connection: everything the server sends
/// a page over the circuit's WebSocket reaches the page a fixed time later, in order. What the page sends is untouched.
/// </summary>
public sealed class SlowCircuit
{
    private readonly TimeSpan _delay;
    private int _pending;
    private long _lastDeliveredTicks = DateTimeOffset.UtcNow.UtcTicks;

    private SlowCircuit(TimeSpan delay) => _delay = delay;

    /// <summary>Applies to the circuits the page opens from now on (call it before the page is loaded).</summary>
    public static async Task<SlowCircuit> DelayServerMessagesAsync(IPage page, TimeSpan delay)
    {
        var slow = new SlowCircuit(delay);
        await page.RouteWebSocketAsync(new Regex("/_blazor"), slow.Route);
        return slow;
    }

    /// <summary>
    /// Waits until everything the server sent has reached the page and nothing more came for twice the delay: by then
    /// the page has had every answer to what it did before.
    /// </summary>
    public async Task QuietAsync(CancellationToken ct)
    {
        while (Volatile.Read(ref _pending) > 0
               || DateTimeOffset.UtcNow - new DateTimeOffset(Interlocked.Read(ref _lastDeliveredTicks), TimeSpan.Zero) < 2 * _delay)
        {
            await Task.Delay(50, ct);
        }
    }

    private void Route(IWebSocketRoute ws)
    {
        var server = ws.ConnectToServer();
        var queue = Channel.CreateUnbounded<(IWebSocketFrame Frame, DateTimeOffset Due)>();
        server.OnMessage(frame =>
        {
            Interlocked.Increment(ref _pending);
            queue.Writer.TryWrite((frame, DateTimeOffset.UtcNow + _delay));
        });
        _ = Task.Run(async () =>
        {
            await foreach (var (frame, due) in queue.Reader.ReadAllAsync())
            {
                var wait = due - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }
                try
                {
                    // A binary frame (the circuit's MessagePack) carries its text too: the kind decides.
                    if (frame.Binary is { } bytes)
                    {
                        ws.Send(bytes);
                    }
                    else
                    {
                        ws.Send(frame.Text ?? "");
                    }
                }
                catch (PlaywrightException)
                {
                    // The page or its socket is gone: nothing more to deliver.
                    queue.Writer.TryComplete();
                }
                Interlocked.Exchange(ref _lastDeliveredTicks, DateTimeOffset.UtcNow.UtcTicks);
                Interlocked.Decrement(ref _pending);
            }
        });
    }
}
