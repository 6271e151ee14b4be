using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Evidence.Data;

/// <summary>The database connection of one service scope (one request), which its contexts share and the scope disposes.</summary>
internal sealed class ScopeConnection(EvidenceSettings settings) : IDisposable
{
    public DbConnection Connection { get; } = settings.PostgresDatabase is { } postgres
        ? new NpgsqlConnection(Postgres.ConnectionString(postgres, settings.DatabaseBusyTimeout))
        : new SqliteConnection(Sqlite.ConnectionString(settings.DatabasePath, settings.DatabaseBusyTimeout, pooled: true));

    public void Dispose() => Connection.Dispose();
}
