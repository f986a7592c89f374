using GradingPortal.Jobs;
using Npgsql;
using Quartz.Extensibility;

namespace GradingPortal.Worker;

/// <summary>
/// Listens for <see cref="JobWakeUps"/> notices and wakes this Worker's Quartz node, which then looks for due triggers at
/// once. While the connection is down (it is re-opened every second), the node still finds new jobs at its regular poll.
/// </summary>
internal sealed partial class JobWakeListener(string connectionString, ISchedulerSignaler signaler, ILogger<JobWakeListener> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = "GradingPortal.Worker.JobWakeListener",
            // A dead peer is noticed, so that a lost listener is replaced.
            KeepAlive = 15,
            Pooling = false,
            Enlist = false,
        };
        await NotificationListener.RunAsync(async ct =>
            {
                var connection = new NpgsqlConnection(settings.ConnectionString);
                try
                {
                    await connection.OpenAsync(ct);
                    return connection;
                }
                catch
                {
                    await connection.DisposeAsync();
                    throw;
                }
            }, JobWakeUps.Channel, _ => Wake(stoppingToken),
            // Jobs may have been queued while nobody listened.
            onListening: () => Wake(stoppingToken),
            onLost: e => LogListenerLost(logger, e.Message), stoppingToken);
    }

    private void Wake(CancellationToken ct)
    {
        // Only sets a flag and pulses the scheduler thread; never awaited on the connection's reading path.
        _ = signaler.SignalSchedulingChange(null, ct).AsTask().ContinueWith(
            t => LogWakeFailed(logger, t.Exception?.GetBaseException().Message ?? ""), CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for new jobs stopped ({Reason}); retrying in 1 s, polling meanwhile")]
    private static partial void LogListenerLost(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waking the scheduler for new jobs failed: {Reason}")]
    private static partial void LogWakeFailed(ILogger logger, string reason);
}
