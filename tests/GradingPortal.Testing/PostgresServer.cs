using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace GradingPortal.Testing;

/// <summary>
/// A real PostgreSQL server for tests. When <c>GP_TEST_PG</c> holds an admin connection string (test.sh starts one
/// cluster for the whole run), that server is used; otherwise a throwaway cluster is created in a temp folder on a
/// free port and removed when the process ends. No Docker.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly SemaphoreSlim s_lock = new(1, 1);
    private static PostgresServer? s_shared;

    private readonly string? _dataDir;
    private readonly string? _runDir;

    private PostgresServer(string adminConnectionString, string? dataDir, string? runDir)
    {
        AdminConnectionString = adminConnectionString;
        _dataDir = dataDir;
        _runDir = runDir;
    }

    /// <summary>Connection string to the <c>postgres</c> database as superuser.</summary>
    public string AdminConnectionString { get; }

    /// <summary>The server for this test process (started on first use).</summary>
    public static async Task<PostgresServer> GetAsync()
    {
        await s_lock.WaitAsync();
        try
        {
            if (s_shared is null)
            {
                var external = Environment.GetEnvironmentVariable("GP_TEST_PG");
                s_shared = string.IsNullOrWhiteSpace(external) ? await StartLocalAsync() : new PostgresServer(external, null, null);
                if (s_shared._dataDir is not null)
                {
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => s_shared.Stop();
                }
            }
            return s_shared;
        }
        finally
        {
            s_lock.Release();
        }
    }

    /// <summary>Returns a connection string to <paramref name="database"/> on this server.</summary>
    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database }.ConnectionString;

    private static async Task<PostgresServer> StartLocalAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), $"gp-test-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..36]);
        var dataDir = Path.Combine(root, "data");
        var runDir = Path.Combine(root, "run");
        Directory.CreateDirectory(root);
        var port = FreePort();
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("install", $"-d -o postgres -g postgres -m 700 {dataDir}");
            Run("install", $"-d -o postgres -g postgres {runDir}");
            Run("chmod", $"755 {root}");
        }
        else
        {
            Directory.CreateDirectory(runDir);
        }
        // TCP connections need a password (scram-sha-256), as on every real server: code that loses the password on its
        // way to PostgreSQL must fail in tests too. Only the owner's Unix socket is trusted.
        var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var passwordFile = Path.Combine(runDir, "initdb-password");
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var file = new StreamWriter(passwordFile, fileOptions))
        {
            file.WriteLine(password);
        }
        if (asRoot)
        {
            Run("chown", $"postgres {passwordFile}");
        }
        try
        {
            RunAsPostgres(asRoot, "initdb",
                $"-D {dataDir} -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile={passwordFile} -E UTF8 --locale=C.UTF-8 --no-sync");
        }
        finally
        {
            File.Delete(passwordFile);
        }
        RunAsPostgres(asRoot, "pg_ctl",
            $"-D {dataDir} -l {runDir}/pg.log -w -o \"-p {port} -k {runDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start");
        var cs = $"Host=127.0.0.1;Port={port};Username=postgres;Password={password};Database=postgres;Include Error Detail=true";
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync();
        }
        return new PostgresServer(cs, dataDir, root);
    }

    private void Stop()
    {
        if (_dataDir is null)
        {
            return;
        }
        try
        {
            var pidFile = Path.Combine(_dataDir, "postmaster.pid");
            if (File.Exists(pidFile))
            {
                var pid = int.Parse(File.ReadLines(pidFile).First(), System.Globalization.CultureInfo.InvariantCulture);
                using var process = Process.GetProcessById(pid);
                // SIGINT = fast shutdown.
                Run("kill", $"-INT {pid}");
                process.WaitForExit(10_000);
            }
            Directory.Delete(_runDir!, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            // Best effort: the temp folder is throwaway.
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void RunAsPostgres(bool asRoot, string tool, string arguments)
    {
        if (asRoot)
        {
            Run("runuser", $"-u postgres -- {tool} {arguments}");
        }
        else
        {
            Run(tool, arguments);
        }
    }

    private static void Run(string file, string arguments)
    {
        var psi = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {arguments} did not finish in 60 s.");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
        }
    }
}
