using Evidence.Accounts;
using Evidence.Data;
using Evidence.Tests.Fixtures;
using Microsoft.Extensions.Logging;

namespace Evidence.Tests.Postgres;

/// <summary>
/// A new PostgreSQL database is migrated without an error in the log: Npgsql's migrator read the history table before creating
/// it and logged the refusal as "Failed executing DbCommand" (npgsql/efcore.pg#3407), which an operator setting up a server
/// reads as a failure.
/// </summary>
public sealed class NewPostgresDatabaseTests
{
    [PostgresFact]
    public async Task NewDatabase_IsMigratedWithoutAnErrorInTheLog_AndOpensAgain()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        using var home = new TestHome();
        var settings = new EvidenceSettings { Home = Path.Combine(home.Path, "home"), PostgresDatabase = database.Url };
        var errors = new ErrorLog();

        await (await EvidenceServices.StartAsync(settings, logging => logging.AddProvider(errors))).DisposeAsync();
        await (await EvidenceServices.StartAsync(settings, logging => logging.AddProvider(errors))).DisposeAsync();

        Assert.Empty(errors.Lines);
        Assert.Equal(SchemaVersion.Known[typeof(PostgresEvidenceDbContext)].Latest,
            await database.ScalarAsync<string>("SELECT max(\"MigrationId\") FROM \"__EFMigrationsHistory\""));
        Assert.Equal(SchemaVersion.Known[typeof(PostgresAccountsDbContext)].Latest,
            await database.ScalarAsync<string>($"SELECT max(\"MigrationId\") FROM \"{AccountsDbContext.HistoryTable}\""));
    }

    private sealed class ErrorLog : ILoggerProvider, ILogger
    {
        public List<string> Lines { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lock (Lines)
                {
                    Lines.Add(formatter(state, exception));
                }
            }
        }

        public void Dispose()
        {
        }
    }
}
