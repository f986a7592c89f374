using Microsoft.Extensions.Logging;
using Npgsql;

namespace GradingPortal.Jobs;

// Compiled into both the Api and the Worker as a linked file, beside JobQueue.

/// <summary>
/// Tells every Worker that jobs were queued (PostgreSQL <c>NOTIFY</c> on <see cref="Channel"/>), so that their Quartz nodes
/// look at the store now instead of at their next poll (<c>Worker:PollSeconds</c>, 2 s by default). Quartz only wakes
/// the node that scheduled a job: without this, an import or a run started from the Api, and a run's slices queued by
/// one Worker, waited up to a poll interval on the others. Best effort: when the notice cannot be sent, the Workers
/// find the jobs at their next poll.
/// </summary>
internal sealed partial class JobWakeUps : IAsyncDisposable
{
    public const string Channel = "gp_jobs";

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<JobWakeUps> _logger;

    public JobWakeUps(string connectionString, ILogger<JobWakeUps> logger)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName = "GradingPortal.JobWakeUps";
        // The one statement sent on these connections leaves no session state.
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        builder.ConnectionStringBuilder.Enlist = false;
        _dataSource = builder.Build();
        _logger = logger;
    }

    /// <summary>Sends the notice (after the jobs were committed to the store).</summary>
    public async Task AnnounceAsync(CancellationToken ct)
    {
        try
        {
            await using var command = _dataSource.CreateCommand($"SELECT pg_notify('{Channel}', '')");
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogNotSent(_logger, ex.Message);
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "Workers were not told about new jobs ({Reason}); they find them at their next poll")]
    private static partial void LogNotSent(ILogger logger, string reason);
}
