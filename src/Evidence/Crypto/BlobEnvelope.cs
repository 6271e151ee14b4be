using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Evidence.Requests;

namespace Evidence.Crypto;

/// <summary>
/// How evidence bytes are stored: envelope encryption with a fresh 256-bit data key per blob, wrapped by the installation's
/// key-encryption key, the bytes sealed with AES-256-GCM in chunks of 64 KiB so that a file of any size streams in and out.
/// <code>
/// header:  "EVBLOB" 0x00 0x02 | chunk size (uint32 BE) | key id length (1 byte) | key id (ASCII)
///          | wrapped data key length (uint16 BE) | wrapped data key (its context: every header byte before it)
/// chunks:  ciphertext | 16-byte tag, one per chunk of plaintext; every chunk full but the last; an empty blob is one empty chunk
/// nonce:   chunk number (uint64 BE) | 0x00 0x00 0x00 | 0x01 on the last chunk, else 0x00
/// sealed for (32 bytes): the last chunk's associated data, and written once more, in clear, after it
/// </code>
/// The nonce binds each chunk to its place, so chunks cannot be reordered, and marks the last one, so a blob cut after any
/// chunk does not open (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár). A nonce never repeats under a
/// key because every blob has its own key. Plaintext is released only after its chunk's tag has been checked: a damaged blob
/// is refused from the first damaged chunk on, never handed out as other bytes.
/// <para>
/// What an envelope is sealed for (<see cref="Binding"/>) binds it to its place: for an evidence blob its address, the
/// SHA-256 of its original bytes (only known once they have all been read, which is why it goes with the last chunk and not
/// in the header: a stream to Azure cannot go back to the header); for anything else the SHA-256 of its name (an upload's
/// chunk <c>upload/n</c>, its manifest <c>upload/manifest</c>). So an envelope copied whole over another blob, which opens
/// under the same key-encryption key, is refused at its last chunk. The copy in clear after it is only a hint, authenticated
/// by that chunk: it lets the refusal name where the envelope was sealed for.
/// </para>
/// <para>
/// Version 1 (<c>"EVBLOB" 0x00 0x01</c>, the same without what it is sealed for) is still opened, for homes sealed before
/// version 2; <c>evidence encrypt-existing</c> seals its blobs again as version 2, and verify names those not yet sealed so.
/// </para>
/// </summary>
public static class BlobEnvelope
{
    public const int ChunkSize = 64 * 1024;
    internal const int TagSize = 16;
    internal const int BindingSize = 32;
    private const int MaxChunkSize = 16 << 20;
    private static readonly byte[] Magic = "EVBLOB\0\u0002"u8.ToArray();
    private static readonly byte[] MagicVersion1 = "EVBLOB\0\u0001"u8.ToArray();

    /// <summary>The first bytes of every envelope written now (version 2).</summary>
    public static ReadOnlySpan<byte> Signature => Magic;

    /// <summary>Whether <paramref name="start"/> (at least <see cref="Signature"/>'s length) begins an envelope of either version; blobs stored in clear do not.</summary>
    public static bool IsEnvelope(ReadOnlySpan<byte> start) =>
        start.Length >= Magic.Length && (start[..Magic.Length].SequenceEqual(Magic) || start[..Magic.Length].SequenceEqual(MagicVersion1));

    /// <summary>
    /// What an envelope named <paramref name="name"/> is sealed for: the 32 bytes of a SHA-256 address in lower-case hex (an
    /// evidence blob, a package), or the SHA-256 of any other name (an upload's chunk or manifest), which cannot be an address.
    /// </summary>
    public static byte[] Binding(string name) =>
        Storage.BlobKey.IsSha256Hex(name) ? Convert.FromHexString(name) : SHA256.HashData(Encoding.UTF8.GetBytes(name));

    /// <summary>The stored length of <paramref name="plaintextLength"/> bytes sealed (as version 2) with a header of <paramref name="headerLength"/> bytes.</summary>
    public static long StoredLength(long plaintextLength, int headerLength) =>
        headerLength + plaintextLength + TagSize * (plaintextLength == 0 ? 1 : (plaintextLength + ChunkSize - 1) / ChunkSize) + BindingSize;

    /// <summary>
    /// The plaintext length of an envelope <paramref name="storedLength"/> bytes long with a header of <paramref name="headerLength"/>
    /// bytes (the inverse of <see cref="StoredLength"/>), or null when no envelope is that long: stored bytes that are not an
    /// envelope of this header's length.
    /// </summary>
    public static long? PlaintextLength(long storedLength, int headerLength)
    {
        var body = storedLength - headerLength - BindingSize;
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

    /// <summary>Seals <paramref name="plaintext"/>, held whole in memory (a manifest), into one envelope sealed for <paramref name="name"/>.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> plaintext, string name, IKeyEncryptionKey kek)
    {
        using var stored = new MemoryStream();
        using (var sealing = new SealingStream(stored, kek))
        {
            sealing.Write(plaintext);
            sealing.Finish(name);
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
    /// Seekable when <paramref name="stored"/> is. A version 2 envelope opens only for the <paramref name="sha256"/> (or other
    /// name, <see cref="Binding"/>) it was sealed for, which its refusals name.
    /// </summary>
    public static async Task<OpenedBlob> OpenAsync(Stream stored, string sha256, IKeyEncryptionKey kek, CancellationToken cancellationToken)
    {
        var start = new byte[Magic.Length];
        var read = await stored.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, cancellationToken);
        if (read < Magic.Length || !IsEnvelope(start))
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
            dataKey = kek.Unwrap(wrapped, [.. start, .. fixedPart, .. keyId]);
        }
        catch (CryptographicException)
        {
            throw new DamagedBlobException($"The wrapped data key of blob {sha256} does not open: its envelope header was altered.");
        }
        var headerLength = Magic.Length + fixedPart.Length + keyId.Length + wrappedLength.Length + wrapped.Length;
        if (start.AsSpan().SequenceEqual(MagicVersion1))
        {
            return new OpenedBlob(new DecryptingStream(stored, sha256, dataKey, chunkSize, headerLength, sealedFor: null), Encrypted: true);
        }
        return new OpenedBlob(new DecryptingStream(new HoldingBackStream(stored, BindingSize), sha256, dataKey, chunkSize, headerLength, Binding(sha256)),
                              Encrypted: true, SealedForAddress: true);
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

/// <summary>
/// A stored blob opened for reading: its original bytes, whether they were stored encrypted, and whether in an envelope sealed
/// for its address (version 2; a version 1 envelope is not).
/// </summary>
public sealed record OpenedBlob(Stream Content, bool Encrypted, bool SealedForAddress = false);

/// <summary>
/// A stored blob that does not open as it was stored: altered, truncated, its chunks reordered, or wrapped by another
/// installation's key. Its bytes are never handed out; verify reports it as a finding.
/// </summary>
public sealed class DamagedBlobException(string message, Exception? inner = null) : EvidenceException(message, inner);

/// <summary>Seals one blob: its header, then its chunks in order, the last one marked and sealed for what the blob is (<see cref="BlobEnvelope.Binding"/>).</summary>
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

    /// <summary>Seals the next chunk, not the last, into <paramref name="stored"/> (its length plus 16 bytes); returns how many bytes that is.</summary>
    public int Seal(ReadOnlySpan<byte> plaintext, Span<byte> stored)
    {
        BlobEnvelope.Nonce(nonce, chunk++, last: false);
        aes.Encrypt(nonce, plaintext, stored[..plaintext.Length], stored.Slice(plaintext.Length, BlobEnvelope.TagSize));
        return plaintext.Length + BlobEnvelope.TagSize;
    }

    /// <summary>
    /// Seals the last chunk for <paramref name="name"/> into <paramref name="stored"/>, followed by what it is sealed for in
    /// clear (its length plus 48 bytes); returns how many bytes that is.
    /// </summary>
    public int SealLast(ReadOnlySpan<byte> plaintext, string name, Span<byte> stored)
    {
        var sealedFor = BlobEnvelope.Binding(name);
        BlobEnvelope.Nonce(nonce, chunk++, last: true);
        aes.Encrypt(nonce, plaintext, stored[..plaintext.Length], stored.Slice(plaintext.Length, BlobEnvelope.TagSize), sealedFor);
        sealedFor.CopyTo(stored[(plaintext.Length + BlobEnvelope.TagSize)..]);
        return plaintext.Length + BlobEnvelope.TagSize + BlobEnvelope.BindingSize;
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
    private readonly byte[]? sealedFor; // null for a version 1 envelope
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

    public DecryptingStream(Stream stored, string sha256, byte[] dataKey, int chunkSize, int headerLength, byte[]? sealedFor)
    {
        this.stored = stored;
        this.sha256 = sha256;
        this.chunkSize = chunkSize;
        this.headerLength = headerLength;
        this.sealedFor = sealedFor;
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
        if (!TryOpen(current.AsSpan(0, currentLength), chunk, last, plain, last ? sealedFor : null))
        {
            throw new DamagedBlobException(Diagnose(current.AsSpan(0, currentLength), last));
        }
        if (last && sealedFor is not null && stored is HoldingBackStream holding && !holding.Held.AsSpan().SequenceEqual(sealedFor))
        {
            throw new DamagedBlobException($"What blob {sha256} is sealed for, written in clear after its last chunk, was altered.");
        }
        plainLength = currentLength - BlobEnvelope.TagSize;
        ended = last;
    }

    private bool TryOpen(ReadOnlySpan<byte> record, long number, bool last, Span<byte> into, ReadOnlySpan<byte> associated)
    {
        var length = record.Length - BlobEnvelope.TagSize;
        BlobEnvelope.Nonce(nonce, number, last);
        try
        {
            aes.Decrypt(nonce, record[..length], record[length..], into[..length], associated);
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
        if (last && sealedFor is not null && stored is HoldingBackStream { Held: var held })
        {
            if (held.Length < BlobEnvelope.BindingSize)
            {
                return $"The stored bytes of blob {sha256} end before what it is sealed for: the blob was truncated.";
            }
            // Its key opened the header, so this envelope is one of ours: if its last chunk authenticates for what follows it
            // in clear, it was sealed whole for that other blob, and copied here.
            if (!held.AsSpan().SequenceEqual(sealedFor) && TryOpen(record, chunk, last: true, scratch, held))
            {
                return $"Blob {sha256} holds an envelope sealed for another address ({Convert.ToHexStringLower(held)}): another blob's envelope was copied over it.";
            }
            // Cut after a chunk that was not the last: what was taken for what it is sealed for is the end of that chunk.
            byte[] whole = [.. record, .. held];
            if (TryOpen(whole, chunk, last: false, new byte[whole.Length], null))
            {
                return $"The stored bytes of blob {sha256} end after chunk {chunk}, which was not their last: the blob was truncated.";
            }
        }
        if (last && TryOpen(record, chunk, last: false, scratch, null))
        {
            return $"The stored bytes of blob {sha256} end after chunk {chunk}, which was not their last: the blob was truncated.";
        }
        for (long other = 0; other < chunk + 1024; other++)
        {
            if (other != chunk && (TryOpen(record, other, last: false, scratch, null) || TryOpen(record, other, last: true, scratch, sealedFor)))
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

/// <summary>
/// The stored bytes of a version 2 envelope after its header, less the last <paramref name="hold"/> (what it is sealed for,
/// in clear), which are kept back and, once the end is reached, are <see cref="Held"/>. So the chunks are read exactly as
/// in version 1, in one pass, whether or not the store's stream can seek.
/// </summary>
internal sealed class HoldingBackStream(Stream inner, int hold) : Stream
{
    // Bytes read from the stream and not yet handed on; the last `hold` of them are never handed on.
    private readonly byte[] window = new byte[hold + BlobEnvelope.ChunkSize];
    private int windowLength;
    private bool ended;

    /// <summary>The last bytes of the stream (fewer when it was shorter); complete only once a read has returned 0.</summary>
    public byte[] Held => window.AsSpan(0, Math.Min(windowLength, hold)).ToArray();

    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => Math.Max(0, inner.Length - hold);

    public override long Position
    {
        get => inner.Position - windowLength;
        set
        {
            inner.Position = value;
            windowLength = 0;
            ended = false;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (windowLength <= hold && !ended)
        {
            var read = inner.Read(window.AsSpan(windowLength));
            ended = read == 0;
            windowLength += read;
        }
        return HandOn(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (windowLength <= hold && !ended)
        {
            var read = await inner.ReadAsync(window.AsMemory(windowLength), cancellationToken);
            ended = read == 0;
            windowLength += read;
        }
        return HandOn(buffer.Span);
    }

    private int HandOn(Span<byte> buffer)
    {
        var take = Math.Min(buffer.Length, windowLength - hold);
        if (take <= 0)
        {
            return 0;
        }
        window.AsSpan(0, take).CopyTo(buffer);
        window.AsSpan(take, windowLength - take).CopyTo(window);
        windowLength -= take;
        return take;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => Position + offset,
        _ => Length + offset,
    };

    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
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
