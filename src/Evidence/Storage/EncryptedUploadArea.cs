using System.Buffers.Binary;
using Evidence.Crypto;
using Evidence.Requests;

namespace Evidence.Storage;

/// <summary>
/// The upload area of <see cref="EncryptedBlobStore"/>: the chunks of an upload in progress are evidence bytes that may wait
/// days in the folder's <c>staging/uploads/</c> or the container's, so each chunk is kept as an envelope of its own
/// (<see cref="BlobEnvelope"/>: a fresh data key, wrapped by the installation's key-encryption key), and so is the manifest,
/// which holds the file's name and the collector's statements (and the upload's id, which <c>Ingest/UploadStaging</c>
/// checks, so a manifest cannot be moved to another upload). What the area underneath holds is only ever envelopes.
/// <para>
/// A chunk's envelope begins with its place, <see cref="PlaceLength"/> bytes: the upload's id and the chunk's number. Each
/// envelope authenticates only itself, so without them a chunk could be moved, whole and still sealed, to another number or
/// another upload by someone with access to the storage, and assemble into a file nobody sent.
/// </para>
/// <para>
/// Sizes are the sender's: a chunk listed is the plaintext length its envelope holds (<see cref="BlobEnvelope.PlaintextLength"/>,
/// exact because every server sharing the store seals with the same key, so with the same header) less its place, which is
/// what resumption compares with the chunk's place in the file. Stored bytes that are not such an envelope (a chunk kept in
/// clear by a version before sealing) are not listed at a length they were sent with, so the client sends that chunk again.
/// </para>
/// <para>
/// Assembled, the chunks are one run of envelopes (on Azure, the blocks of one blob): each is cut out by its stored length and
/// opened on its own, in order, its place checked, and its plaintext released only once its chunks authenticate. A chunk
/// that does not open (altered in storage, in clear, sealed under another key, moved from another place) stops the
/// completion, naming the chunk: never other bytes.
/// </para>
/// </summary>
internal sealed class EncryptedUploadArea(IUploadArea stored, IKeyEncryptionKey kek) : IUploadArea
{
    /// <summary>The upload's id (16 bytes, big-endian) and the chunk's number (4 bytes, big-endian) that begin a chunk's envelope.</summary>
    internal const int PlaceLength = 20;

    private readonly int headerLength = BlobEnvelope.HeaderLength(kek);

    public Task CreateAsync(Guid upload, ReadOnlyMemory<byte> manifest, CancellationToken cancellationToken) =>
        stored.CreateAsync(upload, BlobEnvelope.Seal(manifest.Span, ManifestName(upload), kek), cancellationToken);

    /// <summary>
    /// The manifest as written; null, like an upload that does not exist, when its stored bytes do not open as this
    /// installation's envelope (altered, or written in clear before sealing): nobody can add to or complete such an upload,
    /// and the clean-up removes it after a week.
    /// </summary>
    public async Task<byte[]?> ReadManifestAsync(Guid upload, CancellationToken cancellationToken)
    {
        if (await stored.ReadManifestAsync(upload, cancellationToken) is not { } sealedManifest)
        {
            return null;
        }
        try
        {
            var opened = await BlobEnvelope.OpenAsync(new MemoryStream(sealedManifest, writable: false), ManifestName(upload), kek, cancellationToken);
            await using var content = opened.Content;
            if (!opened.Encrypted)
            {
                return null;
            }
            using var manifest = new MemoryStream();
            await content.CopyToAsync(manifest, cancellationToken);
            return manifest.ToArray();
        }
        catch (DamagedBlobException)
        {
            return null;
        }
    }

    public Task PutChunkAsync(Guid upload, int index, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        stored.PutChunkAsync(upload, index, Seal(upload, index, bytes.Span, kek), cancellationToken);

    /// <summary>Chunk <paramref name="index"/> of <paramref name="upload"/> as it is stored: its place, then its bytes, in one envelope.</summary>
    internal static byte[] Seal(Guid upload, int index, ReadOnlySpan<byte> bytes, IKeyEncryptionKey kek)
    {
        using var stored = new MemoryStream();
        using (var sealing = new SealingStream(stored, kek))
        {
            sealing.Write(Place(upload, index));
            sealing.Write(bytes);
            sealing.Finish(ChunkName(upload, index));
        }
        return stored.ToArray();
    }

    // What each envelope is sealed for (BlobEnvelope.Binding): a manifest or chunk moved to another upload or number does not open.
    private static string ManifestName(Guid upload) => $"{upload:N}/manifest";

    private static string ChunkName(Guid upload, int index) => $"{upload:N}/{index}";

    private static byte[] Place(Guid upload, int index)
    {
        var place = new byte[PlaceLength];
        upload.TryWriteBytes(place, bigEndian: true, out _);
        BinaryPrimitives.WriteInt32BigEndian(place.AsSpan(16), index);
        return place;
    }

    public async Task<IReadOnlyDictionary<int, long>> ListChunksAsync(Guid upload, CancellationToken cancellationToken)
    {
        var chunks = new Dictionary<int, long>();
        foreach (var (index, storedLength) in await stored.ListChunksAsync(upload, cancellationToken))
        {
            if (BlobEnvelope.PlaintextLength(storedLength, headerLength) is { } length && length >= PlaceLength)
            {
                chunks[index] = length - PlaceLength;
            }
        }
        return chunks;
    }

    public Task<bool> ClaimAsync(Guid upload, CancellationToken cancellationToken) => stored.ClaimAsync(upload, cancellationToken);

    public Task ReleaseAsync(Guid upload, CancellationToken cancellationToken) => stored.ReleaseAsync(upload, cancellationToken);

    public async Task<Stream> OpenAssembledAsync(Guid upload, int chunks, CancellationToken cancellationToken)
    {
        // Listed before the chunks are assembled: a chunk sent again meanwhile has the same length (the same place in the file,
        // sealed with the same header), and one of another length does not open, which refuses the completion.
        var held = await stored.ListChunksAsync(upload, cancellationToken);
        var lengths = new long[chunks];
        for (var index = 0; index < chunks; index++)
        {
            lengths[index] = held.TryGetValue(index, out var length) ? length
                : throw new NotFoundException($"Chunk {index} of upload {upload} is no longer held; nothing was recorded. Send it again, then complete the upload.");
        }
        return new OpenedChunks(await stored.OpenAssembledAsync(upload, chunks, cancellationToken), lengths, upload, kek);
    }

    public Task RemoveAsync(Guid upload, CancellationToken cancellationToken) => stored.RemoveAsync(upload, cancellationToken);

    public IAsyncEnumerable<HeldUpload> ListAsync(CancellationToken cancellationToken) => stored.ListAsync(cancellationToken);

    /// <summary>The plaintext of the assembled envelopes, one chunk after another.</summary>
    private sealed class OpenedChunks(Stream assembled, long[] lengths, Guid upload, IKeyEncryptionKey kek) : Stream
    {
        private int next;
        private Stream? current;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }
            while (true)
            {
                if (current is null)
                {
                    if (next == lengths.Length)
                    {
                        return 0;
                    }
                    current = await OpenAsync(next++, cancellationToken);
                }
                int read;
                try
                {
                    read = await current.ReadAsync(buffer, cancellationToken);
                }
                catch (DamagedBlobException e)
                {
                    throw Damaged(next - 1, e);
                }
                if (read > 0)
                {
                    return read;
                }
                await current.DisposeAsync();
                current = null;
            }
        }

        private async Task<Stream> OpenAsync(int index, CancellationToken cancellationToken)
        {
            OpenedBlob opened;
            try
            {
                opened = await BlobEnvelope.OpenAsync(new Piece(assembled, lengths[index]), ChunkName(upload, index), kek, cancellationToken);
            }
            catch (DamagedBlobException e)
            {
                throw Damaged(index, e);
            }
            var place = new byte[PlaceLength];
            try
            {
                if (opened.Encrypted && await opened.Content.ReadAtLeastAsync(place, PlaceLength, throwOnEndOfStream: false, cancellationToken) == PlaceLength
                    && place.AsSpan().SequenceEqual(Place(upload, index)))
                {
                    return opened.Content;
                }
            }
            catch (DamagedBlobException e)
            {
                await opened.Content.DisposeAsync();
                throw Damaged(index, e);
            }
            await opened.Content.DisposeAsync();
            throw Damaged(index, null);
        }

        private DamagedBlobException Damaged(int index, Exception? inner) =>
            new($"Chunk {index} of upload {upload} does not open as it was sealed (altered in storage, kept in clear, moved from another place, or sealed under another key); " +
                $"nothing was recorded. Send chunk {index} again, then complete the upload.", inner);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                current?.Dispose();
                assembled.Dispose();
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (current is not null)
            {
                await current.DisposeAsync();
            }
            await assembled.DisposeAsync();
            await base.DisposeAsync();
        }
    }

    /// <summary>The next <paramref name="length"/> bytes of <paramref name="source"/>, which it leaves open.</summary>
    private sealed class Piece(Stream source, long length) : Stream
    {
        private long left = length;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = left == 0 ? 0 : source.Read(buffer[..(int)Math.Min(buffer.Length, left)]);
            left -= read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = left == 0 ? 0 : await source.ReadAsync(buffer[..(int)Math.Min(buffer.Length, left)], cancellationToken);
            left -= read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
