using System.Security.Cryptography;
using Evidence.Crypto;

namespace Evidence.Storage;

/// <summary>
/// An evidence item's bytes on their way out (a web download, a preview, a thumbnail, <c>evidence content</c>), hashed as
/// they pass, in the same pass. The end is reported only once they have been found to be the recorded SHA-256 and size, and
/// the last block read is held back until then: other bytes than those recorded (a blob replaced in storage, an envelope
/// copied over another's address) end in a <see cref="DamagedBlobException"/> before their last block, so a download of them
/// never completes and a file of them is never kept.
/// </summary>
public sealed class CheckedContent(Stream content, string sha256, long size) : Stream
{
    private const int BlockSize = 64 * 1024;
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] current = new byte[BlockSize];
    private byte[] ahead = new byte[BlockSize];
    private int currentLength;
    private int currentOffset;
    private int aheadLength = -1; // -1: nothing read yet
    private long count;

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
        if (aheadLength < 0)
        {
            aheadLength = await FillAsync(ahead, cancellationToken);
        }
        if (currentOffset == currentLength)
        {
            if (aheadLength == 0)
            {
                return 0;
            }
            (current, ahead, currentLength, currentOffset) = (ahead, current, aheadLength, 0);
            aheadLength = await FillAsync(ahead, cancellationToken);
            if (aheadLength == 0)
            {
                // The block now to be handed out is the last: everything has been hashed.
                Check();
            }
        }
        var take = Math.Min(buffer.Length, currentLength - currentOffset);
        current.AsMemory(currentOffset, take).CopyTo(buffer);
        currentOffset += take;
        return take;
    }

    private async Task<int> FillAsync(byte[] block, CancellationToken cancellationToken)
    {
        var read = await content.ReadAtLeastAsync(block, block.Length, throwOnEndOfStream: false, cancellationToken);
        hash.AppendData(block, 0, read);
        count += read;
        if (read == 0 && currentLength == 0)
        {
            Check(); // nothing at all: an empty item, or one whose bytes are gone
        }
        return read;
    }

    private void Check()
    {
        var found = Convert.ToHexStringLower(hash.GetCurrentHash());
        if (found != sha256 || count != size)
        {
            throw new DamagedBlobException($"The bytes of blob {sha256} read from the store are not the ones recorded (sha256 {found}, {count} bytes; recorded {size} bytes); they were not handed out whole.");
        }
    }

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
            hash.Dispose();
            content.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        hash.Dispose();
        await content.DisposeAsync();
        await base.DisposeAsync();
    }
}
