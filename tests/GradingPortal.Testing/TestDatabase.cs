using GradingPortal.Migrations;
using Npgsql;

namespace GradingPortal.Testing;

/// <summary>
/// Databases for tests: the migrator runs once per test process into a template database; each test class (or test
/// that wants isolation) gets a fresh copy with <c>CREATE DATABASE ... TEMPLATE</c>, which takes a few dozen ms.
/// The audit log refuses TRUNCATE and DELETE by design, so copies replace truncation.
/// </summary>
public static class TestDatabase
{
    private static readonly SemaphoreSlim s_lock = new(1, 1);
    private static string? s_template;

    /// <summary>Creates a new, fully migrated database and returns its connection string.</summary>
    public static async Task<string> CreateAsync(string? hint = null)
    {
        var server = await PostgresServer.GetAsync();
        var template = await EnsureTemplateAsync(server);
        var name = $"gp_{Sanitize(hint)}_{Guid.NewGuid():N}";
        await using var conn = new NpgsqlConnection(server.AdminConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"", conn);
        await cmd.ExecuteNonQueryAsync();
        return server.ConnectionStringFor(name);
    }

    private static async Task<string> EnsureTemplateAsync(PostgresServer server)
    {
        await s_lock.WaitAsync();
        try
        {
            if (s_template is not null)
            {
                return s_template;
            }
            // One template per test process: several test assemblies may share one server concurrently.
            var name = $"gp_template_{Environment.ProcessId}_{Guid.NewGuid():N}"[..40];
            await using (var conn = new NpgsqlConnection(server.AdminConnectionString))
            {
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
                await cmd.ExecuteNonQueryAsync();
            }
            await Migrator.MigrateAsync(server.ConnectionStringFor(name));
            // A template must have no open connections when it is copied.
            NpgsqlConnection.ClearAllPools();
            s_template = name;
            return name;
        }
        finally
        {
            s_lock.Release();
        }
    }

    private static string Sanitize(string? hint)
    {
        var cleaned = new string((hint ?? "").ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(16).ToArray());
        return cleaned.Length > 0 ? cleaned : "t";
    }
}
