using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Playwright;

namespace GradingPortal.Web.Tests;

/// <summary>
/// What one page did while its test ran: where it navigated, its console, script errors, failed requests, answers of
/// 400 and up, and its WebSockets (the circuit). Kept in memory only, so that a failed test can print it; a passing
/// test pays for a few event handlers and a bounded queue.
/// </summary>
public sealed class PageRecord
{
    private const int MaxEvents = 300;
    private readonly ConcurrentQueue<string> _events = new();
    private int _dropped;

    public PageRecord(IPage page)
    {
        Page = page;
        page.FrameNavigated += (_, frame) =>
        {
            if (frame.ParentFrame is null)
            {
                Add($"navigated to {frame.Url}");
            }
        };
        page.Console += (_, message) => Add($"console {message.Type}: {message.Text}");
        page.PageError += (_, error) => Add($"script error: {error}");
        page.Crash += (_, _) => Add("the page crashed");
        page.RequestFailed += (_, request) => Add($"request failed: {request.Method} {request.Url}: {request.Failure}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                Add($"answer {response.Status}: {response.Request.Method} {response.Url}");
            }
        };
        page.WebSocket += (_, socket) =>
        {
            Add($"websocket opened: {socket.Url}");
            socket.Close += (_, _) => Add($"websocket closed: {socket.Url}");
            socket.SocketError += (_, error) => Add($"websocket error: {error}");
        };
    }

    public IPage Page { get; }

    public IReadOnlyCollection<string> Events => _events;

    public int Dropped => _dropped;

    // Runs on Playwright's message loop: it must neither block nor throw.
    private void Add(string line)
    {
        if (_events.Count >= MaxEvents)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        _events.Enqueue($"{DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {line}");
    }
}
