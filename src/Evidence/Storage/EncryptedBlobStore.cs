using System.Buffers;
using System.Security.Cryptography;
using Evidence.Crypto;
using Evidence.Requests;

namespace Evidence.Storage;

/// <summary>
/// The blob store every part of Evidence uses: the folder or the Azure store underneath, holding each blob as an envelope
/// (<see cref="BlobEnvelope"/>) under a fresh data key wrapped by the installation's key-encryption key. The address stays the
/// SHA-256 of the original bytes, and reads give the original bytes back, so the custody hash, packages and downloads are
/// unchanged. Blobs stored in clear before encryption existed are still read as they are (<see cref="OpenAsync"/> says which
/// they are, for verify and <c>evidence encrypt-existing</c>). The chunks of uploads in progress are sealed too.
/// </summary>
public sealed class EncryptedBlobStore(IBlobStore stored, IKeyEncryptionKey kek) : IBlobStore
{
    // Every envelope this process writes has the same header length: it depends only on the key-encryption key.
    private readonly int headerLength = BlobEnvelope.HeaderLength(kek);

    public string Description => stored.Description;

    /// <summary>The store's upload area, each chunk and manifest sealed as an envelope of its own (<see cref="EncryptedUploadArea"/>).</summary>
    public IUploadArea Uploads { get; } = new EncryptedUploadArea(stored.Uploads, kek);

    /// <summary>The key-encryption key's id, as written into every envelope (not secret).</summary>
    public string KeyId => kek.Id;

    public Task<int> PrepareAsync(CancellationToken cancellationToken) => stored.PrepareAsync(cancellationToken);

    public async Task<IStagingWriter> BeginStagingAsync(CancellationToken cancellationToken) =>
        new Writer(await stored.BeginStagingAsync(cancellationToken), new BlobEncryptor(kek));

    public async Task<bool> PromoteAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        if (await stored.PromoteAsync(AsStored(staged), cancellationToken))
        {
            return true;
        }
        await RefuseOtherBytesAsync(staged.Sha256, cancellationToken);
        return false;
    }

    // The address is taken: by the same bytes (a duplicate), or by other bytes someone with access to the storage put there so
    // that an investigator's file would be recorded over them. Opened and hashed, never trusted by its name.
    private async Task RefuseOtherBytesAsync(string sha256, CancellationToken cancellationToken)
    {
        string? found;
        try
        {
            var opened = await OpenAsync(sha256, cancellationToken);
            await using var content = opened.Content;
            found = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, cancellationToken));
        }
        catch (DamagedBlobException)
        {
            found = null;
        }
        if (found != sha256)
        {
            throw new UnavailableException($"The blob store already holds other bytes under {sha256}; nothing was recorded. " +
                                           "Someone changed the stored evidence: run `evidence verify` and report it.");
        }
    }

    public Task MakeDurableAsync(IReadOnlyCollection<string> sha256s, CancellationToken cancellationToken) => stored.MakeDurableAsync(sha256s, cancellationToken);

    public Task DiscardAsync(StagedBlob staged, CancellationToken cancellationToken) => stored.DiscardAsync(AsStored(staged), cancellationToken);

    public Task DeleteAsync(string sha256, CancellationToken cancellationToken) => stored.DeleteAsync(sha256, cancellationToken);

    public Task ReplaceAsync(StagedBlob staged, CancellationToken cancellationToken) => stored.ReplaceAsync(AsStored(staged), cancellationToken);

    public Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken) => stored.ExistsAsync(sha256, cancellationToken);

    public async Task<Stream> OpenReadAsync(string sha256, CancellationToken cancellationToken) => (await OpenAsync(sha256, cancellationToken)).Content;

    /// <summary>The original bytes of a stored blob, and whether it is stored encrypted or (from before encryption) in clear.</summary>
    public async Task<OpenedBlob> OpenAsync(string sha256, CancellationToken cancellationToken)
    {
        var content = await stored.OpenReadAsync(sha256, cancellationToken);
        try
        {
            return await BlobEnvelope.OpenAsync(content, sha256, kek, cancellationToken);
        }
        catch
        {
            await content.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// An evidence item's original bytes to hand out, checked against <paramref name="sha256"/> and <paramref name="size"/>.
    /// Read whole, they are hashed on their way (<see cref="CheckedContent"/>) and the stream does not seek. With
    /// <paramref name="ranges"/>, the stream seeks, so that byte ranges can be served, when every part of it is authenticated
    /// as this address's bytes: a version 2 envelope on a store that seeks (the folder), its last chunk opened here, so checked
    /// for the address, before this returns; each chunk read after it authenticates in its place. A range cannot be hashed
    /// against the whole, so anything else (a version 1 envelope, a blob in clear, a stream from Azure) is read whole, checked.
    /// </summary>
    public async Task<Stream> OpenCheckedAsync(string sha256, long size, bool ranges, CancellationToken cancellationToken)
    {
        var opened = await OpenAsync(sha256, cancellationToken);
        try
        {
            if (ranges && opened.SealedForAddress && opened.Content.CanSeek)
            {
                opened.Content.Seek(0, SeekOrigin.End);
                opened.Content.Position = 0;
                if (opened.Content.Length == size)
                {
                    return opened.Content;
                }
            }
            return new CheckedContent(opened.Content, sha256, size);
        }
        catch
        {
            await opened.Content.DisposeAsync();
            throw;
        }
    }

    public async Task<Stream> OpenStagedAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        var content = await stored.OpenStagedAsync(AsStored(staged), cancellationToken);
        try
        {
            return (await BlobEnvelope.OpenAsync(content, staged.Sha256, kek, cancellationToken)).Content;
        }
        catch
        {
            await content.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every stored blob; the size is what the store holds (the envelope's, for an encrypted blob).</summary>
    public IAsyncEnumerable<StoredBlob> ListAsync(CancellationToken cancellationToken) => stored.ListAsync(cancellationToken);

    /// <summary>
    /// Encrypts a blob stored in clear, or sealed as a version 1 envelope (not sealed for its address): its bytes are read,
    /// hashed and sealed into a new envelope, sealed for its address, which then takes the blob's place in one step. False when
    /// it is already so. Bytes that are not those of their address are refused, and left as they are for verify to name.
    /// </summary>
    public async Task<bool> EncryptInPlaceAsync(string sha256, CancellationToken cancellationToken)
    {
        var opened = await OpenAsync(sha256, cancellationToken);
        StagedBlob staged;
        await using (var content = opened.Content)
        {
            if (opened.SealedForAddress)
            {
                return false;
            }
            await using var writer = await BeginStagingAsync(cancellationToken);
            var copied = await Ingest.HashingCopy.CopyAsync(content, writer, progress: null, cancellationToken);
            if (copied.Sha256 != sha256)
            {
                throw new DamagedBlobException($"Blob {sha256} holds other bytes than its address says; it was left as it is.");
            }
            staged = await writer.CompleteAsync(sha256, copied.Size, cancellationToken);
        }
        await ReplaceAsync(staged, cancellationToken);
        return true;
    }

    private StagedBlob AsStored(StagedBlob staged) => staged with { Size = BlobEnvelope.StoredLength(staged.Size, headerLength) };

    /// <summary>Buffers the original bytes into chunks and hands each sealed chunk to the store's writer.</summary>
    private sealed class Writer(IStagingWriter stored, BlobEncryptor encryptor) : IStagingWriter
    {
        // Rented, not allocated: a folder of small files stages thousands of blobs, and two fresh 64 KiB buffers for each were
        // two fifths of everything a bulk ingest allocated, and the garbage collections that followed.
        private readonly byte[] plain = ArrayPool<byte>.Shared.Rent(BlobEnvelope.ChunkSize);
        private readonly byte[] sealedChunk = ArrayPool<byte>.Shared.Rent(BlobEnvelope.ChunkSize + BlobEnvelope.TagSize + BlobEnvelope.BindingSize);
        private bool disposed;
        private int filled;
        private bool started;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
        {
            await StartAsync(cancellationToken);
            while (!chunk.IsEmpty)
            {
                // A full chunk is sealed only when more bytes follow it: the last one is sealed as the last by CompleteAsync.
                if (filled == BlobEnvelope.ChunkSize)
                {
                    var length = encryptor.Seal(plain.AsSpan(0, filled), sealedChunk);
                    filled = 0;
                    await stored.WriteAsync(sealedChunk.AsMemory(0, length), cancellationToken);
                }
                // The buffers are back in the shared pool once disposed: never written to after that, whoever still calls.
                ObjectDisposedException.ThrowIf(disposed, this);
                var take = Math.Min(chunk.Length, BlobEnvelope.ChunkSize - filled);
                chunk.Span[..take].CopyTo(plain.AsSpan(filled));
                filled += take;
                chunk = chunk[take..];
            }
        }

        public async Task<StagedBlob> CompleteAsync(string sha256, long size, CancellationToken cancellationToken)
        {
            await StartAsync(cancellationToken);
            // The last chunk is sealed for the blob's address, so that its envelope opens nowhere else.
            var length = encryptor.SealLast(plain.AsSpan(0, filled), sha256, sealedChunk);
            filled = 0;
            await stored.WriteAsync(sealedChunk.AsMemory(0, length), cancellationToken);
            var staged = await stored.CompleteAsync(sha256, BlobEnvelope.StoredLength(size, encryptor.Header.Length), cancellationToken);
            return staged with { Size = size };
        }

        private async ValueTask StartAsync(CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!started)
            {
                started = true;
                await stored.WriteAsync(encryptor.Header, cancellationToken);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (disposed)
            {
                return;
            }
            disposed = true;
            encryptor.Dispose();
            await stored.DisposeAsync();
            // Cleared: they held evidence in clear.
            ArrayPool<byte>.Shared.Return(plain, clearArray: true);
            ArrayPool<byte>.Shared.Return(sealedChunk);
        }
    }
}
