using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GradingPortal.Migrations;

/// <summary>
/// Applies every pending migration to the database named by the connection string and exits.
/// Hosts never migrate on start-up; deployments (run.sh, docker-compose, tests) run this first.
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
        return pending;
    }
}
