using Evidence.Accounts;
using Evidence.Data;
using Evidence.Tests.Fixtures;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Evidence.Tests.Schema;

/// <summary>
/// A new home's database is created from the SQL EF Core's migrations generate (Data/NewDatabase), not by running them; an
/// older one is migrated. Both ways must end in the same database: the same tables, columns, indexes, triggers and full-text
/// table, and the same migration history (or the next start would migrate again, or never).
/// </summary>
public sealed class NewSqliteDatabaseTests : IDisposable
{
    private readonly TestHome home = new();

    public void Dispose() => home.Dispose();

    [SqliteFact]
    public async Task NewHome_HasTheSchemaAndTheHistoryTheMigrationsMake()
    {
        var created = new EvidenceSettings { Home = Path.Combine(home.Path, "created") };
        await (await EvidenceServices.StartAsync(created)).DisposeAsync();
        var migrated = new EvidenceSettings { Home = Path.Combine(home.Path, "migrated") };
        Directory.CreateDirectory(migrated.Home);
        var evidenceOptions = new DbContextOptionsBuilder<EvidenceDbContext>();
        evidenceOptions.UseEvidenceSqlite(migrated.DatabasePath, TimeSpan.FromSeconds(5));
        await using (var evidence = new EvidenceDbContext(evidenceOptions.Options))
        {
            await evidence.Database.MigrateAsync();
        }
        var accountsOptions = new DbContextOptionsBuilder<AccountsDbContext>();
        AccountsDbContext.Configure(accountsOptions, migrated);
        await using (var accounts = new AccountsDbContext(accountsOptions.Options))
        {
            await accounts.Database.MigrateAsync();
        }

        var fromScript = Describe(created.DatabasePath);
        var fromMigrations = Describe(migrated.DatabasePath);

        Assert.Contains(fromScript, line => line.StartsWith("trigger|evidence_items_no_delete|", StringComparison.Ordinal));
        Assert.Contains(fromScript, line => line.StartsWith("table|search_text|", StringComparison.Ordinal) && line.Contains("fts5", StringComparison.Ordinal));
        Assert.Contains(fromScript, line => line.StartsWith($"history|{SchemaVersion.Known[typeof(EvidenceDbContext)].Latest}|", StringComparison.Ordinal));
        Assert.Contains(fromScript, line => line.StartsWith($"{AccountsDbContext.HistoryTable}|{SchemaVersion.Known[typeof(AccountsDbContext)].Latest}|", StringComparison.Ordinal));
        Assert.Equal(fromMigrations, fromScript);
    }

    [SqliteFact]
    public void EachEmbeddedScript_IsExactlyWhatEfCoreGeneratesFromTheMigrations()
    {
        // Word for word, not only the schema it makes: a row slipped into the file (an account, a token) or a temporary trigger
        // would leave the schema as it is, and every new home would have it.
        using var evidence = new DesignTimeDbContextFactory().CreateDbContext([]);
        using var accounts = new AccountsDesignTimeFactory().CreateDbContext([]);
        var generated = new[] { evidence, (DbContext)accounts }
            .Select(context => context.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.NoTransactions));

        Assert.Equal(generated.Select(Normalized), NewSqliteDatabase.Scripts.Select(NewSqliteDatabase.Script).Select(Normalized));

        static string Normalized(string script) => script.TrimStart('\uFEFF').ReplaceLineEndings("\n").TrimEnd();
    }

    [SqliteFact]
    public async Task DatabaseHoldingAnything_IsLeftToTheMigrations()
    {
        var path = Path.Combine(home.Path, "older.db");
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "CREATE TABLE cases (Id TEXT)";
            await command.ExecuteNonQueryAsync();
        }

        Assert.False(await NewSqliteDatabase.CreateIfEmptyAsync(connection, CancellationToken.None));

        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM sqlite_master";
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [SqliteFact]
    public async Task TwoProcessesOpeningOneNewDatabase_CreateItOnce()
    {
        var path = Path.Combine(home.Path, "new.db");
        var connections = Enumerable.Range(0, 4).Select(_ => new SqliteConnection($"Data Source={path};Default Timeout=10")).ToList();

        var results = await Task.WhenAll(connections.Select(c => Task.Run(() => NewSqliteDatabase.CreateIfEmptyAsync(c, CancellationToken.None))));

        Assert.Single(results, created => created);
        Assert.Contains($"history|{SchemaVersion.Known[typeof(EvidenceDbContext)].Latest}|", string.Join("\n", Describe(path)), StringComparison.Ordinal);
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    // Every schema object with its SQL (not where it lies in the file), and both history tables. EF Core's migration lock table is
    // left out: MigrateAsync creates it for itself and would create it on an upgrade of a new home too.
    private static List<string> Describe(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var lines = new List<string>();
        Read("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master WHERE name <> '__EFMigrationsLock' ORDER BY type, name");
        Read("SELECT 'history', MigrationId, ProductVersion FROM __EFMigrationsHistory ORDER BY MigrationId");
        Read($"SELECT '{AccountsDbContext.HistoryTable}', MigrationId, ProductVersion FROM {AccountsDbContext.HistoryTable} ORDER BY MigrationId");
        return lines;

        void Read(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                lines.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(reader.GetString)));
            }
        }
    }
}
