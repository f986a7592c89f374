using System.Collections.Concurrent;
using GradingPortal.Domain.Models;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GradingPortal.Worker.Models;

/// <summary>
/// Enforces a profile's limits across every Worker process (decision 010): at most <see cref="ModelProfile.MaxConcurrency"/>
/// requests in flight, held as PostgreSQL session advisory locks on (profile, slot) for the length of the HTTP call, and at
/// most <see cref="ModelProfile.RequestsPerMinute"/> request starts in any rolling minute, counted in
/// <c>model_request_starts</c>. A process that dies drops its connections and with them its slots. A freed slot is announced
/// with NOTIFY, so a waiter in another process takes it within a round trip, not a poll interval.
/// </summary>
internal sealed partial class ModelLimiter : IAsyncDisposable
{
    private const string Channel = "gp_model_slots";
    private const int RateLockSlot = -1;

    private readonly NpgsqlDataSource _dataSource;
    private readonly ModelCallOptions _options;
    private readonly ILogger<ModelLimiter> _logger;
    private readonly ConcurrentDictionary<(Guid ProfileId, int Max), Gate> _gates = new();
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _listenerLock = new();
    private Task? _listener;

    public ModelLimiter(string connectionString, IOptions<ModelCallOptions> options, ILogger<ModelLimiter> logger)
    {
        // A pool of its own: slot connections stay open for whole model calls and must not starve EF's pool; the name
        // makes them recognisable in pg_stat_activity; keepalive notices a dead peer so a lost listener reconnects.
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName = "GradingPortal.Worker.ModelLimiter";
        builder.ConnectionStringBuilder.KeepAlive = 15;
        builder.ConnectionStringBuilder.Enlist = false;
        _dataSource = builder.Build();
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>
    /// Waits for a concurrency slot of <paramref name="profile"/>, then for room in its requests-per-minute window (holding the
    /// slot: when the rate binds, concurrency does not), and records the request start. Dispose the lease when the HTTP call
    /// is over.
    /// </summary>
    public async Task<ModelSlotLease> AcquireAsync(ModelProfile profile, CancellationToken cancellationToken)
    {
        EnsureListening();
        var max = Math.Max(1, profile.MaxConcurrency);
        var gate = _gates.GetOrAdd((profile.Id, max), key => new Gate(key.ProfileId, key.Max));
        var lockKey = LockKey(profile.Id);
        await gate.Local.WaitAsync(cancellationToken);
        NpgsqlConnection? connection = null;
        var slot = -1;
        try
        {
            // One prober per process and profile: the others wait here, so a release costs each process one query.
            await gate.Door.WaitAsync(cancellationToken);
            try
            {
                connection = await _dataSource.OpenConnectionAsync(cancellationToken);
                while ((slot = await TryLockSlotAsync(connection, lockKey, max, cancellationToken)) < 0)
                {
                    await gate.Wake.WaitAsync(_options.SlotPollInterval, cancellationToken);
                }
            }
            finally
            {
                gate.Door.Release();
            }
            if (profile.RequestsPerMinute is { } perMinute)
            {
                await WaitForRateAsync(connection, profile.Id, lockKey, perMinute, cancellationToken);
            }
            return new ModelSlotLease(this, gate, connection, lockKey, slot);
        }
        catch
        {
            if (connection is not null)
            {
                await ReleaseAsync(connection, lockKey, slot, gate);
            }
            gate.Local.Release();
            throw;
        }
    }

    private static async Task<int> TryLockSlotAsync(NpgsqlConnection connection, int lockKey, int max, CancellationToken cancellationToken)
    {
        // LIMIT 1 stops the scan at the first slot locked, so at most one lock is taken. No ORDER BY: sorting would
        // evaluate the filter (and take locks) on every row first.
        await using var command = new NpgsqlCommand(
            "SELECT s FROM generate_series(0, $2 - 1) AS s WHERE pg_try_advisory_lock($1, s) LIMIT 1", connection);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = lockKey });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
        var result = await command.ExecuteScalarAsync(cancellationToken);
        return result is int slot ? slot : -1;
    }

    private async Task WaitForRateAsync(NpgsqlConnection connection, Guid profileId, int lockKey, int perMinute, CancellationToken cancellationToken)
    {
        while (true)
        {
            double? waitSeconds;
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                // Serialise the check-and-insert per profile across processes; the server's clock is the only clock.
                await using var batch = new NpgsqlBatch(connection, transaction)
                {
                    BatchCommands =
                    {
                        Command("SELECT pg_advisory_xact_lock($1, $2)", lockKey, RateLockSlot),
                        Command("DELETE FROM model_request_starts WHERE model_profile_id = $1 AND at <= clock_timestamp() - interval '60 seconds'",
                            profileId),
                        Command("""
                            INSERT INTO model_request_starts (model_profile_id, at)
                            SELECT $1, clock_timestamp()
                            WHERE (SELECT count(*) FROM model_request_starts WHERE model_profile_id = $1) < $2
                            RETURNING id
                            """, profileId, perMinute),
                        Command("""
                            SELECT extract(epoch FROM min(at) + interval '60 seconds' - clock_timestamp())::float8
                            FROM model_request_starts WHERE model_profile_id = $1
                            """, profileId),
                    },
                };
                await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
                {
                    await reader.NextResultAsync(cancellationToken);
                    await reader.NextResultAsync(cancellationToken);
                    var started = await reader.ReadAsync(cancellationToken);
                    await reader.NextResultAsync(cancellationToken);
                    waitSeconds = started ? null : await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0) ? reader.GetDouble(0) : 0;
                }
                await transaction.CommitAsync(cancellationToken);
            }
            if (waitSeconds is null)
            {
                return;
            }
            var wait = TimeSpan.FromSeconds(Math.Clamp(waitSeconds.Value, 0.005, 60)) + TimeSpan.FromMilliseconds(Random.Shared.Next(1, 20));
            LogRateWait(_logger, profileId, (int)wait.TotalMilliseconds);
            await Task.Delay(wait, cancellationToken);
        }
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        return command;
    }

    private async Task ReleaseAsync(NpgsqlConnection connection, int lockKey, int slot, Gate gate)
    {
        try
        {
            if (slot >= 0 && connection.State == System.Data.ConnectionState.Open)
            {
                // Unlock and announce in one round trip; the payload names the profile and this process (which wakes its
                // own waiters directly and skips its own notification).
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1, $2), pg_notify($3, $4)", connection);
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = lockKey });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = slot });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Channel });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"{gate.ProfileId:N}|{_instance}" });
                await command.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // The lock dies with the session; closing the connection below frees it (the pool resets or drops it).
            LogReleaseFailed(_logger, e.Message);
            connection.Close();
            NpgsqlConnection.ClearPool(connection);
        }
        finally
        {
            await connection.DisposeAsync();
        }
        gate.Signal();
    }

    internal async ValueTask ReturnAsync(ModelSlotLease lease)
    {
        await ReleaseAsync(lease.Connection, lease.LockKey, lease.Slot, lease.Gate);
        lease.Gate.Local.Release();
    }

    private void EnsureListening()
    {
        if (_listener is not null)
        {
            return;
        }
        lock (_listenerLock)
        {
            _listener ??= Task.Run(() => ListenAsync(_stop.Token));
        }
    }

    private async Task ListenAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(stop);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop);
                }
                // Slots may have been freed while nobody listened.
                foreach (var gate in _gates.Values)
                {
                    gate.Signal();
                }
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
                // Waiters fall back to polling until the listener is back.
                LogListenerLost(_logger, e.Message);
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

    private void OnNotification(string payload)
    {
        var separator = payload.IndexOf('|', StringComparison.Ordinal);
        if (separator < 0 || !Guid.TryParseExact(payload.AsSpan(0, separator), "N", out var profileId)
            || payload.AsSpan(separator + 1).SequenceEqual(_instance))
        {
            return;
        }
        foreach (var gate in _gates.Values)
        {
            if (gate.ProfileId == profileId)
            {
                gate.Signal();
            }
        }
    }

    /// <summary>The first advisory-lock key of a profile (the second is the slot; -1 guards the rate window).</summary>
    internal static int LockKey(Guid profileId)
    {
        Span<byte> bytes = stackalloc byte[16];
        profileId.TryWriteBytes(bytes);
        var ints = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(bytes);
        return ints[0] ^ ints[1] ^ ints[2] ^ ints[3];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_listener is not null)
        {
            await _listener.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        await _dataSource.DisposeAsync();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Profile {ProfileId}: requests-per-minute limit reached, waiting {WaitMs} ms")]
    private static partial void LogRateWait(ILogger logger, Guid profileId, int waitMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing a model slot failed; its connection is dropped instead: {Reason}")]
    private static partial void LogReleaseFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model slot notifications lost, reconnecting (waiters poll meanwhile): {Reason}")]
    private static partial void LogListenerLost(ILogger logger, string reason);

    /// <summary>This process's side of one profile's limit.</summary>
    internal sealed class Gate(Guid profileId, int max)
    {
        public Guid ProfileId { get; } = profileId;
        /// <summary>Holders and waiters in this process: never more than the slots there are.</summary>
        public SemaphoreSlim Local { get; } = new(max, max);
        /// <summary>Only the holder of the door probes the database for a free slot.</summary>
        public SemaphoreSlim Door { get; } = new(1, 1);
        /// <summary>Set when a slot may have been freed (a notification, or a release in this process).</summary>
        public SemaphoreSlim Wake { get; } = new(0, 1);

        public void Signal()
        {
            try
            {
                if (Wake.CurrentCount == 0)
                {
                    Wake.Release();
                }
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }
}

/// <summary>A held concurrency slot (and a recorded request start). Disposing frees the slot and wakes waiters everywhere.</summary>
internal sealed class ModelSlotLease : IAsyncDisposable
{
    private readonly ModelLimiter _limiter;
    private int _released;

    internal ModelSlotLease(ModelLimiter limiter, ModelLimiter.Gate gate, NpgsqlConnection connection, int lockKey, int slot)
    {
        _limiter = limiter;
        Gate = gate;
        Connection = connection;
        LockKey = lockKey;
        Slot = slot;
    }

    internal ModelLimiter.Gate Gate { get; }
    internal NpgsqlConnection Connection { get; }
    internal int LockKey { get; }
    /// <summary>The slot number held (0 .. max concurrency - 1).</summary>
    public int Slot { get; }

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _released, 1) == 0 ? _limiter.ReturnAsync(this) : ValueTask.CompletedTask;
}
