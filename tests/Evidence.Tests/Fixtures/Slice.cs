using Evidence.Data;
using Evidence.Requests;
using Evidence.Storage;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Fixtures;

/// <summary>
/// A real Evidence installation in a temp home (real SQLite file, real blob store) that tests send requests
/// to through the mediator, exactly as the CLI and the web app do.
/// </summary>
public sealed class Slice : IAsyncDisposable
{
    private readonly TestHome home;

    private Slice(TestHome home, EvidenceSettings settings, ServiceProvider services)
    {
        this.home = home;
        Settings = settings;
        Services = services;
    }

    public EvidenceSettings Settings { get; }
    public ServiceProvider Services { get; }
    public string Home => home.Path;
    public IBlobStore Blobs => Services.GetRequiredService<IBlobStore>();

    public static async Task<Slice> StartAsync(Func<EvidenceSettings, EvidenceSettings>? configure = null, TestHome? home = null)
    {
        home ??= new TestHome();
        var settings = new EvidenceSettings { Home = Path.Combine(home.Path, "home"), DatabaseBusyTimeout = TimeSpan.FromSeconds(5) };
        settings = configure?.Invoke(settings) ?? settings;
        settings = settings with { PostgresDatabase = settings.PostgresDatabase ?? await TestDatabase.ForHomeAsync(settings.Home) };
        return new Slice(home, settings, await EvidenceServices.StartAsync(settings));
    }

    public static Task<Slice> StartOnAzuriteAsync(AzuriteServer azurite, Func<EvidenceSettings, EvidenceSettings>? configure = null) =>
        StartAsync(s => (configure ?? (x => x))(s with
        {
            AzureBlobConnectionString = azurite.ConnectionString,
            AzureBlobContainer = "t" + Guid.NewGuid().ToString("N"),
            BlobRetries = 1,
        }));

    /// <summary>The records in <paramref name="database"/> instead of the home's SQLite file.</summary>
    public static Task<Slice> StartOnPostgresAsync(PostgresDatabase database, Func<EvidenceSettings, EvidenceSettings>? configure = null) =>
        StartAsync(s => (configure ?? (x => x))(s with { PostgresDatabase = database.Url }));

    /// <summary>A file in the test's own folder, outside the Evidence home.</summary>
    public string File(string name, byte[] bytes) => home.File(Path.Combine("input", name), bytes);

    public async Task<T> SendAsync<T>(IRequest<T> request, Role role = Role.Investigator, string actor = "test-investigator")
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor(actor, role);
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    public async Task<T> QueryAsync<T>(Func<EvidenceDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<EvidenceDbContext>());
    }

    /// <summary>Runs SQL on the database file directly, as an insider with file access would, outside the application.</summary>
    public async Task SqlAsync(string sql)
    {
        Assert.Null(Settings.PostgresDatabase); // SQLite's SQL: a test that uses it is a [SqliteFact]
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Settings.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Runs SQL as a database administrator would, on SQLite or PostgreSQL alike, after switching off every append-only
    /// trigger (any administrator can): what the application's rules no longer stop, verify must still find. The SQL
    /// quotes its column names ("OriginalName") and writes ids with <see cref="SqlId"/>, so it runs on both.
    /// </summary>
    public async Task TamperAsync(string sql)
    {
        if (Settings.PostgresDatabase is { } postgres)
        {
            await PostgresDatabase.ScalarAsync<object?>(postgres, """
                DO $$ DECLARE t text; BEGIN
                  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
                    EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', t);
                  END LOOP;
                END $$;
                """ + sql);
            return;
        }
        var triggers = await QueryAsync(db => db.Database.SqlQueryRaw<string>("SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'trigger'").ToListAsync());
        await SqlAsync("PRAGMA foreign_keys = OFF;" + string.Concat(triggers.Select(t => $"DROP TRIGGER \"{t}\";")) + sql);
    }

    /// <summary>An id as a SQL literal that matches the stored column: upper-case text on SQLite, a uuid on PostgreSQL.</summary>
    public string SqlId(Guid id) => Settings.PostgresDatabase is null ? $"'{id.ToString().ToUpperInvariant()}'" : $"'{id}'";

    /// <summary>A list column's value as a SQL literal: JSON text on SQLite, a text array on PostgreSQL.</summary>
    public string SqlList(params string[] values) => Settings.PostgresDatabase is null
        ? $"'{System.Text.Json.JsonSerializer.Serialize(values)}'"
        : $"ARRAY[{string.Join(", ", values.Select(v => $"'{v}'"))}]::text[]";

    /// <summary>Bytes as a SQL literal: X'..' on SQLite, '\x..'::bytea on PostgreSQL.</summary>
    public string SqlBytes(byte[] bytes) => Settings.PostgresDatabase is null
        ? $"X'{Convert.ToHexString(bytes)}'"
        : $"'\\x{Convert.ToHexStringLower(bytes)}'::bytea";

    public Task<int> CountEvidenceAsync() => QueryAsync(db => db.EvidenceItems.CountAsync());

    public Task<int> CountCustodyEventsAsync() => QueryAsync(db => db.CustodyEvents.CountAsync());

    public async Task<List<StoredBlob>> ListBlobsAsync()
    {
        var blobs = new List<StoredBlob>();
        await foreach (var blob in Blobs.ListAsync(CancellationToken.None))
        {
            blobs.Add(blob);
        }
        return blobs;
    }

    public string[] StagingFiles() =>
        Directory.Exists(Path.Combine(Settings.BlobFolder, "staging")) ? Directory.GetFiles(Path.Combine(Settings.BlobFolder, "staging")) : [];

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await TestDatabase.ReleaseAsync(Settings.Home);
        home.Dispose();
    }
}
