using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GradingPortal.Migrations;

/// <summary>
/// Applies every pending migration to the database named by the connection string, installs or upgrades Hangfire's
/// job storage in its own schema, and exits. Hosts never migrate on start-up; deployments (run.sh, docker-compose, tests)
/// run this first.
/// </summary>
public static class Migrator
{
    /// <summary>Migrates, returning the list of migrations it applied.</summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var options = new DbContextOptionsBuilder<GradingDbContext>()
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(typeof(Migrator).Assembly.GetName().Name))
            .Options;
        await using var db = new GradingDbContext(options);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        await db.Database.MigrateAsync(cancellationToken);
        await InstallJobStorageAsync(connectionString, cancellationToken);
        return pending;
    }

    /// <summary>
    /// Hangfire.PostgreSql's own installer: each of its versioned scripts runs once (it records the version it reached in the
    /// schema's <c>schema</c> table), so running it on every migration is a no-op once the schema is current, and upgrading
    /// the package upgrades the schema here. An advisory lock keeps two migrators from installing at the same time.
    /// </summary>
    private static async Task InstallJobStorageAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtext('gradingportal.migrator.hangfire'))", connection))
        {
            await take.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            Hangfire.PostgreSql.PostgreSqlObjectsInstaller.Install(connection, GradingPortal.Domain.Jobs.JobSchema.Name);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext('gradingportal.migrator.hangfire'))", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
