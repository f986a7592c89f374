using GradingPortal.Testing;
using Npgsql;

namespace GradingPortal.Domain.Tests;

/// <summary>
/// The test server asks for a password over TCP, as every deployment does: code that loses the password on its way to
/// PostgreSQL (a connection string read back from EF Core or Npgsql) fails in tests instead of only in production.
/// </summary>
public sealed class DatabaseAuthenticationTests
{
    [Fact]
    public async Task TestServer_ConnectionWithoutPassword_IsRefused()
    {
        var cs = await TestDatabase.CreateAsync("auth");
        var withoutPassword = new NpgsqlConnectionStringBuilder(cs) { Password = null, Passfile = null }.ConnectionString;

        await using var connection = new NpgsqlConnection(withoutPassword);
        var error = await Should.ThrowAsync<NpgsqlException>(() => connection.OpenAsync());

        error.Message.ShouldContain("password");
    }

    [Fact]
    public async Task TestServer_ConnectionWithItsPassword_Opens()
    {
        var cs = await TestDatabase.CreateAsync("auth");

        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' LIMIT 1", connection);

        (await command.ExecuteScalarAsync()).ShouldBe("scram-sha-256");
    }
}
