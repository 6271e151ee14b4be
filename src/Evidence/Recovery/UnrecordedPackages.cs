using Evidence.Custody;
using Evidence.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Evidence.Recovery;

/// <summary>
/// Start-up clean-up of the server's package folder after a crash. A build writes <c>NAME.partial-ID</c> (and, for a
/// package encrypted to its recipient, the scrambled zip <c>NAME.partial-ID.scratch</c>), and its commit renames it to
/// <c>NAME</c> (a <c>.zip</c>, or an encrypted <c>.p7m</c>) and then records it; a process killed in between leaves a
/// package file that no custody event accounts for. It may carry children's identities, so it must not stay: any package file no referral
/// package record names is removed. A partial file another process still holds open (locked) is a build in progress,
/// and is left alone. A package file that a <c>PackageBuilt</c> event names is never removed, whatever the table says:
/// the ledger is the record, and a deleted row must not make start-up destroy the package it described.
/// </summary>
internal static class UnrecordedPackages
{
    public static async Task<int> RemoveAsync(EvidenceDbContext db, Ledger ledger, string folder, ILogger log, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }
        // Under the write lock no commit is renaming a package anywhere, so a renamed file without a record is a leftover.
        await using var transaction = await WriteLock.BeginAsync(db, cancellationToken);
        var recorded = (await db.ReferralPackages.AsNoTracking().Select(p => p.FileName).ToListAsync(cancellationToken)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Ledger.Names? named = null;
        var namesRead = false;
        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(path);
            var partial = name.Contains(".partial-", StringComparison.Ordinal);
            if (recorded.Contains(name) || !(partial || name.EndsWith(".zip", StringComparison.Ordinal) || name.EndsWith(".p7m", StringComparison.Ordinal)))
            {
                continue;
            }
            // A whole package without its row: removed only if no signed leaf names it either (a partial file never was).
            if (!partial)
            {
                if (!namesRead)
                {
                    named = await ledger.NamesAsync(cancellationToken);
                    namesRead = true;
                }
                if (named is null || named.PackageFiles.Contains(name))
                {
                    log.LogWarning("Kept {Path}: the custody ledger names it, or does not match its signed checkpoint; run `evidence verify`", path);
                    continue;
                }
            }
            try
            {
                if (partial)
                {
                    // FileShare.None fails while the building process still holds the file.
                    using var _ = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                }
                File.Delete(path);
                removed++;
            }
            catch (IOException)
            {
                // A build in progress in another process.
            }
            catch (UnauthorizedAccessException e)
            {
                log.LogWarning(e, "Could not remove {Path}, a package file that no referral package records", path);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }
}
