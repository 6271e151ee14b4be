using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Npgsql;

namespace Evidence.Data;

/// <summary>
/// The evidence context on PostgreSQL: the same model, with its own migrations (<c>Data/Migrations/Postgres</c>),
/// because triggers, full-text search and column types are written differently there.
/// </summary>
public sealed class PostgresEvidenceDbContext(DbContextOptions<PostgresEvidenceDbContext> options) : EvidenceDbContext(options);

/// <summary>How Evidence opens a PostgreSQL database: <c>EVIDENCE_DB=postgres://user:password@host:port/database</c>.</summary>
internal static class Postgres
{
    /// <summary>
    /// Ties every ledger append of every app server to one lock: a transaction that takes it sees every append
    /// committed before, so leaf indexes stay gap-free and checkpoints never fork. The number is arbitrary and fixed.
    /// </summary>
    public const long LedgerLock = 0x4556_4944_454E_4345; // "EVIDENCE"

    public static bool IsUrl(string value) =>
        value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Turns a <c>postgres://</c> URL into an Npgsql connection string; a connection string is returned as it is.</summary>
    public static string ConnectionString(string value, TimeSpan commandTimeout)
    {
        NpgsqlConnectionStringBuilder builder;
        if (IsUrl(value))
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || string.IsNullOrEmpty(url.Host) || url.AbsolutePath.Trim('/').Length == 0)
            {
                throw new ArgumentException("EVIDENCE_DB must look like postgres://user:password@host:5432/database.");
            }
            var credentials = url.UserInfo.Split(':', 2);
            builder = new NpgsqlConnectionStringBuilder
            {
                Host = url.Host,
                Port = url.IsDefaultPort || url.Port <= 0 ? 5432 : url.Port,
                Database = Uri.UnescapeDataString(url.AbsolutePath.Trim('/')),
                Username = credentials[0].Length == 0 ? null : Uri.UnescapeDataString(credentials[0]),
                Password = credentials.Length > 1 ? Uri.UnescapeDataString(credentials[1]) : null,
            };
            foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = pair.Split('=', 2);
                builder[Uri.UnescapeDataString(parts[0]).Replace('_', ' ')] = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "";
            }
        }
        else
        {
            builder = new NpgsqlConnectionStringBuilder(value);
        }
        builder.CommandTimeout = Math.Max(1, (int)commandTimeout.TotalSeconds);
        return builder.ConnectionString;
    }

    public static DbContextOptionsBuilder UseEvidencePostgres(this DbContextOptionsBuilder options, string database, TimeSpan commandTimeout,
        System.Reflection.Assembly? migrations = null, string historyTable = "__EFMigrationsHistory", System.Data.Common.DbConnection? connection = null)
    {
        Action<Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.NpgsqlDbContextOptionsBuilder> npgsql = npgsql => npgsql
            .MigrationsAssembly((migrations ?? typeof(Postgres).Assembly).FullName)
            .MigrationsHistoryTable(historyTable);
        return connection is null ? options.UseNpgsql(ConnectionString(database, commandTimeout), npgsql) : options.UseNpgsql(connection, npgsql);
    }

    /// <summary>True when the server could not be reached or broke off: the request failed, and may be sent again.</summary>
    public static bool IsUnavailable(Exception e) =>
        e is NpgsqlException { IsTransient: true } or TimeoutException || (e.InnerException is not null && IsUnavailable(e.InnerException));
}

/// <summary>Lets `dotnet ef migrations add --context PostgresEvidenceDbContext` build the model; it connects to nothing.</summary>
internal sealed class PostgresDesignTimeDbContextFactory : IDesignTimeDbContextFactory<PostgresEvidenceDbContext>
{
    public PostgresEvidenceDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PostgresEvidenceDbContext>();
        options.UseEvidencePostgres("postgres://evidence@localhost/evidence_design", TimeSpan.FromSeconds(5));
        return new PostgresEvidenceDbContext(options.Options);
    }
}
