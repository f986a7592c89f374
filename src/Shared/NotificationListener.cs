using Npgsql;

// Compiled into the Api (solution change notices) and the Worker (job notices) as a linked file.

namespace GradingPortal.Hosting;

/// <summary>
/// Keeps one connection listening on a PostgreSQL notification channel until stopped: opens it, runs <c>LISTEN</c>,
/// calls <c>onListening</c> (notices sent while nobody listened are lost, so the caller looks for what it may
/// have missed), and hands every notice to <c>onNotification</c>. A lost connection is reported and re-opened
/// a second later.
/// </summary>
internal static class NotificationListener
{
    public static async Task RunAsync(Func<CancellationToken, ValueTask<NpgsqlConnection>> open, string channel,
        Action<NpgsqlNotificationEventArgs> onNotification, Action onListening, Action<Exception> onLost, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await open(stop);
                connection.Notification += (_, e) => onNotification(e);
                await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop);
                }
                onListening();
                while (true)
                {
                    await connection.WaitAsync(stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or IOException)
            {
                onLost(e);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
