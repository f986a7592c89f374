using Npgsql;

namespace GradingPortal.Worker;

/// <summary>
/// The pool EF Core's connections come from in a Worker (see <see cref="WorkerServiceCollectionExtensions"/>): statements are
/// auto-prepared, and connections are not reset when they go back to the pool, so whoever takes a session-level lock on
/// one must release it before closing (<see cref="ReleaseSessionLocksAsync"/>).
/// </summary>
internal sealed class WorkerDataSource : IAsyncDisposable
{
    private WorkerDataSource(NpgsqlDataSource dataSource)
    {
        DataSource = dataSource;
    }

    public NpgsqlDataSource DataSource { get; }

    public static WorkerDataSource Build(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        settings.NoResetOnClose = true;
        // As in the Api: a connection string that sets Max Auto Prepare keeps its own value.
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }
        return new WorkerDataSource(builder.Build());
    }

    /// <summary>
    /// Releases every session advisory lock <paramref name="connection"/> holds. When that fails on a connection that is still
    /// open, the pool is cleared, so that the connection is closed rather than handed out again with a lock on it.
    /// </summary>
    public static async Task ReleaseSessionLocksAsync(NpgsqlConnection connection)
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            NpgsqlConnection.ClearPool(connection);
        }
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
