using Microsoft.Extensions.Configuration;
using Npgsql;

namespace GradingPortal.Hosting;

// Compiled into both the Api and the Worker as a linked file.

/// <summary>
/// Every PostgreSQL connection a host opens starts here, from the connection string it was configured with
/// (<c>ConnectionStrings:Db</c>). A connection string read back from EF Core, an open <see cref="NpgsqlConnection"/> or an
/// <see cref="NpgsqlDataSource"/> has lost its password (Npgsql drops it unless <c>Persist Security Info</c> is set), so
/// code that needs a connection of its own takes a data source from here instead; the build bans reading one back
/// (BannedSymbols.txt).
/// </summary>
internal sealed class PostgresConnections : IAsyncDisposable
{
    private readonly string _connectionString;

    public PostgresConnections(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _connectionString = connectionString;
        Default = NpgsqlDataSource.Create(connectionString);
    }

    /// <summary>
    /// The configured connection string's own pool (connections are reset when they go back), for connections that hold
    /// session state for a while: named advisory locks, LISTEN sessions of staged uploads.
    /// </summary>
    public NpgsqlDataSource Default { get; }

    /// <summary>The host's connections, from <c>ConnectionStrings:Db</c>.</summary>
    public static PostgresConnections FromConfiguration(IConfiguration configuration) =>
        new(configuration.GetConnectionString("Db") is { Length: > 0 } configured
            ? configured
            : throw new InvalidOperationException("ConnectionStrings:Db is not configured (environment variable ConnectionStrings__Db)."));

    /// <summary>
    /// Settings built on the configured connection string, for a pool of its own (or a library that takes a connection
    /// string, such as Hangfire's storage). The result holds the password: hand it to Npgsql, never to a log or a response.
    /// </summary>
    public NpgsqlConnectionStringBuilder Settings(Action<NpgsqlConnectionStringBuilder>? configure = null)
    {
        var settings = new NpgsqlConnectionStringBuilder(_connectionString);
        configure?.Invoke(settings);
        return settings;
    }

    /// <summary>A data source of its own (its own pool) with <paramref name="configure"/> applied to the configured settings.</summary>
    public NpgsqlDataSource CreateDataSource(Action<NpgsqlConnectionStringBuilder> configure) =>
        new NpgsqlDataSourceBuilder(Settings(configure).ConnectionString).Build();

    public ValueTask DisposeAsync() => Default.DisposeAsync();
}
