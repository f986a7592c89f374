using System.Diagnostics;
using System.Text;

namespace GradingPortal.Testing;

/// <summary>
/// A Worker as its own operating-system process, as in production (a Hangfire server on the test database), with
/// its output captured. <see cref="Kill"/> sends SIGKILL, <see cref="Stop"/> SIGTERM; disposing kills it too and may be repeated.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly int _logLimit;
    private int _disposed;

    private WorkerProcess(Process process, int logLimit)
    {
        _process = process;
        _logLimit = logLimit;
    }

    /// <summary>The operating-system process id (part of the Hangfire server id the Worker announces).</summary>
    public int ProcessId => _process.Id;

    /// <summary>True once the process ended (or this object was disposed).</summary>
    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>What the process printed so far (capped at the limit given to <see cref="Start"/>).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the Worker built beside the tests (or in src/Worker/bin, same configuration) on <paramref name="connectionString"/>,
    /// polling the job queues every second; <paramref name="environment"/> adds or overrides settings.
    /// </summary>
    public static WorkerProcess Start(string connectionString, IReadOnlyDictionary<string, string>? environment = null, int logLimit = 200_000)
    {
        var dll = WorkerDll();
        var psi = new ProcessStartInfo("dotnet", $"\"{dll}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        psi.Environment["ConnectionStrings__Db"] = connectionString;
        psi.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        psi.Environment["Worker__PollSeconds"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start the Worker.");
        var worker = new WorkerProcess(process, logLimit);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL: no shutdown, no requeueing, transactions cut off; its running jobs are fetched again by another Worker once their invisibility timeout passes.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Already disposed: nothing left to kill.
        }
    }

    /// <summary>
    /// SIGTERM, as a deployment stops a Worker: the host shuts down cleanly (jobs are cancelled, their work handed back).
    /// True when the process ended within <paramref name="timeout"/>, with <paramref name="exitCode"/> its exit code.
    /// </summary>
    public bool Stop(TimeSpan timeout, out int exitCode)
    {
        exitCode = -1;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }
        exitCode = _process.ExitCode;
        return true;
    }

    /// <summary>Kills and releases the process; a second call (a test's, then its fixture's) does nothing.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Kill();
            _process.Dispose();
        }
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            if (_log.Length < _logLimit)
            {
                _log.AppendLine(line);
            }
        }
    }

    private static string WorkerDll()
    {
        var here = AppContext.BaseDirectory;
        if (File.Exists(Path.Combine(here, "GradingPortal.Worker.runtimeconfig.json")))
        {
            return Path.Combine(here, "GradingPortal.Worker.dll");
        }
        // tests/<Project>/bin/<Configuration>/net10.0/ → src/Worker/bin/<Configuration>/net10.0/
        var framework = new DirectoryInfo(here.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!;
        var root = configuration.Parent!.Parent!.Parent!.Parent!;
        var own = Path.Combine(root.FullName, "src", "Worker", "bin", configuration.Name, framework.Name, "GradingPortal.Worker.dll");
        return File.Exists(own) ? own : throw new FileNotFoundException("Build the Worker first: GradingPortal.Worker.dll was not found.", own);
    }
}
