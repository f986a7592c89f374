using System.Globalization;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage;

namespace GradingPortal.Domain.Jobs;

/// <summary>
/// Enqueueing a job whose method and arguments match one that is still waiting (enqueued, scheduled or awaiting) does
/// nothing: a run reconciled twice in a row, or a slice queued again by another Worker, does not double the work. A job
/// that is already running does not stop another from being queued: it may be past the point where it would see the
/// work the new one is queued for (a slice that found no pending item and is finishing while a retry makes items
/// pending again), and skipping then would leave that work with no job at all.
/// The newest job of each (method, arguments) is remembered in a hash of Hangfire's storage; creating another one looks
/// that job's state up under a distributed lock of the same key. A job that queues itself again (a later retry of the
/// same slice) is not blocked by its own execution. The jobs stay safe to run twice: when the lock cannot be had in time,
/// the job is created anyway.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class | AttributeTargets.Interface, AllowMultiple = false)]
public sealed class SkipWhenPendingAttribute : JobFilterAttribute, IClientFilter, IServerFilter
{
    private const string LockItem = "gp:pending-lock";
    private const string KeyItem = "gp:pending-key";

    private static readonly AsyncLocal<string?> s_performing = new();

    private static readonly HashSet<string> s_pendingStates = new(StringComparer.OrdinalIgnoreCase)
    {
        EnqueuedState.StateName, ScheduledState.StateName, AwaitingState.StateName,
    };

    /// <summary>How long the marker of a job outlives its creation; a job still waiting after that may be queued twice.</summary>
    private static readonly TimeSpan s_markerLifetime = TimeSpan.FromDays(7);

    public SkipWhenPendingAttribute()
    {
        // After the other client filters (queue selection and the like), before the job is written.
        Order = 100;
    }

    /// <summary>The Hangfire storage key that identifies jobs of this method with these arguments.</summary>
    public static string KeyOf(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var parts = job.Args.Where(a => a is not CancellationToken).Select(a => Convert.ToString(a, CultureInfo.InvariantCulture));
        return $"gp:pending:{job.Type.Name}.{job.Method.Name}:{string.Join(':', parts)}";
    }

    public void OnCreating(CreatingContext context)
    {
        var key = KeyOf(context.Job);
        IDisposable? held = null;
        try
        {
            held = context.Connection.AcquireDistributedLock(key, TimeSpan.FromSeconds(5));
        }
        catch (DistributedLockTimeoutException)
        {
            // Another process is enqueueing the same job right now; a second copy is harmless.
            return;
        }
        var pending = context.Connection.GetAllEntriesFromHash(key)?.GetValueOrDefault("job");
        if (pending is not null && pending != s_performing.Value
            && context.Connection.GetStateData(pending) is { } state && s_pendingStates.Contains(state.Name))
        {
            held.Dispose();
            context.Canceled = true;
            return;
        }
        context.Items[LockItem] = held;
        context.Items[KeyItem] = key;
    }

    public void OnCreated(CreatedContext context)
    {
        if (!context.Items.TryGetValue(LockItem, out var held) || held is not IDisposable lockHandle)
        {
            return;
        }
        using (lockHandle)
        {
            if (context.BackgroundJob?.Id is not { } id || context.Items[KeyItem] is not string key)
            {
                return;
            }
            using var transaction = context.Connection.CreateWriteTransaction();
            transaction.SetRangeInHash(key, [new KeyValuePair<string, string>("job", id)]);
            if (transaction is JobStorageTransaction expiring)
            {
                expiring.ExpireHash(key, s_markerLifetime);
            }
            transaction.Commit();
        }
    }

    public void OnPerforming(PerformingContext context) => s_performing.Value = context.BackgroundJob.Id;

    public void OnPerformed(PerformedContext context) => s_performing.Value = null;
}
