using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Evidence.Requests;

namespace Evidence.Crypto;

/// <summary>
/// How evidence bytes are stored: envelope encryption with a fresh 256-bit data key per blob, wrapped by the installation's
/// key-encryption key, the bytes sealed with AES-256-GCM in chunks of 64 KiB so that a file of any size streams in and out.
/// <code>
/// header:  "EVBLOB" 0x00 0x01 | chunk size (uint32 BE) | key id length (1 byte) | key id (ASCII)
///          | wrapped data key length (uint16 BE) | wrapped data key (its context: every header byte before it)
/// chunks:  ciphertext | 16-byte tag, one per chunk of plaintext; every chunk full but the last; an empty blob is one empty chunk
/// nonce:   chunk number (uint64 BE) | 0x00 0x00 0x00 | 0x01 on the last chunk, else 0x00
/// </code>
/// The nonce binds each chunk to its place, so chunks cannot be reordered, and marks the last one, so a blob cut after any
/// chunk does not open (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár). A nonce never repeats under a
/// key because every blob has its own key. Plaintext is released only after its chunk's tag has been checked: a damaged blob
/// is refused from the first damaged chunk on, never handed out as other bytes.
/// </summary>
public static class BlobEnvelope
{
    public const int ChunkSize = 64 * 1024;
    internal const int TagSize = 16;
    private const int MaxChunkSize = 16 << 20;
    private static readonly byte[] Magic = "EVBLOB\0\u0001"u8.ToArray();

    /// <summary>The first bytes of every envelope. Blobs stored before encryption existed do not start with them.</summary>
    public static ReadOnlySpan<byte> Signature => Magic;

    /// <summary>The stored length of <paramref name="plaintextLength"/> bytes sealed with a header of <paramref name="headerLength"/> bytes.</summary>
    public static long StoredLength(long plaintextLength, int headerLength) =>
        headerLength + plaintextLength + TagSize * (plaintextLength == 0 ? 1 : (plaintextLength + ChunkSize - 1) / ChunkSize);

    /// <summary>
    /// The plaintext length of an envelope <paramref name="storedLength"/> bytes long with a header of <paramref name="headerLength"/>
    /// bytes (the inverse of <see cref="StoredLength"/>), or null when no envelope is that long: stored bytes that are not an
    /// envelope of this header's length.
    /// </summary>
    public static long? PlaintextLength(long storedLength, int headerLength)
    {
        var body = storedLength - headerLength;
        if (body < TagSize)
        {
            return null;
        }
        var chunks = (body + ChunkSize + TagSize - 1) / (ChunkSize + TagSize);
        var plaintext = body - chunks * TagSize;
        return StoredLength(plaintext, headerLength) == storedLength ? plaintext : null;
    }

    /// <summary>The length of every envelope header <paramref name="kek"/> writes (it depends only on the key's id and wrapping).</summary>
    public static int HeaderLength(IKeyEncryptionKey kek)
    {
        using var encryptor = new BlobEncryptor(kek);
        return encryptor.Header.Length;
    }

    /// <summary>Seals <paramref name="plaintext"/>, held whole in memory (a chunk of an upload, a manifest), into one envelope.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> plaintext, IKeyEncryptionKey kek)
    {
        using var stored = new MemoryStream();
        using (var sealing = new SealingStream(stored, kek))
        {
            sealing.Write(plaintext);
            sealing.Finish();
        }
        return stored.ToArray();
    }

    internal static void Nonce(Span<byte> nonce, long chunk, bool last)
    {
        nonce.Clear();
        BinaryPrimitives.WriteInt64BigEndian(nonce, chunk);
        nonce[11] = last ? (byte)1 : (byte)0;
    }

    /// <summary>
    /// Opens a stored blob: the plaintext when it is an envelope (its header read and its data key unwrapped here, so that
    /// a wrong key is known before any byte is read), or the stored bytes themselves when it is a blob stored in clear.
    /// Seekable when <paramref name="stored"/> is. Names <paramref name="sha256"/> in its refusals.
    /// </summary>
    public static async Task<OpenedBlob> OpenAsync(Stream stored, string sha256, IKeyEncryptionKey kek, CancellationToken cancellationToken)
    {
        var start = new byte[Magic.Length];
        var read = await stored.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, cancellationToken);
        if (read < Magic.Length || !start.AsSpan().SequenceEqual(Magic))
        {
            if (stored.CanSeek)
            {
                stored.Position = 0;
                return new OpenedBlob(stored, Encrypted: false);
            }
            return new OpenedBlob(new PrefixedStream(start.AsMemory(0, read), stored), Encrypted: false);
        }
        var fixedPart = new byte[5];
        await ReadHeaderAsync(stored, fixedPart, sha256, cancellationToken);
        var chunkSize = BinaryPrimitives.ReadInt32BigEndian(fixedPart);
        var keyId = new byte[fixedPart[4]];
        await ReadHeaderAsync(stored, keyId, sha256, cancellationToken);
        var wrappedLength = new byte[2];
        await ReadHeaderAsync(stored, wrappedLength, sha256, cancellationToken);
        var wrapped = new byte[BinaryPrimitives.ReadUInt16BigEndian(wrappedLength)];
        await ReadHeaderAsync(stored, wrapped, sha256, cancellationToken);
        if (chunkSize is <= 0 or > MaxChunkSize)
        {
            throw new DamagedBlobException($"The envelope header of blob {sha256} is malformed: its chunk size is {chunkSize} bytes.");
        }
        var id = Encoding.ASCII.GetString(keyId);
        if (id != kek.Id)
        {
            throw new DamagedBlobException($"The data key of blob {sha256} was wrapped by another key-encryption key ({Printable(id)}), not this installation's ({kek.Id}).");
        }
        byte[] dataKey;
        try
        {
            dataKey = kek.Unwrap(wrapped, [.. Magic, .. fixedPart, .. keyId]);
        }
        catch (CryptographicException)
        {
            throw new DamagedBlobException($"The wrapped data key of blob {sha256} does not open: its envelope header was altered.");
        }
        var headerLength = Magic.Length + fixedPart.Length + keyId.Length + wrappedLength.Length + wrapped.Length;
        return new OpenedBlob(new DecryptingStream(stored, sha256, dataKey, chunkSize, headerLength), Encrypted: true);
    }

    private static async Task ReadHeaderAsync(Stream stored, byte[] into, string sha256, CancellationToken cancellationToken)
    {
        if (await stored.ReadAtLeastAsync(into, into.Length, throwOnEndOfStream: false, cancellationToken) < into.Length)
        {
            throw new DamagedBlobException($"Blob {sha256} ends inside its envelope header: it was truncated.");
        }
    }

    private static string Printable(string id) => new(id.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
}

/// <summary>A stored blob opened for reading: its original bytes, and whether they were stored encrypted.</summary>
public sealed record OpenedBlob(Stream Content, bool Encrypted);

/// <summary>
/// A stored blob that does not open as it was stored: altered, truncated, its chunks reordered, or wrapped by another
/// installation's key. Its bytes are never handed out; verify reports it as a finding.
/// </summary>
public sealed class DamagedBlobException(string message, Exception? inner = null) : EvidenceException(message, inner);

/// <summary>Seals one blob: its header, then its chunks in order, the last one marked.</summary>
public sealed class BlobEncryptor : IDisposable
{
    private readonly AesGcm aes;
    private readonly byte[] nonce = new byte[12];
    private long chunk;

    public BlobEncryptor(IKeyEncryptionKey kek)
    {
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var keyId = Encoding.ASCII.GetBytes(kek.Id);
        var prefix = new byte[BlobEnvelope.Signature.Length + 5 + keyId.Length];
        BlobEnvelope.Signature.CopyTo(prefix);
        BinaryPrimitives.WriteInt32BigEndian(prefix.AsSpan(BlobEnvelope.Signature.Length), BlobEnvelope.ChunkSize);
        prefix[BlobEnvelope.Signature.Length + 4] = checked((byte)keyId.Length);
        keyId.CopyTo(prefix, BlobEnvelope.Signature.Length + 5);
        var wrapped = kek.Wrap(dataKey, prefix);
        Header = [.. prefix, (byte)(wrapped.Length >> 8), (byte)wrapped.Length, .. wrapped];
        aes = new AesGcm(dataKey, BlobEnvelope.TagSize);
        CryptographicOperations.ZeroMemory(dataKey);
    }

    public byte[] Header { get; }

    /// <summary>Seals the next chunk into <paramref name="stored"/> (its length plus 16 bytes); returns how many bytes that is.</summary>
    public int Seal(ReadOnlySpan<byte> plaintext, bool last, Span<byte> stored)
    {
        BlobEnvelope.Nonce(nonce, chunk++, last);
        aes.Encrypt(nonce, plaintext, stored[..plaintext.Length], stored.Slice(plaintext.Length, BlobEnvelope.TagSize));
        return plaintext.Length + BlobEnvelope.TagSize;
    }

    public void Dispose() => aes.Dispose();
}

/// <summary>
/// The plaintext of an envelope, chunk by chunk. It reads one chunk ahead, because only the end of the stored bytes says
/// which chunk is the last one (and so which nonce it was sealed with).
/// </summary>
internal sealed class DecryptingStream : Stream
{
    private readonly Stream stored;
    private readonly string sha256;
    private readonly AesGcm aes;
    private readonly int chunkSize;
    private readonly int headerLength;
    private readonly byte[] nonce = new byte[12];
    private byte[] current;
    private int currentLength;
    private byte[] ahead;
    private int aheadLength = -1; // -1: the chunk after the current one has not been read yet
    private readonly byte[] plain;
    private int plainLength;
    private int plainOffset;
    private long chunk = -1; // the chunk now in `plain`
    private bool ended;

    public DecryptingStream(Stream stored, string sha256, byte[] dataKey, int chunkSize, int headerLength)
    {
        this.stored = stored;
        this.sha256 = sha256;
        this.chunkSize = chunkSize;
        this.headerLength = headerLength;
        aes = new AesGcm(dataKey, BlobEnvelope.TagSize);
        CryptographicOperations.ZeroMemory(dataKey);
        current = new byte[chunkSize + BlobEnvelope.TagSize];
        ahead = new byte[chunkSize + BlobEnvelope.TagSize];
        plain = new byte[chunkSize];
    }

    public override bool CanRead => true;
    public override bool CanSeek => stored.CanSeek;
    public override bool CanWrite => false;

    public override long Length
    {
        get
        {
            var body = stored.Length - headerLength;
            var record = (long)chunkSize + BlobEnvelope.TagSize;
            var chunks = Math.Max(1, (body + record - 1) / record);
            return Math.Max(0, body - chunks * BlobEnvelope.TagSize);
        }
    }

    public override long Position
    {
        get => Math.Max(0, chunk) * chunkSize + plainOffset;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }
        if (plainOffset == plainLength && !ended)
        {
            if (aheadLength < 0)
            {
                aheadLength = stored.ReadAtLeast(ahead, ahead.Length, throwOnEndOfStream: false);
            }
            (current, ahead, currentLength) = (ahead, current, aheadLength);
            aheadLength = stored.ReadAtLeast(ahead, ahead.Length, throwOnEndOfStream: false);
            OpenCurrent();
        }
        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }
        if (plainOffset == plainLength && !ended)
        {
            // The stored bytes are read asynchronously (Azure streams them over the network); opening a chunk is memory work.
            if (aheadLength < 0)
            {
                aheadLength = await stored.ReadAtLeastAsync(ahead, ahead.Length, throwOnEndOfStream: false, cancellationToken);
            }
            (current, ahead, currentLength) = (ahead, current, aheadLength);
            aheadLength = await stored.ReadAtLeastAsync(ahead, ahead.Length, throwOnEndOfStream: false, cancellationToken);
            OpenCurrent();
        }
        return CopyOut(buffer.Span);
    }

    private int CopyOut(Span<byte> buffer)
    {
        var take = Math.Min(buffer.Length, plainLength - plainOffset);
        plain.AsSpan(plainOffset, take).CopyTo(buffer);
        plainOffset += take;
        return take;
    }

    // The chunk after it has been read (or found absent), so whether this one is the last is known.
    private void OpenCurrent()
    {
        chunk++;
        var last = aheadLength == 0;
        plainOffset = 0;
        plainLength = 0;
        if (currentLength == 0)
        {
            if (chunk == 0)
            {
                throw new DamagedBlobException($"Blob {sha256} holds no chunk after its envelope header: it was truncated.");
            }
            ended = true;
            return;
        }
        if (currentLength < BlobEnvelope.TagSize)
        {
            throw new DamagedBlobException($"The stored bytes of blob {sha256} end inside chunk {chunk}: the blob was truncated.");
        }
        if (!TryOpen(current.AsSpan(0, currentLength), chunk, last, plain))
        {
            throw new DamagedBlobException(Diagnose(current.AsSpan(0, currentLength), last));
        }
        plainLength = currentLength - BlobEnvelope.TagSize;
        ended = last;
    }

    private bool TryOpen(ReadOnlySpan<byte> record, long number, bool last, Span<byte> into)
    {
        var length = record.Length - BlobEnvelope.TagSize;
        BlobEnvelope.Nonce(nonce, number, last);
        try
        {
            aes.Decrypt(nonce, record[..length], record[length..], into[..length]);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    // Only on failure: what happened to this chunk, so that verify names it rather than saying "does not open".
    private string Diagnose(ReadOnlySpan<byte> record, bool last)
    {
        var scratch = new byte[record.Length];
        if (last && TryOpen(record, chunk, last: false, scratch))
        {
            return $"The stored bytes of blob {sha256} end after chunk {chunk}, which was not their last: the blob was truncated.";
        }
        for (long other = 0; other < chunk + 1024; other++)
        {
            if (other != chunk && (TryOpen(record, other, last: false, scratch) || TryOpen(record, other, last: true, scratch)))
            {
                return $"Chunk {chunk} of blob {sha256} holds chunk {other}'s bytes: the chunks were reordered.";
            }
        }
        return $"Chunk {chunk} of blob {sha256} does not authenticate: its stored bytes were altered.";
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        if (!stored.CanSeek)
        {
            throw new NotSupportedException();
        }
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => Length + offset,
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target);
        var number = Math.Min(target / chunkSize, Math.Max(0, (Length - 1) / chunkSize));
        stored.Position = headerLength + number * ((long)chunkSize + BlobEnvelope.TagSize);
        chunk = number - 1;
        ended = false;
        plainOffset = plainLength = 0;
        aheadLength = stored.ReadAtLeast(ahead, ahead.Length, throwOnEndOfStream: false);
        (current, ahead, currentLength) = (ahead, current, aheadLength);
        aheadLength = stored.ReadAtLeast(ahead, ahead.Length, throwOnEndOfStream: false);
        OpenCurrent();
        plainOffset = (int)Math.Min(plainLength, target - number * chunkSize);
        return target;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            aes.Dispose();
            stored.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        aes.Dispose();
        await stored.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>The bytes read to tell a blob stored in clear from an envelope, put back in front of the rest.</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
{
    private ReadOnlyMemory<byte> prefix = prefix;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (prefix.IsEmpty)
        {
            return rest.Read(buffer);
        }
        var take = Math.Min(buffer.Length, prefix.Length);
        prefix.Span[..take].CopyTo(buffer);
        prefix = prefix[take..];
        return take;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        prefix.IsEmpty ? await rest.ReadAsync(buffer, cancellationToken) : Read(buffer.Span);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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
            rest.Dispose();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => rest.DisposeAsync();
}
