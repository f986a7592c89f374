using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Persistence;
using GradingPortal.Migrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Npgsql;

// Run-once migrator: reads ConnectionStrings:Db (appsettings, environment ConnectionStrings__Db, or --ConnectionStrings:Db=...),
// applies pending migrations, exits 0; exits 2 with a readable message when it cannot connect or has no connection string.
var configuration = new ConfigurationBuilder()
    .AddEnvironmentVariables()
    .AddCommandLine(args)
    .Build();

var connectionString = configuration.GetConnectionString("Db");
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.Error.WriteLine("migrator: no connection string. Set ConnectionStrings__Db (e.g. Host=127.0.0.1;Port=5432;Database=gradingportal;Username=postgres).");
    return 2;
}

try
{
    var applied = await Migrator.MigrateAsync(connectionString);
    Console.WriteLine(applied.Count == 0
        ? "migrator: database is up to date."
        : $"migrator: applied {applied.Count} migration(s): {string.Join(", ", applied)}");

    // The first administrator: from Admin:Email / Admin:Password when set, else a generated password shown once.
    await using var db = new GradingDbContext(new DbContextOptionsBuilder<GradingDbContext>().UseNpgsql(connectionString).Options);
    var admin = await FirstAdmin.EnsureAsync(db, configuration["Admin:Email"], configuration["Admin:Password"], DateTimeOffset.UtcNow);
    if (admin.Created)
    {
        Console.WriteLine(admin.GeneratedPassword is null
            ? $"migrator: created the first admin {admin.Email} with the configured password."
            : $"FIRST_ADMIN email={admin.Email} password={admin.GeneratedPassword}");
    }
    return 0;
}
catch (PostgresException ex)
{
    // Reached the server, but a statement failed: say which, and leave the database as the failed migration left it
    // (each migration runs in its own transaction).
    Console.Error.WriteLine($"migrator: a migration failed: {ex.SqlState} {ex.MessageText}");
    return 3;
}
catch (Exception ex) when (ex is NpgsqlException or TimeoutException || ex.InnerException is NpgsqlException)
{
    var builder = new NpgsqlConnectionStringBuilder(connectionString);
    Console.Error.WriteLine($"migrator: cannot reach PostgreSQL at {builder.Host}:{builder.Port} (database '{builder.Database}'): {ex.Message}");
    return 2;
}
