using System.Diagnostics;
using GradingPortal.Migrations;
using GradingPortal.Testing;
using Npgsql;

namespace GradingPortal.Domain.Tests;

public sealed class MigratorTests
{
    [Fact]
    public async Task Migrate_ExistingUpToDateDatabase_AppliesNothing()
    {
        var cs = await TestDatabase.CreateAsync("remigrate");
        var applied = await Migrator.MigrateAsync(cs);
        applied.ShouldBeEmpty();
    }

    [Fact]
    public async Task Migrator_EmptyDatabase_AppliesAllAndSeedsFirstAdminOnce()
    {
        var server = await PostgresServer.GetAsync();
        var name = $"gp_empty_{Guid.NewGuid():N}";
        await using (var conn = new NpgsqlConnection(server.AdminConnectionString))
        {
            await conn.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await create.ExecuteNonQueryAsync();
        }
        var cs = server.ConnectionStringFor(name);

        var first = await RunMigratorAsync(cs);
        first.ExitCode.ShouldBe(0, first.Output);
        first.Output.ShouldContain("applied");
        first.Output.ShouldContain("FIRST_ADMIN email=admin@gradingportal.local password=");

        var second = await RunMigratorAsync(cs);
        second.ExitCode.ShouldBe(0, second.Output);
        second.Output.ShouldContain("up to date");
        second.Output.ShouldNotContain("FIRST_ADMIN");
    }

    [Fact]
    public async Task Migrator_UnreachableServer_ExitsNonZeroWithClearMessage()
    {
        var result = await RunMigratorAsync("Host=127.0.0.1;Port=1;Database=nowhere;Username=postgres;Timeout=3");
        result.ExitCode.ShouldBe(2);
        result.Output.ShouldContain("cannot reach PostgreSQL at 127.0.0.1:1");
    }

    [Fact]
    public async Task Migrator_NoConnectionString_ExitsNonZeroAndSaysWhatToSet()
    {
        var result = await RunMigratorAsync(null);
        result.ExitCode.ShouldBe(2);
        result.Output.ShouldContain("ConnectionStrings__Db");
    }

    private static async Task<(int ExitCode, string Output)> RunMigratorAsync(string? connectionString)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "GradingPortal.Migrations.dll");
        var psi = new ProcessStartInfo("dotnet", $"\"{dll}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment.Remove("ConnectionStrings__Db");
        psi.Environment.Remove("Admin__Email");
        psi.Environment.Remove("Admin__Password");
        if (connectionString is not null)
        {
            psi.Environment["ConnectionStrings__Db"] = connectionString;
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
