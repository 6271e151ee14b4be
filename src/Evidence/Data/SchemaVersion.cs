using System.Data;
using System.Data.Common;
using Evidence.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Evidence.Data;

/// <summary>
/// Brings the database to the latest migration of each context, and finds out cheaply that it is already there: every command
/// of the command line asks, so the question is one query on the scope's connection, with no EF Core services built and no
/// list of migrations read (EF Core reflects over the whole assembly to list them). Only a database behind the latest
/// migration (a new home, an upgrade) is migrated by EF Core.
/// </summary>
internal static class SchemaVersion
{
    /// <summary>The latest migration of each context, and its history table. SchemaVersionTests holds them to EF Core's own list.</summary>
    internal static readonly IReadOnlyDictionary<Type, (string HistoryTable, string Latest)> Known = new Dictionary<Type, (string, string)>
    {
        [typeof(EvidenceDbContext)] = ("__EFMigrationsHistory", "20261203004448_SealedText"),
        [typeof(PostgresEvidenceDbContext)] = ("__EFMigrationsHistory", "20261203004616_SealedText"),
        [typeof(AccountsDbContext)] = (AccountsDbContext.HistoryTable, "20261202055905_UserLanguage"),
        [typeof(PostgresAccountsDbContext)] = (AccountsDbContext.HistoryTable, "20261202055941_UserLanguage"),
    };

    // EF Core builds a context type's design-time model lazily and not safely across threads: two homes migrating at once in one
    // process (the tests, two web apps in one host) failed with "The model must be finalized". One migration at a time per process.
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>
    /// Migrates the context of type <paramref name="contextType"/> unless the database is at its latest migration; true when it
    /// migrated. <paramref name="context"/> is asked for only then.
    /// </summary>
    public static async Task<bool> BringToLatestAsync(Type contextType, DbConnection connection, Func<DbContext> context, CancellationToken cancellationToken)
    {
        if (await IsAtLatestAsync(contextType, connection, cancellationToken))
        {
            return false;
        }
        await OneAtATime.WaitAsync(cancellationToken);
        try
        {
            var db = context();
            if (db.Database.IsNpgsql())
            {
                // Npgsql's migrator reads the history table before it creates it, and logs the refusal as an error
                // (npgsql/efcore.pg#3407): every new database showed the operator two "fail:" lines. Created first by Npgsql's own
                // call, which also survives a second server creating it at the same moment.
                await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
            }
            await db.Database.MigrateAsync(cancellationToken);
            return true;
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    private static async Task<bool> IsAtLatestAsync(Type contextType, DbConnection connection, CancellationToken cancellationToken)
    {
        var (history, latest) = Known[contextType];
        var opened = connection.State != ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(cancellationToken);
        }
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT MAX(\"MigrationId\") FROM \"{history}\"";
            return await command.ExecuteScalarAsync(cancellationToken) is string applied && applied == latest;
        }
        catch (DbException)
        {
            return false; // no history table: a new database
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }
}
