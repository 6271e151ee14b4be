using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Evidence.Data;

/// <summary>
/// Creates the schema of a new SQLite database from the SQL that EF Core's migrations generate (<c>dotnet ef migrations
/// script</c>, kept in Data/NewDatabase by compile-models.sh), both contexts in one transaction. EF Core's own way applies the
/// migrations one by one and builds each one's model to do it: 0.8 s of the first command in a new home, a fifth of a bulk
/// ingest of 10,000 files. A database that holds anything (an older home) is brought up by the migrations as before;
/// NewSqliteDatabaseTests holds each file to the script EF Core generates now, and both ways to the same database.
/// </summary>
internal static class NewSqliteDatabase
{
    internal static readonly string[] Scripts = ["EvidenceDbContext.sql", "AccountsDbContext.sql"];

    /// <summary>True when the database was empty and now has the latest schema; false when it held something already.</summary>
    public static async Task<bool> CreateIfEmptyAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var sqlite = (SqliteConnection)connection;
        var opened = sqlite.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await sqlite.OpenAsync(cancellationToken);
        }
        try
        {
            if (!await IsEmptyAsync(sqlite, null, cancellationToken))
            {
                return false;
            }
            // BEGIN IMMEDIATE: two processes opening the same new home at once; the second waits, then finds the schema there.
            await using var transaction = (SqliteTransaction)await sqlite.BeginTransactionAsync(cancellationToken);
            if (!await IsEmptyAsync(sqlite, transaction, cancellationToken))
            {
                return false;
            }
            foreach (var script in Scripts)
            {
                await using var command = sqlite.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = Script(script);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        finally
        {
            if (opened)
            {
                await sqlite.CloseAsync();
            }
        }
    }

    private static async Task<bool> IsEmptyAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT count(*) FROM sqlite_master";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! == 0;
    }

    internal static string Script(string script)
    {
        using var stream = typeof(NewSqliteDatabase).Assembly.GetManifestResourceStream(script)
                           ?? throw new InvalidOperationException($"The build lost the embedded {script}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
