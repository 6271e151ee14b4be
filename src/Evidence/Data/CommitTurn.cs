namespace Evidence.Data;

/// <summary>
/// Keeps requests sent side by side in the order they were sent when they reach the batch: a bulk ingest reads and hashes
/// many files at once, and their items are still recorded in the folder's order (so that of two copies of the same bytes, the
/// one first in the folder is the original, run after run). One per request scope; a request whose sender sets nothing (every
/// web request) queues as soon as it is ready.
/// </summary>
public sealed class CommitTurn
{
    /// <summary>What must have queued (or given up its turn) before this request queues.</summary>
    public Task After { get; set; } = Task.CompletedTask;

    /// <summary>Completed when this request has queued, or will not (it failed, or had nothing to write): the next one's <see cref="After"/>.</summary>
    public TaskCompletionSource? Queued { get; set; }

    internal Task WaitAsync() => After;

    /// <summary>Lets the next request queue. Called when this one queues, and again, harmlessly, when its scope's work ends.</summary>
    public void Pass() => Queued?.TrySetResult();
}
