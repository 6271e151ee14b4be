using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Evidence.Data;

/// <summary>How Evidence opens its SQLite database: WAL so readers never block the writer, and a busy timeout.</summary>
internal static class Sqlite
{
    /// <summary>
    /// A connection string for the database at <paramref name="path"/>. <paramref name="pooled"/> only for the installation's own
    /// database while its services live (<see cref="ScopeConnection"/>): every request opens a connection, and a new SQLite
    /// connection parses the whole schema before its first statement. The pool is emptied when the services stop
    /// (<see cref="SqliteKeepAlive"/>), so no connection outlives them; copies and backups are never pooled.
    /// </summary>
    public static string ConnectionString(string path, TimeSpan busyTimeout, bool pooled = false) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = pooled,
        // Microsoft.Data.Sqlite retries a busy database until the command timeout runs out.
        DefaultTimeout = Math.Max(1, (int)busyTimeout.TotalSeconds),
        ForeignKeys = true,
    }.ToString();

    /// <summary>
    /// Opens the installation's database. Another context on the same file (the accounts) names its own
    /// migrations assembly and history table, so the two migration sets never see each other's rows.
    /// </summary>
    public static DbContextOptionsBuilder UseEvidenceSqlite(this DbContextOptionsBuilder options, string path, TimeSpan busyTimeout,
        System.Reflection.Assembly? migrations = null, string historyTable = "__EFMigrationsHistory", DbConnection? connection = null)
    {
        Action<Microsoft.EntityFrameworkCore.Infrastructure.SqliteDbContextOptionsBuilder> sqlite = sqlite => sqlite
            .MigrationsAssembly((migrations ?? typeof(Sqlite).Assembly).FullName)
            .MigrationsHistoryTable(historyTable);
        var opened = connection is null ? options.UseSqlite(ConnectionString(path, busyTimeout), sqlite) : options.UseSqlite(connection, sqlite);
        return opened.AddInterceptors(new PragmaInterceptor((int)busyTimeout.TotalMilliseconds));
    }

    /// <summary>True when SQLite said another connection holds the lock.</summary>
    public static bool IsBusy(Exception e) =>
        e is SqliteException { SqliteErrorCode: 5 or 6 } || (e.InnerException is not null && IsBusy(e.InnerException));

    /// <summary>True when SQLite found the file damaged: malformed pages (SQLITE_CORRUPT, a truncated file) or not a database at all (SQLITE_NOTADB).</summary>
    public static bool IsDamaged(Exception e) =>
        e is SqliteException { SqliteErrorCode: 11 or 26 } || (e.InnerException is not null && IsDamaged(e.InnerException));

    private sealed class PragmaInterceptor(int busyTimeoutMs) : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        private void Apply(DbConnection connection)
        {
            using var command = connection.CreateCommand();
            // EF opens a read-only connection to see whether the database exists; it cannot switch a new, empty file
            // (which the home creates 0600 before SQLite first opens it) to WAL, and has nothing to write.
            // temp_store=MEMORY: each request in a batch has its savepoint, and SQLite wrote their statement journals to files
            // under /var/tmp, page by page (four fifths of a bulk ingest's writes).
            var readOnly = new SqliteConnectionStringBuilder(connection.ConnectionString).Mode == SqliteOpenMode.ReadOnly;
            command.CommandText = readOnly
                ? $"PRAGMA busy_timeout={busyTimeoutMs};"
                : $"PRAGMA journal_mode=WAL; PRAGMA busy_timeout={busyTimeoutMs}; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY;";
            command.ExecuteNonQuery();
        }
    }
}

/// <summary>
/// One connection to the installation's SQLite file held open while the services live. Connections are not pooled, and
/// SQLite checkpoints the write-ahead log into the database, with two fsyncs, whenever the last connection to it closes:
/// without this, a command that opens and closes its connection a handful of times paid that many checkpoints. With it,
/// a commit costs its one WAL fsync, and the log is checkpointed as SQLite sees fit and once when the services stop.
/// </summary>
internal sealed class SqliteKeepAlive(string path, TimeSpan busyTimeout) : IDisposable
{
    private SqliteConnection? connection;

    public void Open()
    {
        if (connection is not null)
        {
            return;
        }
        connection = new SqliteConnection(Sqlite.ConnectionString(path, busyTimeout));
        connection.Open();
    }

    public void Dispose()
    {
        connection?.Dispose();
        // The scopes' pooled connections (ScopeConnection) close with the services: the home may be deleted, moved or restored next.
        using var pooled = new SqliteConnection(Sqlite.ConnectionString(path, busyTimeout, pooled: true));
        SqliteConnection.ClearPool(pooled);
    }
}
