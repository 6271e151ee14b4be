using Evidence.Custody;
using Evidence.Data;
using Evidence.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Evidence.Recovery;

internal static class UnrecordedBlobs
{
    /// <summary>How young an unrecorded blob may be a request's on its way to being recorded: neither swept nor reported.</summary>
    public static readonly TimeSpan InFlight = 2 * UnitOfWork.PromotedBlobLifetime;

    /// <summary>
    /// Removes recent blobs that no custody event names. A request promotes its blob before it joins a batch and is recorded;
    /// a request that then fails, or a process killed in between, leaves the blob behind. Only blobs stored between
    /// <paramref name="since"/> and <see cref="InFlight"/> ago are touched: an older unrecorded blob is not a crash just
    /// before this start, and is left for verify to report, never erased; a younger one may belong to a request on its way
    /// to the write lock (on this server or another), which re-checks under the lock that any blob older than
    /// <see cref="UnitOfWork.PromotedBlobLifetime"/> is still there.
    /// The signed ledger decides, not the tables: a blob is removed only if no leaf names it, after proving the leaves
    /// are the ones the latest checkpoint signed; a row or a column an insider changed (an item deleted, a hash
    /// re-cased) must not turn recorded bytes into leftovers, and a damaged ledger stops the clean-up altogether.
    /// Run at start-up; it lists the whole store before it takes the write lock (on a large Azure container the listing is
    /// long, and every writer would wait for it), then decides under the lock, and reads the leaves only when there is a
    /// candidate. A blob listed before the lock and still unrecorded under it is old enough that no request can be carrying it.
    /// </summary>
    public static async Task<int> RemoveAsync(EvidenceDbContext db, IBlobStore blobs, Ledger ledger, DateTimeOffset since, DateTimeOffset now, ILogger log,
        CancellationToken cancellationToken)
    {
        var listed = new List<string>();
        await foreach (var stored in blobs.ListAsync(cancellationToken))
        {
            if (stored.StoredAt >= since && stored.StoredAt < now - InFlight)
            {
                listed.Add(stored.Sha256);
            }
        }
        if (listed.Count == 0)
        {
            return 0;
        }
        await using var transaction = await WriteLock.BeginAsync(db, cancellationToken);
        var recorded = (await db.CustodyEvents.AsNoTracking().Where(e => e.Sha256 != null).Select(e => e.Sha256!).Distinct().ToListAsync(cancellationToken))
            .Concat(await db.EvidenceItems.AsNoTracking().Select(e => e.Sha256).Distinct().ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var candidates = listed.Where(sha256 => !recorded.Contains(sha256)).ToList();
        var removed = 0;
        if (candidates.Count > 0)
        {
            if (await ledger.NamesAsync(cancellationToken) is { } named)
            {
                candidates.RemoveAll(named.Blobs.Contains);
            }
            else
            {
                log.LogWarning("The custody ledger does not match its latest signed checkpoint: no unrecorded blob was removed. Run `evidence verify`.");
                candidates.Clear();
            }
        }
        foreach (var sha256 in candidates)
        {
            try
            {
                await blobs.DeleteAsync(sha256, cancellationToken);
                removed++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // An immutable container keeps it; verify will name it.
                log.LogWarning(e, "Could not remove blob {Sha256}, which no custody event names", sha256);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }
}
