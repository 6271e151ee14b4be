using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Evidence.Data;

/// <summary>
/// Brings a context's database to its latest migration, asking first with one query whether it already is: EF Core's own
/// check builds the design-time model and compares it with the snapshot, which costs about a second on every start.
/// </summary>
internal static class SchemaVersion
{
    // EF Core builds a context type's design-time model lazily and not safely across threads: two homes migrating at once in one
    // process (the tests, two web apps in one host) failed with "The model must be finalized". One migration at a time per process.
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>True when it applied migrations (a new database, or an upgrade).</summary>
    public static async Task<bool> BringToLatestAsync(DbContext db, CancellationToken cancellationToken)
    {
        if (await IsAtLatestAsync(db, cancellationToken))
        {
            return false;
        }
        await OneAtATime.WaitAsync(cancellationToken);
        try
        {
            await db.Database.MigrateAsync(cancellationToken);
            return true;
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    private static async Task<bool> IsAtLatestAsync(DbContext db, CancellationToken cancellationToken)
    {
        var latest = db.GetService<IMigrationsAssembly>().Migrations.Keys.Max(StringComparer.Ordinal);
        var history = db.GetService<IDbContextOptions>().Extensions.OfType<RelationalOptionsExtension>().Single().MigrationsHistoryTableName
                      ?? HistoryRepository.DefaultTableName;
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = $"SELECT MAX(\"MigrationId\") FROM \"{history}\"";
            return await command.ExecuteScalarAsync(cancellationToken) is string applied && applied == latest;
        }
        catch (DbException)
        {
            return false; // no history table: a new database
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
