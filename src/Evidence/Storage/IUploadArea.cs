namespace Evidence.Storage;

/// <summary>
/// The chunks of resumable uploads, kept in the blob store's staging area so that any app server can take any chunk
/// of any upload: a load balancer needs no sticky routing, and a server that dies mid-upload loses nothing the client
/// was told had arrived. An upload is a manifest (who started it and what they announced, written once) and numbered
/// chunks, each either whole or absent. Nothing here is evidence: <c>Ingest/CompleteUpload</c> reads the assembled
/// chunks through the ordinary intake (hashed, recorded, promoted, or nothing kept). Whether a chunk is the right size,
/// and who may send it, is decided in <c>Ingest/UploadStaging</c>; the store only keeps what it is given.
/// Every failure of the underlying store surfaces as <see cref="Requests.UnavailableException"/>.
/// </summary>
public interface IUploadArea
{
    /// <summary>Writes the manifest of a new upload. The id is fresh; an existing one is never overwritten.</summary>
    Task CreateAsync(Guid upload, ReadOnlyMemory<byte> manifest, CancellationToken cancellationToken);

    /// <summary>The manifest as written, or null when there is no such upload (never started, completed or removed).</summary>
    Task<byte[]?> ReadManifestAsync(Guid upload, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps one whole chunk under its number, durably, replacing a chunk sent before under the same number. Two servers
    /// storing the same number at once leave one of the two, whole. Throws <see cref="Requests.NotFoundException"/>
    /// when the upload is gone.
    /// </summary>
    Task PutChunkAsync(Guid upload, int index, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>The numbers of the chunks held, with their sizes.</summary>
    Task<IReadOnlyDictionary<int, long>> ListChunksAsync(Guid upload, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the upload for completion, for all servers: true for exactly one caller until <see cref="ReleaseAsync"/>
    /// or <see cref="RemoveAsync"/>, so that one upload never becomes two evidence items.
    /// </summary>
    Task<bool> ClaimAsync(Guid upload, CancellationToken cancellationToken);

    Task ReleaseAsync(Guid upload, CancellationToken cancellationToken);

    /// <summary>
    /// Chunks 0 to <paramref name="chunks"/> - 1, in order, as one stream (Azure: the chunks are committed as the blocks
    /// of one blob, which is then read). The chunks stay until <see cref="RemoveAsync"/>, so a completion that fails can be
    /// tried again.
    /// </summary>
    Task<Stream> OpenAssembledAsync(Guid upload, int chunks, CancellationToken cancellationToken);

    /// <summary>Removes the upload: manifest, chunks and claim. Does nothing when it is already gone.</summary>
    Task RemoveAsync(Guid upload, CancellationToken cancellationToken);

    /// <summary>Every upload held, with when it last changed (a chunk arrived) and when it was claimed, for the clean-up.</summary>
    IAsyncEnumerable<HeldUpload> ListAsync(CancellationToken cancellationToken);
}

/// <summary>An upload in the store's staging area, as the clean-up sees it.</summary>
public sealed record HeldUpload(Guid Id, DateTimeOffset LastChangedAt, DateTimeOffset? ClaimedAt);
