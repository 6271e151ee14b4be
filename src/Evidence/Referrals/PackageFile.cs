using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace Evidence.Referrals;

/// <summary>
/// The package's zip file as it is written, and the SHA-256 the package is recorded by, computed while it is written
/// instead of by reading the finished gigabytes again.
/// <para>
/// A zip entry's local header gets its CRC-32 and sizes only after its data (the zip writer goes back and fills them
/// in), so the hash cannot follow the writes byte for byte. Instead the bag writer seals the file after each entry
/// (<see cref="Seal"/>), and another thread hashes, in file order, everything up to the seal, read back from the file
/// (from the page cache: it was just written). A write below the seal is refused: a zip writer that went back over bytes
/// already hashed would otherwise make the recorded hash wrong without anyone noticing.
/// </para>
/// <para>
/// A package encrypted to its recipient (<c>--encrypt-to</c>), or kept sealed in the home's package folder
/// (<see cref="SealedPackages"/>), is not this file: the file is then scratch, written through a <see cref="ScratchCipher"/>
/// under a key only this process holds, and the hashing thread, which reads every sealed byte once and in order anyway,
/// decrypts each piece and writes it on to what the zip becomes (the CMS envelope, the sealed file) as well as to the hash.
/// </para>
/// Small writes (the zip writer writes a header a field at a time) are gathered into one; large ones go straight to the
/// file. Only what the zip writer needs is supported: writing, seeking, the position and the length.
/// </summary>
internal sealed class PackageFile : Stream
{
    private readonly SafeFileHandle file;
    private readonly Stream? onward;
    private readonly ScratchCipher? writeCipher;
    private readonly ScratchCipher? readCipher;
    private readonly byte[] pending = new byte[64 << 10];
    private readonly Channel<long> seals = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Task<byte[]> hashing;
    private int pendingLength;
    private long pendingAt;
    private long position;
    private long length;
    private long sealedAt;
    private byte[]? scrambled;

    /// <param name="file">Where the zip is written.</param>
    /// <param name="onward">
    /// When the zip is not kept as it is (encrypted to its recipient, sealed at rest): where its bytes go, in order;
    /// <paramref name="file"/> is then scratch.
    /// </param>
    public PackageFile(SafeFileHandle file, Stream? onward = null)
    {
        this.file = file;
        this.onward = onward;
        if (onward is not null)
        {
            var key = RandomNumberGenerator.GetBytes(32);
            (writeCipher, readCipher) = (new ScratchCipher(key), new ScratchCipher(key));
            CryptographicOperations.ZeroMemory(key);
        }
        hashing = Task.Run(HashSealedAsync);
    }

    public override bool CanRead => false;
    public override bool CanSeek => true;
    public override bool CanWrite => true;
    public override long Length => length;

    public override long Position
    {
        get => position;
        set => position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => position + offset,
        _ => length + offset,
    };

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (position < sealedAt)
        {
            throw new InvalidOperationException($"The zip writer went back to offset {position}, below {sealedAt}, which is already hashed.");
        }
        if (pendingLength > 0 && (position != pendingAt + pendingLength || pendingLength + buffer.Length > pending.Length))
        {
            Flush();
        }
        if (buffer.Length >= pending.Length)
        {
            WriteAt(buffer, position);
        }
        else
        {
            if (pendingLength == 0)
            {
                pendingAt = position;
            }
            buffer.CopyTo(pending.AsSpan(pendingLength));
            pendingLength += buffer.Length;
        }
        position += buffer.Length;
        length = Math.Max(length, position);
    }

    // Writing to the page cache does not wait for the disk (the fsync at the end does), so the asynchronous forms write at once.
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes the gathered small writes to the file (not to the disk: that is the caller's fsync).</summary>
    public override void Flush()
    {
        if (pendingLength > 0)
        {
            WriteAt(pending.AsSpan(0, pendingLength), pendingAt);
            pendingLength = 0;
        }
    }

    private void WriteAt(ReadOnlySpan<byte> bytes, long at)
    {
        if (writeCipher is null)
        {
            RandomAccess.Write(file, bytes, at);
            return;
        }
        // The caller's bytes are never changed in place: each piece is copied, encrypted and written.
        var piece = scrambled ??= new byte[1 << 20];
        for (var done = 0; done < bytes.Length;)
        {
            var length = Math.Min(piece.Length, bytes.Length - done);
            bytes.Slice(done, length).CopyTo(piece);
            writeCipher.Apply(piece.AsSpan(0, length), at + done);
            RandomAccess.Write(file, piece.AsSpan(0, length), at + done);
            done += length;
        }
    }

    /// <summary>
    /// Everything written so far is final: called by the bag writer after each entry is closed, when the zip writer has
    /// filled in its header and is back at the end of the file.
    /// </summary>
    public void Seal()
    {
        if (position != length)
        {
            throw new InvalidOperationException($"The zip writer is at offset {position}, not at the end ({length}), after closing an entry.");
        }
        Flush();
        sealedAt = length;
        seals.Writer.TryWrite(sealedAt);
    }

    /// <summary>Seals the whole file and returns its SHA-256 once every byte is hashed.</summary>
    public async Task<byte[]> HashAsync()
    {
        Seal();
        seals.Writer.TryComplete();
        return await hashing;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The hashing thread reads the file: it must be done before the caller closes it, even when building failed.
            seals.Writer.TryComplete();
            try
            {
                hashing.GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or CryptographicException)
            {
                // Building has failed already, or HashAsync reported it: never hide the first failure behind this one.
            }
            writeCipher?.Dispose();
            readCipher?.Dispose();
        }
        base.Dispose(disposing);
    }

    private async Task<byte[]> HashSealedAsync()
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long hashed = 0;
        await foreach (var upTo in seals.Reader.ReadAllAsync())
        {
            while (hashed < upTo)
            {
                var read = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, upTo - hashed)), hashed);
                if (read == 0)
                {
                    throw new IOException($"The package file ended at {hashed} bytes while {upTo} were written.");
                }
                readCipher?.Apply(buffer.AsSpan(0, read), hashed);
                sha256.AppendData(buffer, 0, read);
                onward?.Write(buffer, 0, read);
                hashed += read;
            }
        }
        return sha256.GetHashAndReset();
    }
}
