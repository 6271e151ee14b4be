namespace Evidence.Storage;

/// <summary>
/// Content-addressed, write-once storage for evidence bytes. Bytes are first written to a staging name,
/// then promoted to their address <c>sha256/&lt;2 hex&gt;/&lt;hex&gt;</c>; an existing blob is never overwritten.
/// Two implementations hold the bytes: the home's blob folder (the embedded default) and Azure Blob Storage; the rest of
/// Evidence uses them through <see cref="EncryptedBlobStore"/>, which keeps every blob encrypted at rest.
/// Every failure of the underlying store surfaces as <see cref="Requests.UnavailableException"/>.
/// </summary>
public interface IBlobStore
{
    /// <summary>A short description for messages and logs ("folder /x/blobs", "azure container evidence").</summary>
    string Description { get; }

    /// <summary>Makes the store ready (folders, container) and removes staged blobs that a crash left behind.</summary>
    Task<int> PrepareAsync(CancellationToken cancellationToken);

    /// <summary>Starts writing new bytes under a fresh staging name.</summary>
    Task<IStagingWriter> BeginStagingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Moves a staged blob to its content address. Returns true when this call created the blob, false when the address
    /// was already taken (the staged copy is then discarded). The folder and Azure stores hold envelopes whose bytes differ
    /// for the same content, so whether the blob at a taken address holds the same content is decided by
    /// <see cref="EncryptedBlobStore"/>, which opens and hashes it.
    /// </summary>
    Task<bool> PromoteAsync(StagedBlob staged, CancellationToken cancellationToken);

    /// <summary>
    /// Puts a staged blob in place of the stored blob at its address, in one step (a rename; a server-side copy), so that the
    /// address never holds nothing. Only for <c>evidence encrypt-existing</c>, which has just read the stored bytes back and
    /// sealed the same content.
    /// </summary>
    Task ReplaceAsync(StagedBlob staged, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the named stored blobs, and their names, survive a power cut. The group commit calls it once for a whole batch,
    /// before the batch's records are committed, so that many blobs share one flush of the disk instead of one each: a record
    /// that survives a power cut while its bytes do not would be a lost exhibit.
    /// </summary>
    Task MakeDurableAsync(IReadOnlyCollection<string> sha256s, CancellationToken cancellationToken);

    /// <summary>Removes a staged blob; does nothing when it is already gone (promoted or discarded).</summary>
    Task DiscardAsync(StagedBlob staged, CancellationToken cancellationToken);

    /// <summary>
    /// Removes a stored blob. Only the unit of work calls this, to undo a promotion whose database
    /// transaction failed, while it still holds the write lock (so no record can point at the blob).
    /// </summary>
    Task DeleteAsync(string sha256, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken);

    Task<Stream> OpenReadAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a staged blob back, seekable: what intake reads a file's own provenance from, so that it is read from exactly
    /// the bytes that were hashed, not from the source again.
    /// </summary>
    Task<Stream> OpenStagedAsync(StagedBlob staged, CancellationToken cancellationToken);

    /// <summary>Every stored blob (not staged ones) with its size.</summary>
    IAsyncEnumerable<StoredBlob> ListAsync(CancellationToken cancellationToken);

    /// <summary>The chunks of resumable uploads, in this store's staging area (shared by every app server that shares the store).</summary>
    IUploadArea Uploads { get; }
}

/// <summary>Receives the bytes of one blob being staged, in order.</summary>
public interface IStagingWriter : IAsyncDisposable
{
    ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken);

    /// <summary>
    /// Closes the staged bytes and names them by the hash the caller computed while writing. They are made durable later, with
    /// the rest of their batch (<see cref="IBlobStore.MakeDurableAsync"/>).
    /// </summary>
    Task<StagedBlob> CompleteAsync(string sha256, long size, CancellationToken cancellationToken);
}

/// <summary>Bytes written to a staging name, hashed, not yet at their content address.</summary>
public sealed record StagedBlob(string StagingName, string Sha256, long Size)
{
    /// <summary>
    /// The staged bytes themselves, when the store kept them in memory instead of writing them to its staging area: an Azure
    /// blob small enough to be sent in one request goes straight to its content address when promoted (<see cref="AzureBlobStore"/>),
    /// while the store's bound on what it holds allows.
    /// </summary>
    internal AzureBlobStore.HeldBlob? Held { get; init; }
}

public sealed record StoredBlob(string Sha256, long Size, DateTimeOffset StoredAt);

/// <summary>The content address of a blob.</summary>
public static class BlobKey
{
    public static string For(string sha256)
    {
        if (!IsSha256Hex(sha256))
        {
            throw new ArgumentException("A blob key needs a lower-case hex SHA-256.", nameof(sha256));
        }
        return $"sha256/{sha256[..2]}/{sha256}";
    }

    public static bool IsSha256Hex(string value) =>
        value.Length == 64 && value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
