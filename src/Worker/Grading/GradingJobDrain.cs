namespace GradingPortal.Worker.Grading;

/// <summary>
/// Lets a stopping Worker's grading jobs hand their work back before the scheduler goes. The jobs link the host's stopping
/// token into their own, so on SIGTERM they cancel their model calls, return their items and queue themselves again; but
/// Quartz refuses new triggers once its shutdown has begun. Registered after Quartz's hosted service, this one is stopped
/// before it and waits (up to the host's shutdown timeout) until no grading job is running in this process.
/// </summary>
internal sealed class GradingJobDrain : IHostedService
{
    private int _running;

    /// <summary>Marks a grading job as running until the returned handle is disposed.</summary>
    public IDisposable Enter()
    {
        Interlocked.Increment(ref _running);
        return new Handle(this);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The jobs were cancelled when the host began stopping (before any hosted service is stopped); handing back takes a
        // few statements each.
        while (Volatile.Read(ref _running) > 0 && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private sealed class Handle(GradingJobDrain drain) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref drain._running);
            }
        }
    }
}
