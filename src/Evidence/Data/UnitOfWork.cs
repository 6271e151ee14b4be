using Evidence.Custody;
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
/// Handlers do the slow work (reading, hashing, uploading to a staging name) before the commit. The commit then makes the
/// staged blobs durable at their content address, outside any lock: a content-addressed blob that ends up unrecorded is
/// harmless, and the start-up sweep removes it (<c>Recovery/UnrecordedBlobs.cs</c>). Only then does the request join a
/// batch (<see cref="GroupCommit"/>), which takes the database write lock (SQLite's BEGIN IMMEDIATE; on PostgreSQL, an
/// advisory lock held to the end of the transaction, which every app server takes) and writes the request in its own
/// savepoint: numbering and appending its custody events (<see cref="LedgerAppend"/>), publishing its files, saving its rows.
/// </para>
/// </summary>
public sealed class UnitOfWork(EvidenceDbContext db, IBlobStore blobs, GroupCommit groupCommit, CommitTurn turn, CurrentActor actor, TimeProvider clock,
    ILogger<UnitOfWork> log)
{
    /// <summary>
    /// How long a request may hold a blob it promoted before it is recorded. The sweep leaves unrecorded blobs younger than
    /// twice this alone (<see cref="Recovery.UnrecordedBlobs"/>), so a request that took longer is refused rather than
    /// recorded over bytes the sweep may have removed.
    /// </summary>
    public static readonly TimeSpan PromotedBlobLifetime = TimeSpan.FromMinutes(5);

    private readonly List<StagedBlob> staged = [];
    private readonly List<(string Sha256, bool Created, DateTimeOffset At)> promoted = [];
    private readonly List<NewCustodyEvent> events = [];
    private readonly List<(FileStream Partial, string Final)> files = [];
    private readonly List<string> published = [];
    private readonly List<DbContext> alsoSaved = [];
    private readonly List<Func<CancellationToken, Task>> checks = [];
    private readonly List<Func<CancellationToken, Task>> beforeWrite = [];
    private readonly List<(DbContext Context, System.Data.Common.DbConnection Own)> attached = [];
    private (Crypto.NoteVerifier From, Crypto.NoteSigner To, Action Discard)? rotation;
    private bool rotationWritten;

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

    /// <summary>
    /// Runs <paramref name="step"/> under the write lock when the request is written, before its events are appended: for what
    /// must be decided against everything recorded before it, the earlier requests of its batch included (which item first
    /// had these bytes). The step may record events.
    /// </summary>
    public void BeforeWrite(Func<CancellationToken, Task> step) => beforeWrite.Add(step);

    /// <summary>Whether <paramref name="step"/> (the same method on the same object) is registered in this unit of work.</summary>
    public bool WillRunBeforeWrite(Func<CancellationToken, Task> step) => beforeWrite.Contains(step);

    /// <summary>
    /// The request records a rotation of the ledger key from <paramref name="from"/> to <paramref name="to"/>: its batch's
    /// checkpoint is signed by both keys, and the write is refused if <paramref name="from"/> no longer signs by then
    /// (<see cref="LedgerAppend.Rotate"/>). When the request is refused before it was written, <paramref name="discard"/>
    /// removes the new key, which then never signed anything; once written, the key is kept whatever happens to the
    /// commit, since the database may have recorded it (a PostgreSQL connection that broke during COMMIT).
    /// </summary>
    public void RotateKeyOnCommit(Crypto.NoteVerifier from, Crypto.NoteSigner to, Action discard) => rotation = (from, to, discard);

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

    /// <summary>The checkpoint that signs this request's events (with those of its batch), once it has committed.</summary>
    public CheckpointRecord? Checkpoint { get; private set; }

    internal bool HasEvents => events.Count > 0 || beforeWrite.Count > 0;

    /// <summary>The blobs this request's records will point at: its batch makes them durable before it commits.</summary>
    internal IEnumerable<string> PromotedBlobs => promoted.Select(p => p.Sha256);

    internal async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (staged.Count == 0 && events.Count == 0 && beforeWrite.Count == 0 && files.Count == 0 && alsoSaved.Count == 0 && !db.ChangeTracker.HasChanges())
        {
            turn.Pass();
            return; // a query: no transaction, no write lock
        }
        try
        {
            foreach (var blob in staged)
            {
                promoted.Add((blob.Sha256, await blobs.PromoteAsync(blob, cancellationToken), clock.GetUtcNow()));
            }
            await turn.WaitAsync();
            cancellationToken.ThrowIfCancellationRequested();
            var committed = groupCommit.CommitAsync(this);
            turn.Pass();
            Checkpoint = await committed;
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
    /// Writes this request inside the batch's transaction (<see cref="GroupCommit"/> holds the write lock and a savepoint for
    /// it): checks that its blobs are still stored, appends its events, publishes its files, saves its rows and runs its
    /// checks. It throws to refuse; the batch then rolls back to the savepoint and calls <see cref="UndoWrite"/>.
    /// </summary>
    internal async Task WriteAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, LedgerAppend? append,
        CancellationToken cancellationToken)
    {
        foreach (var (sha256, created, at) in promoted)
        {
            // Under the lock the sweep cannot run: a blob still there now stays until the commit.
            var fresh = created && clock.GetUtcNow() - at < PromotedBlobLifetime;
            if (!fresh && !await blobs.ExistsAsync(sha256, cancellationToken))
            {
                throw new UnavailableException($"The stored bytes {sha256} were removed while this request waited (it took longer than " +
                                               $"{PromotedBlobLifetime.TotalMinutes} minutes); nothing was recorded. Send it again.");
            }
        }
        await AttachAsync(db, connection, transaction, cancellationToken);
        foreach (var other in alsoSaved)
        {
            await AttachAsync(other, connection, transaction, cancellationToken);
        }
        foreach (var step in beforeWrite)
        {
            await step(cancellationToken);
        }
        if (rotation is { } rotating)
        {
            append!.Rotate(rotating.From, rotating.To);
        }
        if (events.Count > 0)
        {
            await append!.AddAsync(db, events, cancellationToken);
        }
        foreach (var (partial, final) in files)
        {
            Publish(partial.Name, final);
            published.Add(final);
        }
        await db.SaveChangesAsync(cancellationToken);
        foreach (var other in alsoSaved)
        {
            await other.SaveChangesAsync(cancellationToken);
        }
        foreach (var check in checks)
        {
            await check(cancellationToken);
        }
        rotationWritten = rotation is not null;
    }

    // The request's contexts write on the batch's connection and in its transaction, then go back to the scope's connection
    // (ScopeConnection): each request keeps its own change tracker, so its rows are saved (or rolled back) apart from its
    // neighbours'.
    private async Task AttachAsync(DbContext context, System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction,
        CancellationToken cancellationToken)
    {
        attached.Add((context, context.Database.GetDbConnection()));
        context.Database.SetDbConnection(connection, contextOwnsConnection: false);
        await context.Database.UseTransactionAsync(transaction, cancellationToken);
    }

    internal async Task DetachAsync()
    {
        foreach (var (context, own) in attached)
        {
            await context.Database.UseTransactionAsync(null);
            context.Database.SetDbConnection(own, contextOwnsConnection: false);
        }
        attached.Clear();
    }

    /// <summary>Removes the files this request published in a batch that was then rolled back (still under the write lock).</summary>
    internal void UndoWrite()
    {
        foreach (var final in published)
        {
            DeleteFileQuietly(final);
        }
        published.Clear();
    }

    /// <summary>
    /// Drops whatever the request staged and is still lying around (after a commit, nothing), and forgets the
    /// request: a web request is one scope, and the next request sent in it must commit only its own work.
    /// </summary>
    internal async Task AbandonAsync()
    {
        turn.Pass();
        if (rotation is { } unwritten && !rotationWritten)
        {
            try
            {
                unwritten.Discard();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.LogWarning(e, "Could not remove the unused key of a refused rotation");
            }
        }
        rotation = null;
        rotationWritten = false;
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
        promoted.Clear();
        events.Clear();
        files.Clear();
        published.Clear();
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
        beforeWrite.Clear();
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
