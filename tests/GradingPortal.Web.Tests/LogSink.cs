using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace GradingPortal.Web.Tests;

/// <summary>
/// Keeps every log line a host writes (as far as its configured levels let through), so tests can check that secrets
/// typed into or shown by a page never reach the logs, and a failed browser test can show what the host complained of.
/// </summary>
public sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<(long Sequence, DateTimeOffset At, LogLevel Level, string Line)> _warnings = new();
    private long _sequence;

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>A mark to pass to <see cref="WarningsSince"/> later: what was logged before it is left out.</summary>
    public long Mark => Interlocked.Read(ref _sequence);

    /// <summary>Warning and worse since <paramref name="mark"/>, oldest first, with the time each was written.</summary>
    public IEnumerable<string> WarningsSince(long mark) =>
        _warnings.Where(w => w.Sequence > mark).Select(w => $"{w.At:HH:mm:ss.fff} {w.Line}");

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void Dispose()
    {
    }

    private void Add(LogLevel level, string line)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        _lines.Enqueue(line);
        if (level >= LogLevel.Warning)
        {
            _warnings.Enqueue((sequence, DateTimeOffset.UtcNow, level, line));
        }
    }

    private sealed class Logger(string category, LogSink sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The structured values too: a formatter may leave out an argument that a structured sink would still store.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            sink.Add(logLevel, $"{logLevel} {category}: {formatter(state, exception)} {values} {exception}");
        }
    }
}
