using Evidence.Ingest;

namespace Evidence.Recovery;

/// <summary>
/// Resumable uploads that will never complete (<see cref="UploadStaging.RemoveAbandonedAsync"/>): a client that did not come
/// back for a week, or an upload claimed for completion by a process that died. They live in the blob store, shared by
/// every app server, so any server's clean-up removes them for all; a live upload or claim is never old enough.
/// </summary>
internal static class AbandonedUploads
{
    public static Task<int> RemoveAsync(UploadStaging staging, DateTimeOffset now, CancellationToken cancellationToken) =>
        staging.RemoveAbandonedAsync(now, cancellationToken);
}
