using Evidence.Requests;
using Evidence.Domain;
using Evidence.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;

namespace Evidence.Data;

/// <summary>
/// Everything one request will write, committed together or not at all: the rows it added to the
/// DbContext, the blobs it staged and the custody events it recorded.
/// <para>
/// Handlers do the slow work (reading, hashing, uploading to a staging name) before the commit; the commit
/// then takes the database write lock (SQLite's BEGIN IMMEDIATE; on PostgreSQL, an advisory lock held to the end
/// of the transaction, which every app server takes), promotes the staged blobs, numbers the custody events and
/// saves. Because every promotion happens under that lock, a blob this request created
/// can be deleted again on failure without any other request having recorded it in the meantime.
/// </para>
/// <para>
/// Numbering and appending the events is the custody ledger's business, not this class's: it is given that step
/// (<paramref name="appendToLedger"/>, which is <c>Custody.Ledger.AppendAsync</c>) and runs it under the lock.
/// </para>
/// </summary>
public sealed class UnitOfWork(EvidenceDbContext db, IBlobStore blobs, UnitOfWork.AppendToLedger appendToLedger, CurrentActor actor, ILogger<UnitOfWork> log)
{
    /// <summary>Numbers the events, appends them to the ledger and signs the new checkpoint, inside the open transaction.</summary>
    public delegate Task<CheckpointRecord> AppendToLedger(IReadOnlyList<NewCustodyEvent> events, CancellationToken cancellationToken);

    private readonly List<StagedBlob> staged = [];
    private readonly List<NewCustodyEvent> events = [];
    private readonly List<(FileStream Partial, string Final)> files = [];
    private readonly List<DbContext> alsoSaved = [];
    private readonly List<Func<CancellationToken, Task>> checks = [];

    /// <summary>The staged blob moves to its content address when the request commits, and is discarded otherwise.</summary>
    public void PromoteOnCommit(StagedBlob blob) => staged.Add(blob);

    /// <summary>
    /// The file being written through <paramref name="partial"/> (in the same folder) is renamed to <paramref name="final"/>
    /// when the request commits, and deleted otherwise: a referral package exists only together with its custody record.
    /// The unit of work closes it when the request ends; until then the open file stays locked.
    /// </summary>
    public void PublishOnCommit(FileStream partial, string final) => files.Add((partial, final));

    /// <summary>
    /// Saves another context's changes (the accounts') in the same transaction, so that they land with their custody
    /// events or not at all. It must share this request's connection (<c>AccountsDbContext.Register</c> sees to it).
    /// </summary>
    public void SaveOnCommit(DbContext other)
    {
        if (!alsoSaved.Contains(other))
        {
            alsoSaved.Add(other);
        }
    }

    /// <summary>
    /// Runs <paramref name="check"/> under the write lock, after everything is saved and before COMMIT: a rule over the
    /// whole table (the last admin) that a handler read before the lock could be broken by another request committed since.
    /// It throws to refuse, and nothing is recorded.
    /// </summary>
    public void CheckBeforeCommit(Func<CancellationToken, Task> check) => checks.Add(check);

    /// <summary>Appends a custody event to the log when the request commits.</summary>
    public void Record(string action, Guid? evidenceId, string? sha256, IEnumerable<KeyValuePair<string, string?>>? details = null)
    {
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in details ?? [])
        {
            if (value is not null)
            {
                sorted[key] = value;
            }
        }
        events.Add(new NewCustodyEvent(actor.Value.Name, actor.Value.Role.ToString(), action, evidenceId, sha256, sorted));
    }

    /// <summary>The checkpoint this request's events produced, once it has committed.</summary>
    public CheckpointRecord? Checkpoint { get; private set; }

    internal async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (staged.Count == 0 && events.Count == 0 && files.Count == 0 && alsoSaved.Count == 0 && !db.ChangeTracker.HasChanges())
        {
            return; // a query: no transaction, no write lock
        }
        var created = new List<string>();
        var published = new List<string>();
        var committing = false;
        try
        {
            await using var transaction = await WriteLock.BeginAsync(db, cancellationToken);
            try
            {
                foreach (var blob in staged)
                {
                    if (await blobs.PromoteAsync(blob, cancellationToken))
                    {
                        created.Add(blob.Sha256);
                    }
                }
                var checkpoint = events.Count > 0 ? await appendToLedger(events, cancellationToken) : null;
                foreach (var (partial, final) in files)
                {
                    Publish(partial.Name, final);
                    published.Add(final);
                }
                await db.SaveChangesAsync(cancellationToken);
                foreach (var other in alsoSaved)
                {
                    await other.Database.UseTransactionAsync(transaction.GetDbTransaction(), cancellationToken);
                    await other.SaveChangesAsync(cancellationToken);
                }
                foreach (var check in checks)
                {
                    await check(cancellationToken);
                }
                committing = true;
                await transaction.CommitAsync(cancellationToken);
                Checkpoint = checkpoint;
            }
            catch (Exception e) when (committing && Postgres.IsUnavailable(e))
            {
                // The connection to PostgreSQL broke after COMMIT was sent: the database may have recorded everything.
                // Deleting the blobs could leave records without their bytes, so they stay; if the commit did not happen,
                // the next start-up removes them as recent unrecorded blobs (and verify names them until then).
                log.LogError(e, "The database broke off during COMMIT; kept blobs {Blobs} and files {Files} in case it was recorded",
                    string.Join(", ", created), string.Join(", ", published));
                throw new UnavailableException($"The database broke off while this request was being committed ({e.Message}): it may or may not " +
                                               "have been recorded. Look it up before sending it again.", e);
            }
            catch
            {
                // Still holding the write lock: no other request can have recorded these blobs.
                foreach (var sha256 in created)
                {
                    await DeleteQuietlyAsync(sha256);
                }
                foreach (var final in published)
                {
                    DeleteFileQuietly(final);
                }
                throw;
            }
        }
        catch (Exception e) when (DatabaseFailures.Describe(e) is { } failure)
        {
            throw failure;
        }
        finally
        {
            await AbandonAsync();
        }
    }

    /// <summary>
    /// Drops whatever the request staged and is still lying around (after a commit, nothing), and forgets the
    /// request: a web request is one scope, and the next request sent in it must commit only its own work.
    /// </summary>
    internal async Task AbandonAsync()
    {
        foreach (var blob in staged)
        {
            await DiscardQuietlyAsync(blob);
        }
        foreach (var (partial, _) in files)
        {
            try
            {
                await partial.DisposeAsync();
            }
            catch (IOException)
            {
                // Bytes still buffered for a full disk: the file is being deleted anyway.
            }
            DeleteFileQuietly(partial.Name); // after a commit it has been renamed, and nothing is there
        }
        staged.Clear();
        events.Clear();
        files.Clear();
        // Rows a failed handler added must not ride along with the next request's save.
        db.ChangeTracker.Clear();
        foreach (var other in alsoSaved)
        {
            other.ChangeTracker.Clear();
            if (other.Database.CurrentTransaction is not null)
            {
                await other.Database.UseTransactionAsync(null);
            }
        }
        alsoSaved.Clear();
        checks.Clear();
    }

    private static void Publish(string partial, string final)
    {
        try
        {
            File.Move(partial, final, overwrite: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UnavailableException($"Could not write {final} ({e.Message}); nothing was recorded.", e);
        }
    }

    private void DeleteFileQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogWarning(e, "Could not remove {Path}", path);
        }
    }

    private async Task DeleteQuietlyAsync(string sha256)
    {
        try
        {
            await blobs.DeleteAsync(sha256, CancellationToken.None);
        }
        catch (Exception e)
        {
            // verify reports a blob without a record; the log says which.
            log.LogError(e, "Could not remove blob {Sha256} after a failed commit", sha256);
        }
    }

    private async Task DiscardQuietlyAsync(StagedBlob blob)
    {
        try
        {
            await blobs.DiscardAsync(blob, CancellationToken.None);
        }
        catch (Exception e)
        {
            // Start-up clean-up removes it later.
            log.LogWarning(e, "Could not discard staged blob {StagingName}", blob.StagingName);
        }
    }
}
