using GradingPortal.Hosting;
using GradingPortal.Jobs;

namespace GradingPortal.Worker;

/// <summary>
/// The Worker's one session listening for new-job notices (<see cref="JobQueueNotices"/>): each notice wakes every idle
/// Hangfire worker thread of this process. The session comes from a data source built on the configured connection
/// string, which keeps the password, so a session lost to a database restart or a cut connection is opened again a second
/// later; every idle thread then looks at the queues once, for jobs queued while nobody listened.
/// </summary>
internal sealed partial class JobQueueListener(PostgresConnections connections, JobQueueWakeUps wakeUps, ILogger<JobQueueListener> logger)
    : BackgroundService
{
    private bool _lost;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var dataSource = connections.CreateDataSource(settings =>
        {
            // Named like Hangfire's other sessions, so pg_stat_activity shows it with them.
            settings.ApplicationName = "GradingPortal.Hangfire";
            // While it waits, Npgsql checks the session this often, so a connection dropped without a word is noticed too.
            settings.KeepAlive = 30;
        });
        await NotificationListener.RunAsync(dataSource.OpenConnectionAsync, JobQueueNotices.Channel, _ => wakeUps.WakeAll(),
            onListening: () =>
            {
                if (_lost)
                {
                    _lost = false;
                    LogListeningAgain(logger);
                }
                wakeUps.WakeAll();
            },
            onLost: e =>
            {
                _lost = true;
                LogLost(logger, e.Message);
            },
            stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job notices: the listening session was lost ({Reason}); idle threads poll until it is back")]
    private static partial void LogLost(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job notices: listening again")]
    private static partial void LogListeningAgain(ILogger logger);
}
