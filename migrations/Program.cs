using GradingPortal.Migrations;
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
    return 0;
}
catch (Exception ex) when (ex is NpgsqlException or TimeoutException || ex.InnerException is NpgsqlException)
{
    var builder = new NpgsqlConnectionStringBuilder(connectionString);
    Console.Error.WriteLine($"migrator: cannot reach PostgreSQL at {builder.Host}:{builder.Port} (database '{builder.Database}'): {ex.Message}");
    return 2;
}
