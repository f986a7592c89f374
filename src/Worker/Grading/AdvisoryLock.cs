using Npgsql;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// A PostgreSQL session advisory lock held on a connection of its own for as long as the work takes (model calls included),
/// so it never sits inside the job's transactions. Closing the connection releases it, so a Worker that dies cannot
/// leave a lock behind.
/// </summary>
internal sealed class AdvisoryLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;

    private AdvisoryLock(NpgsqlConnection connection)
    {
        _connection = connection;
    }

    /// <summary>Waits for the lock.</summary>
    public static async Task<AdvisoryLock> AcquireAsync(NpgsqlDataSource dataSource, string name, CancellationToken ct) =>
        (await TakeAsync(dataSource, name, wait: true, ct))!;

    /// <summary>Takes the lock if nobody holds it; null otherwise.</summary>
    public static Task<AdvisoryLock?> TryAcquireAsync(NpgsqlDataSource dataSource, string name, CancellationToken ct) =>
        TakeAsync(dataSource, name, wait: false, ct);

    private static async Task<AdvisoryLock?> TakeAsync(NpgsqlDataSource dataSource, string name, bool wait, CancellationToken ct)
    {
        var connection = dataSource.CreateConnection();
        try
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand(wait ? "SELECT pg_advisory_lock($1)" : "SELECT pg_try_advisory_lock($1)", connection);
            command.Parameters.AddWithValue(CacheKeys.LockId(name));
            var result = await command.ExecuteScalarAsync(ct);
            if (!wait && result is false)
            {
                await connection.DisposeAsync();
                return null;
            }
            return new AdvisoryLock(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", _connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // The connection is going away anyway, which releases the lock.
        }
        await _connection.DisposeAsync();
    }
}
