using Evidence.Custody;
using Evidence.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Evidence.Data;

/// <summary>
/// Commits the units of work that are waiting together: one transaction under the write lock, one fsync, one signed
/// checkpoint and one timestamp for the whole batch, while each request still succeeds or fails alone. Each request is
/// written inside its own savepoint; one that fails is rolled back to it, its events are forgotten by the ledger append,
/// and its neighbours go on.
/// <para>
/// A request does not wait for a batch to fill: the first to arrive starts committing at once, and whatever arrives while a
/// batch is being written is the next batch. One request alone is therefore committed as fast as before; many at once
/// share the lock, the fsync and the signature.
/// </para>
/// <para>
/// Two stages, each batching whatever waits for it: first the blobs the requests will point at are flushed to the disk
/// (one <c>syncfs</c> for all of them), then the requests are written under the lock. While one batch is written, the next
/// one's blobs are being flushed. A request enters the second stage only after its blobs are on the disk, and in the order it
/// came.
/// </para>
/// </summary>
public sealed class GroupCommit(IServiceScopeFactory scopes, ILogger<GroupCommit> log)
{
    // A bound on one transaction's size, so that a flood of requests still gets answers in steady steps.
    private const int MaxBatch = 256;

    private readonly Queue<Waiting> flushing = new(); // waiting for their blobs to be flushed
    private bool flushingRunning;
    private readonly Queue<Waiting> queue = new(); // blobs on the disk, waiting for the write lock
    private bool committing;

    private sealed record Waiting(UnitOfWork Unit, TaskCompletionSource<CheckpointRecord?> Done);

    /// <summary>Writes <paramref name="unit"/> in the next batch; returns the checkpoint that signs its events (null without events).</summary>
    internal Task<CheckpointRecord?> CommitAsync(UnitOfWork unit)
    {
        var waiting = new Waiting(unit, new TaskCompletionSource<CheckpointRecord?>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (flushing)
        {
            flushing.Enqueue(waiting);
            start = !flushingRunning;
            flushingRunning = true;
        }
        if (start)
        {
            _ = Task.Run(FlushWaitingAsync);
        }
        return waiting.Done.Task;
    }

    private async Task FlushWaitingAsync()
    {
        while (true)
        {
            List<Waiting> batch;
            lock (flushing)
            {
                if (flushing.Count == 0)
                {
                    flushingRunning = false;
                    return;
                }
                batch = [.. flushing];
                flushing.Clear();
            }
            try
            {
                // One flush of the disk for every blob of the batch, and none of them may be recorded before it.
                await using var scope = scopes.CreateAsyncScope();
                var blobs = batch.SelectMany(w => w.Unit.PromotedBlobs).Distinct().ToList();
                await scope.ServiceProvider.GetRequiredService<Storage.IBlobStore>().MakeDurableAsync(blobs, CancellationToken.None);
            }
            catch (Exception e)
            {
                // Nothing of these requests was written: their blobs may not be on the disk.
                foreach (var waiting in batch)
                {
                    waiting.Done.TrySetException(e);
                }
                continue;
            }
            bool start;
            lock (queue)
            {
                foreach (var waiting in batch)
                {
                    queue.Enqueue(waiting);
                }
                start = !committing;
                committing = true;
            }
            if (start)
            {
                _ = Task.Run(CommitWaitingAsync);
            }
        }
    }

    /// <summary>Number of requests written in each batch so far: what the tests and the benchmarks read.</summary>
    public IReadOnlyList<int> BatchSizes
    {
        get
        {
            lock (batchSizes)
            {
                return [.. batchSizes];
            }
        }
    }

    private readonly List<int> batchSizes = [];

    private async Task CommitWaitingAsync()
    {
        while (true)
        {
            List<Waiting> batch;
            lock (queue)
            {
                if (queue.Count == 0)
                {
                    committing = false;
                    return;
                }
                batch = [];
                while (queue.Count > 0 && batch.Count < MaxBatch)
                {
                    batch.Add(queue.Dequeue());
                }
            }
            lock (batchSizes)
            {
                batchSizes.Add(batch.Count);
            }
            try
            {
                await CommitBatchAsync(batch);
            }
            catch (Exception e)
            {
                // CommitBatchAsync answers every request itself; this is a bug, and no request may wait forever for it.
                log.LogError(e, "A batch of {Count} requests failed unexpectedly", batch.Count);
                foreach (var waiting in batch)
                {
                    waiting.Done.TrySetException(e);
                }
            }
        }
    }

    private async Task CommitBatchAsync(List<Waiting> batch)
    {
        // A batch is never cancelled by one of its requests: the others are already in it. It is short (no slow work
        // happens under the lock), and a request whose caller gave up is still answered.
        var cancellationToken = CancellationToken.None;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();
        var ledger = scope.ServiceProvider.GetRequiredService<Ledger>();
        var written = new List<Waiting>();
        var sentCommit = false;
        CheckpointRecord? checkpoint;
        Crypto.NoteSigner? rotatedTo = null;
        try
        {
            await using var transaction = await WriteLock.BeginAsync(db, cancellationToken);
            var connection = db.Database.GetDbConnection();
            var dbTransaction = transaction.GetDbTransaction();
            LedgerAppend? append = null;
            var sizeBefore = (long?)null;
            for (var i = 0; i < batch.Count; i++)
            {
                var unit = batch[i].Unit;
                var savepoint = $"request_{i}";
                await dbTransaction.SaveAsync(savepoint, cancellationToken);
                var size = append?.Size;
                Exception? refused = null;
                try
                {
                    if (unit.HasEvents && append is null)
                    {
                        append = await ledger.OpenAppendAsync(cancellationToken);
                        sizeBefore = append.Size;
                        size = append.Size;
                    }
                    await unit.WriteAsync(connection, dbTransaction, append, cancellationToken);
                    await dbTransaction.ReleaseAsync(savepoint, cancellationToken);
                    written.Add(batch[i]);
                }
                catch (Exception e)
                {
                    await dbTransaction.RollbackAsync(savepoint, cancellationToken);
                    if (append is not null && size is { } earlier)
                    {
                        append.RollBackTo(earlier);
                    }
                    unit.UndoWrite();
                    refused = e;
                }
                finally
                {
                    await unit.DetachAsync();
                }
                // Answered only once its contexts are given back: the caller disposes them (its scope) as soon as it is answered.
                if (refused is not null)
                {
                    batch[i].Done.TrySetException(refused);
                }
            }
            checkpoint = append is not null && append.Size > sizeBefore ? append.SignCheckpoint() : null;
            rotatedTo = checkpoint is null ? null : append!.RotatedTo;
            await db.SaveChangesAsync(cancellationToken);
            sentCommit = true;
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception e)
        {
            // The whole batch failed before it was recorded: the lock could not be taken, the checkpoint not saved, or COMMIT
            // failed.
            var unknown = sentCommit && Postgres.IsUnavailable(e);
            if (unknown)
            {
                // The connection to PostgreSQL broke after COMMIT was sent: the database may have recorded everything, so the
                // published files stay; if the commit did not happen, the next start-up removes them as unrecorded.
                log.LogError(e, "The database broke off during COMMIT of a batch of {Count} requests; kept their files in case it was recorded", written.Count);
            }
            foreach (var waiting in batch.Where(w => !w.Done.Task.IsCompleted))
            {
                if (!unknown)
                {
                    waiting.Unit.UndoWrite();
                }
                waiting.Done.TrySetException(unknown
                    ? new Requests.UnavailableException($"The database broke off while this request was being committed ({e.Message}): it may or may not " +
                                                        "have been recorded. Look it up before sending it again.", e)
                    {
                        MayHaveBeenRecorded = true,
                    }
                    : e);
            }
            return;
        }
        // Recorded. Nothing from here on may answer a request as failed or undo what it published: a timestamp that cannot be
        // had now is stamped later by `evidence log timestamp` (TryStampAsync logs and swallows every failure of its own).
        if (rotatedTo is not null)
        {
            // The next batch signs with the new key alone; should this fail, the next append adopts it (Ledger.SigningKeyAsync).
            try
            {
                scope.ServiceProvider.GetRequiredService<Crypto.LedgerKeys>().Adopt(rotatedTo.Verifier);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Requests.InvalidRequestException)
            {
                log.LogError(e, "The ledger key rotation was recorded, but its new key could not be put in place yet; the next append does it");
            }
        }
        if (checkpoint is not null)
        {
            await scope.ServiceProvider.GetRequiredService<CheckpointTimestamps>().TryStampAsync(checkpoint, cancellationToken);
        }
        foreach (var waiting in written)
        {
            waiting.Done.TrySetResult(waiting.Unit.HasEvents ? checkpoint : null);
        }
    }
}
