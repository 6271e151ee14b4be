using Npgsql;

namespace Evidence.Tests.Fixtures;

/// <summary>
/// The PostgreSQL cluster that ./test.sh starts on loopback (EVIDENCE_TEST_POSTGRES). Each test gets a database of
/// its own, dropped afterwards. Without the variable a PostgreSQL test fails and says why; it is skipped only where
/// EVIDENCE_SKIP_POSTGRES=1 says so.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private PostgresDatabase(string name, string url)
    {
        Name = name;
        Url = url;
    }

    public string Name { get; }

    /// <summary>postgres://… for EVIDENCE_DB and <see cref="EvidenceSettings.PostgresDatabase"/>.</summary>
    public string Url { get; }

    private static string ServerUrl => Environment.GetEnvironmentVariable("EVIDENCE_TEST_POSTGRES")
        ?? throw new InvalidOperationException("EVIDENCE_TEST_POSTGRES is not set: run ./test.sh, which installs and starts PostgreSQL, or set EVIDENCE_SKIP_POSTGRES=1 to skip the PostgreSQL tests.");

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var name = "evidence_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(Data.Postgres.ConnectionString(ServerUrl, TimeSpan.FromSeconds(30))))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        var server = new Uri(ServerUrl);
        return new PostgresDatabase(name, $"{server.Scheme}://{server.UserInfo}@{server.Host}:{server.Port}/{name}");
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(Data.Postgres.ConnectionString(Url, TimeSpan.FromSeconds(30)));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public Task ExecuteAsync(string sql) => ScalarAsync<object>(sql);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Data.Postgres.ConnectionString(ServerUrl, TimeSpan.FromSeconds(30)));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>A test that needs PostgreSQL: skipped, with the reason, only where EVIDENCE_SKIP_POSTGRES=1.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("EVIDENCE_SKIP_POSTGRES") == "1")
        {
            Skip = "EVIDENCE_SKIP_POSTGRES=1: PostgreSQL tests skipped on purpose";
        }
    }
}
