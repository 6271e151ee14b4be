using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Evidence.Data;

/// <summary>
/// The installation's one write lock, held to the end of a transaction: SQLite's BEGIN IMMEDIATE, or on PostgreSQL an
/// advisory lock that every app server takes. Whoever holds it is the only one promoting blobs and appending to the
/// ledger.
/// </summary>
internal static class WriteLock
{
    public static async Task<IDbContextTransaction> BeginAsync(EvidenceDbContext db, CancellationToken cancellationToken)
    {
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({Postgres.LedgerLock})", cancellationToken);
        }
        return transaction;
    }
}
