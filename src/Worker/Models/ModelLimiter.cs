using System.Collections.Concurrent;
using GradingPortal.Domain.Models;
using GradingPortal.Hosting;
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
    /// <summary>Hand-overs of one slot inside a process before it is released to every process.</summary>
    private const int LocalHandoffLimit = 8;
    private static readonly TimeSpan FairnessDelay = TimeSpan.FromMilliseconds(5);

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
        // A slot's lock is released explicitly (a failed release closes the connection instead), and these connections carry
        // no other session state: returning one to the pool needs no reset round (DISCARD ALL) per model call.
        builder.ConnectionStringBuilder.NoResetOnClose = true;
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
        Held? held = null;
        try
        {
            held = await TakeSlotAsync(gate, lockKey, max, cancellationToken);
            if (profile.RequestsPerMinute is { } perMinute)
            {
                await WaitForRateAsync(held.Connection, profile.Id, lockKey, perMinute, cancellationToken);
            }
            return new ModelSlotLease(this, gate, held.Connection, lockKey, held.Slot, held.Handoffs);
        }
        catch
        {
            if (held is not null)
            {
                await ReleaseAsync(held.Connection, lockKey, held.Slot, gate, signalLocally: true);
            }
            gate.Local.Release();
            throw;
        }
    }

    /// <summary>
    /// A slot handed over by a holder in this process, else (for the one waiter holding the door) a free one in the
    /// database, else wait for a release here or a notification from elsewhere.
    /// </summary>
    private async Task<Held> TakeSlotAsync(Gate gate, int lockKey, int max, CancellationToken cancellationToken)
    {
        gate.Join();
        var excess = new List<Held>();
        NpgsqlConnection? probe = null;
        var probeUnsure = false;
        var inDoor = false;
        try
        {
            if (gate.TryTakeHandoff(out var first))
            {
                return first;
            }
            // One prober per process and profile: the others wait here, so a release costs each process one query.
            await gate.Door.WaitAsync(cancellationToken);
            inDoor = true;
            while (true)
            {
                if (gate.TryTakeHandoff(out var handed))
                {
                    return handed;
                }
                probe ??= await _dataSource.OpenConnectionAsync(cancellationToken);
                // Until the answer is read, the server may have granted a lock this process does not know about.
                probeUnsure = true;
                var slot = await TryLockSlotAsync(probe, lockKey, max, cancellationToken);
                probeUnsure = false;
                if (slot >= 0)
                {
                    var taken = new Held(probe, slot, 0);
                    probe = null;
                    excess = gate.Leave();
                    return taken;
                }
                await gate.Wake.WaitAsync(_options.SlotPollInterval, cancellationToken);
            }
        }
        catch
        {
            // Slots handed over for this waiter, now that it gives up, must not stay locked with nobody to use them.
            excess = gate.Leave();
            throw;
        }
        finally
        {
            if (inDoor)
            {
                gate.Door.Release();
            }
            if (probe is not null)
            {
                if (probeUnsure)
                {
                    // Interrupted mid-query: the pool does not reset connections (NoResetOnClose), so this one must not
                    // go back to it with a lock it might hold; closing the session frees it.
                    NpgsqlConnection.ClearPool(probe);
                    probe.Close();
                }
                await probe.DisposeAsync();
            }
            foreach (var orphan in excess)
            {
                await ReleaseAsync(orphan.Connection, lockKey, orphan.Slot, gate, signalLocally: true);
            }
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
                // The lock serialises check-and-insert per profile across processes; the second statement takes its snapshot
                // after the lock is granted, so it sees every start committed before. The server's clock is the only clock.
                await using var batch = new NpgsqlBatch(connection, transaction)
                {
                    BatchCommands =
                    {
                        Command("SELECT pg_advisory_xact_lock($1, $2)", lockKey, RateLockSlot),
                        Command("""
                            WITH pruned AS (
                                DELETE FROM model_request_starts
                                WHERE model_profile_id = $1 AND at <= clock_timestamp() - interval '60 seconds'),
                            live AS (
                                SELECT count(*) AS n, min(at) AS oldest FROM model_request_starts
                                WHERE model_profile_id = $1 AND at > clock_timestamp() - interval '60 seconds'),
                            started AS (
                                INSERT INTO model_request_starts (model_profile_id, at)
                                SELECT $1, clock_timestamp() FROM live WHERE n < $2
                                RETURNING id)
                            SELECT (SELECT count(*) FROM started)::int,
                                   extract(epoch FROM (SELECT oldest FROM live) + interval '60 seconds' - clock_timestamp())::float8
                            """, profileId, perMinute),
                    },
                };
                await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
                {
                    // Both statements return one row: the lock's (void), then the verdict.
                    await reader.NextResultAsync(cancellationToken);
                    await reader.ReadAsync(cancellationToken);
                    waitSeconds = reader.GetInt32(0) == 1 ? null : reader.IsDBNull(1) ? 0 : reader.GetDouble(1);
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

    private async Task ReleaseAsync(NpgsqlConnection connection, int lockKey, int slot, Gate gate, bool signalLocally)
    {
        try
        {
            if (slot >= 0 && connection.State == System.Data.ConnectionState.Open)
            {
                // Unlock and announce in one round trip; the payload names the profile and this process (which skips its
                // own notifications).
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1, $2), pg_notify($3, $4)", connection);
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = lockKey });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = slot });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Channel });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"{gate.ProfileId:N}|{_instance}" });
                await command.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        catch (Exception e)
        {
            // The lock dies with the session: the connection must not go back to the pool (which does not reset it) still
            // holding it, so the pool drops it and closing it ends the session.
            LogReleaseFailed(_logger, e.Message);
            NpgsqlConnection.ClearPool(connection);
            connection.Close();
        }
        finally
        {
            await connection.DisposeAsync();
        }
        if (signalLocally)
        {
            gate.Signal();
        }
        else
        {
            // Let waiters in other processes (woken by the notification) try first, then this process's own.
            _ = Task.Delay(FairnessDelay).ContinueWith(_ => gate.Signal(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    internal async ValueTask ReturnAsync(ModelSlotLease lease)
    {
        var gate = lease.Gate;
        // A waiter in this process takes the slot as it is, lock and connection included: no round trip at all. After a
        // few hand-overs the slot goes back through the database so other processes get their turn.
        var handedOver = lease.Handoffs < LocalHandoffLimit && lease.Connection.State == System.Data.ConnectionState.Open
            && gate.TryHandOff(new Held(lease.Connection, lease.Slot, lease.Handoffs + 1));
        if (!handedOver)
        {
            await ReleaseAsync(lease.Connection, lease.LockKey, lease.Slot, gate, signalLocally: lease.Handoffs < LocalHandoffLimit);
        }
        gate.Local.Release();
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

    private Task ListenAsync(CancellationToken stop) =>
        NotificationListener.RunAsync(_dataSource.OpenConnectionAsync, Channel, e => OnNotification(e.Payload),
            // Slots may have been freed while nobody listened; waiters fall back to polling until the listener is back.
            onListening: () =>
            {
                foreach (var gate in _gates.Values)
                {
                    gate.Signal();
                }
            },
            onLost: e => LogListenerLost(_logger, e.Message), stop);

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

        private readonly Lock _lock = new();
        private readonly Queue<Held> _handoffs = new();
        private int _waiters;

        /// <summary>A task of this process starts waiting for a slot.</summary>
        public void Join()
        {
            lock (_lock)
            {
                _waiters++;
            }
        }

        /// <summary>
        /// A waiter stops waiting without taking a handed-over slot (it found one in the database, or gave up). Returns the
        /// handed-over slots no remaining waiter will take; the caller releases them.
        /// </summary>
        public List<Held> Leave()
        {
            lock (_lock)
            {
                _waiters--;
                var excess = new List<Held>();
                while (_handoffs.Count > _waiters)
                {
                    excess.Add(_handoffs.Dequeue());
                }
                return excess;
            }
        }

        /// <summary>Gives a held slot to a waiter of this process, if one is waiting that has not been given one yet.</summary>
        public bool TryHandOff(Held held)
        {
            lock (_lock)
            {
                if (_handoffs.Count >= _waiters)
                {
                    return false;
                }
                _handoffs.Enqueue(held);
            }
            Signal();
            return true;
        }

        public bool TryTakeHandoff([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Held? held)
        {
            lock (_lock)
            {
                if (_handoffs.TryDequeue(out held))
                {
                    _waiters--;
                    return true;
                }
                return false;
            }
        }

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

/// <summary>A slot's advisory lock, the session that holds it, and how often it was handed over inside this process.</summary>
internal sealed record Held(NpgsqlConnection Connection, int Slot, int Handoffs);

/// <summary>A held concurrency slot (and a recorded request start). Disposing frees the slot and wakes waiters everywhere.</summary>
internal sealed class ModelSlotLease : IAsyncDisposable
{
    private readonly ModelLimiter _limiter;
    private int _released;

    internal ModelSlotLease(ModelLimiter limiter, ModelLimiter.Gate gate, NpgsqlConnection connection, int lockKey, int slot, int handoffs)
    {
        Handoffs = handoffs;
        _limiter = limiter;
        Gate = gate;
        Connection = connection;
        LockKey = lockKey;
        Slot = slot;
    }

    internal ModelLimiter.Gate Gate { get; }
    internal NpgsqlConnection Connection { get; }
    internal int LockKey { get; }
    internal int Handoffs { get; }
    /// <summary>The slot number held (0 .. max concurrency - 1).</summary>
    public int Slot { get; }

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _released, 1) == 0 ? _limiter.ReturnAsync(this) : ValueTask.CompletedTask;
}
