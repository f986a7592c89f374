using Microsoft.AspNetCore.Components.Server.Circuits;

namespace GradingPortal.Web.Hosting;

/// <summary>
/// Whether this circuit's browser is connected right now (one per circuit: a scoped service that is also the circuit's
/// handler). Blazor keeps the circuit of a closed or cut-off tab for a while in case the browser comes back (three minutes
/// by default), and everything such a circuit renders meanwhile is seen by nobody. Pages that follow changes skip their
/// re-reads while the connection is down and read once when it is back (<see cref="Restored"/>). Outside a circuit (a
/// prerender) it reads as connected.
/// </summary>
public sealed class CircuitConnection : CircuitHandler
{
    private volatile bool _up = true;

    public bool IsUp => _up;

    /// <summary>Raised when a browser connects again to a circuit that had lost it.</summary>
    public event Action? Restored;

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        var wasDown = !_up;
        _up = true;
        if (wasDown)
        {
            Restored?.Invoke();
        }
        return Task.CompletedTask;
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        _up = false;
        return Task.CompletedTask;
    }
}
