using System.Collections.Concurrent;
using System.Data;
using Hangfire.PostgreSql;
using Hangfire.Storage;

namespace GradingPortal.Jobs;

// Compiled into the Api (which enqueues: the notice side) and the Worker (which also waits: the listening side), as a
// linked file beside HangfireStorage.cs.

/// <summary>
/// How a queued job reaches an idle Worker at once instead of at its next poll. Hangfire.PostgreSql's own long polling
/// cannot be used on a database that asks for a password: each waiting worker thread opens a listening session of its own,
/// and when that session is lost (a database restart, a cut connection) it re-opens it from the string an open connection
/// reports, which Npgsql has stripped of its password, so it never comes back and idle Workers wait for the poll
/// (Hangfire.PostgreSql 1.21.1, <c>PostgreSqlJobQueue.ListenForNotificationsAsync</c>). Its long polling is therefore off,
/// and this queue keeps the rest of the library's queue (fetching, the in-process signal) while enqueueing sends the notice
/// itself and a waiting thread is woken by the host's one listener (the Worker's <c>JobQueueListener</c>, over a data
/// source that keeps the password).
/// </summary>
internal static class JobQueueNotices
{
    /// <summary>
    /// The channel Hangfire.PostgreSql's own long polling uses, so that hosts with either kind of listening wake each other
    /// (a rolling upgrade, or a tool that enqueues with the library's defaults).
    /// </summary>
    public const string Channel = "new_job";

    private const string Notify = "NOTIFY " + Channel;

    /// <summary>Puts this queue in front of the library's for <paramref name="queues"/> (every queue the hosts use).</summary>
    public static void UseNotices(this PostgreSqlStorage storage, JobQueueWakeUps wakeUps, IEnumerable<string> queues)
    {
        ArgumentNullException.ThrowIfNull(storage);
        // The collection starts with the library's own provider, which stays the one for any other queue name.
        var library = storage.QueueProviders.First();
        storage.QueueProviders.Add(new Provider(storage, library, wakeUps), queues.Distinct(StringComparer.OrdinalIgnoreCase).ToList());
    }

    private sealed class Provider(PostgreSqlStorage storage, IPersistentJobQueueProvider library, JobQueueWakeUps wakeUps) : IPersistentJobQueueProvider
    {
        // Writing needs none of a queue instance's wait handles: one instance serves every enqueue.
        private readonly PostgreSqlJobQueue _writer = new(storage);

        public IPersistentJobQueue GetJobQueue() => new Queue(storage, _writer, wakeUps);

        public IPersistentJobQueueMonitoringApi GetJobQueueMonitoringApi() => new Monitoring(library.GetJobQueueMonitoringApi());
    }

    private sealed class Queue(PostgreSqlStorage storage, PostgreSqlJobQueue writer, JobQueueWakeUps wakeUps) : IPersistentJobQueue
    {
        public IFetchedJob Dequeue(string[] queues, CancellationToken cancellationToken)
        {
            // A queue instance of its own per waiting thread: waking it (FetchNextJob) makes exactly this thread look again.
            var waiting = new PostgreSqlJobQueue(storage);
            using (wakeUps.Register(waiting.FetchNextJob))
            {
                return waiting.Dequeue(queues, cancellationToken);
            }
        }

        public void Enqueue(IDbConnection connection, string queue, string jobId)
        {
            writer.Enqueue(connection, queue, jobId);
            // Inside the job's state transaction, like the row above: PostgreSQL delivers the notice when that commits.
            using var notify = connection.CreateCommand();
            notify.CommandText = Notify;
            notify.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// The library's default provider stays in the collection and already lists every queue it finds in the table; this
    /// one lists none, so the dashboard shows each queue once, and answers everything else for its queues.
    /// </summary>
    private sealed class Monitoring(IPersistentJobQueueMonitoringApi inner) : IPersistentJobQueueMonitoringApi
    {
        public IEnumerable<string> GetQueues() => [];

        public IEnumerable<long> GetEnqueuedJobIds(string queue, int from, int perPage) => inner.GetEnqueuedJobIds(queue, from, perPage);

        public IEnumerable<long> GetFetchedJobIds(string queue, int from, int perPage) => inner.GetFetchedJobIds(queue, from, perPage);

        public EnqueuedAndFetchedCountDto GetEnqueuedAndFetchedCount(string queue) => inner.GetEnqueuedAndFetchedCount(queue);
    }
}

/// <summary>The host's worker threads waiting for a job; a notice (or a listener that is back) wakes all of them.</summary>
internal sealed class JobQueueWakeUps
{
    private readonly ConcurrentDictionary<Registration, Action> _waiting = new();

    public IDisposable Register(Action wake)
    {
        var registration = new Registration(this);
        _waiting[registration] = wake;
        return registration;
    }

    /// <summary>Every waiting thread looks at the queues once more (each fetch takes at most one job, skipping locked rows).</summary>
    public void WakeAll()
    {
        foreach (var wake in _waiting.Values)
        {
            wake();
        }
    }

    private sealed class Registration(JobQueueWakeUps owner) : IDisposable
    {
        public void Dispose() => owner._waiting.TryRemove(this, out _);
    }
}
