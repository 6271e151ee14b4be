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

    public static Task<PostgresDatabase> CreateAsync() => CreateAsync(template: null);

    /// <summary>
    /// A database already at the latest migrations (records and accounts), copied from a template migrated once per
    /// test run: migrating hundreds of databases one by one would take minutes.
    /// </summary>
    public static async Task<PostgresDatabase> CreateMigratedAsync() => await CreateAsync(await Template.Value);

    private static readonly Lazy<Task<string>> Template = new(CreateTemplateAsync);

    private static async Task<string> CreateTemplateAsync()
    {
        var template = await CreateAsync(template: null);
        using var home = new TestHome();
        // Building the web app migrates both the records and the accounts.
        await using (var app = await Evidence.Web.WebApp.BuildAsync(new EvidenceSettings { Home = home.Path, PostgresDatabase = template.Url }, "http://127.0.0.1:0"))
        {
        }
        // A template must have no connection open while it is copied.
        NpgsqlConnection.ClearAllPools();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => template.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
        return template.Name;
    }

    private static async Task<PostgresDatabase> CreateAsync(string? template)
    {
        var name = "evidence_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(Data.Postgres.ConnectionString(ServerUrl, TimeSpan.FromSeconds(30))))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(template is null ? $"CREATE DATABASE {name}" : $"CREATE DATABASE {name} TEMPLATE {template}", connection);
            await command.ExecuteNonQueryAsync();
        }
        var server = new Uri(ServerUrl);
        return new PostgresDatabase(name, $"{server.Scheme}://{server.UserInfo}@{server.Host}:{server.Port}/{name}");
    }

    public Task<T> ScalarAsync<T>(string sql) => ScalarAsync<T>(Url, sql);

    public static async Task<T> ScalarAsync<T>(string url, string sql)
    {
        await using var connection = new NpgsqlConnection(Data.Postgres.ConnectionString(url, TimeSpan.FromSeconds(30)));
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
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 20)
            {
                // An autovacuum worker is in the database, and only a superuser may end it early: it ends by itself.
                await Task.Delay(250);
            }
        }
    }
}

/// <summary>
/// A PostgreSQL server of the test's own (initdb in a temp folder, loopback, trust), for tests that stop and restart
/// it, which the shared cluster of ./test.sh must never be. Runs as Debian's "postgres" user when the tests run as root.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly TestHome folder = new();
    private readonly string bin;

    private PostgresCluster(string bin)
    {
        this.bin = bin;
        Port = AzuriteServer.FreePort();
    }

    public int Port { get; }

    /// <summary>postgres://… of a database "evidence" owned by role "evidence".</summary>
    public string Url => $"postgres://evidence@127.0.0.1:{Port}/evidence";

    private string Data => Path.Combine(folder.Path, "data");

    public Task<T> ScalarAsync<T>(string sql) => PostgresDatabase.ScalarAsync<T>(Url, sql);

    public static async Task<PostgresCluster> StartNewAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb")))
                .OrderBy(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var major) ? major : 0).LastOrDefault()
            : null;
        var cluster = new PostgresCluster(bin ?? throw new InvalidOperationException(
            "PostgreSQL's server is not installed (/usr/lib/postgresql/*/bin/initdb): run ./test.sh, which installs it, or set EVIDENCE_SKIP_POSTGRES=1."));
        if (Environment.UserName == "root")
        {
            Must(await Run.ProcessAsync("chown", "postgres", cluster.folder.Path));
        }
        Must(await cluster.AsPostgresAsync("initdb", "-D", cluster.Data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"));
        await cluster.StartAsync();
        Must(await Run.ProcessAsync(Path.Combine(bin, "psql"), "-h", "127.0.0.1", "-p", cluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-U", "postgres", "-q", "-c", "CREATE ROLE evidence LOGIN CREATEDB", "-c", "CREATE DATABASE evidence OWNER evidence"));
        return cluster;
    }

    public async Task StartAsync() =>
        Must(await AsPostgresAsync("pg_ctl", "-D", Data, "-l", Path.Combine(folder.Path, "server.log"), "-w",
            "-o", $"-h 127.0.0.1 -p {Port} -k {folder.Path}", "start"));

    /// <summary>Stops the server as a crash would (immediate: no checkpoint, connections cut).</summary>
    public async Task CrashAsync() => Must(await AsPostgresAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop"));

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await AsPostgresAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
        folder.Dispose();
    }

    private Task<(int Exit, string Out, string Err)> AsPostgresAsync(string program, params string[] args) =>
        Environment.UserName == "root"
            ? Run.ProcessAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, program), .. args])
            : Run.ProcessAsync(Path.Combine(bin, program), args);

    private static void Must((int Exit, string Out, string Err) result)
    {
        if (result.Exit != 0)
        {
            throw new InvalidOperationException($"PostgreSQL tool failed ({result.Exit}): {result.Out}{result.Err}");
        }
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
