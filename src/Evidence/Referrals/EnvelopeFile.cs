using System.Security.Cryptography;

namespace Evidence.Referrals;

/// <summary>
/// The encrypted package's file (<c>.p7m</c>) as the CMS envelope is written into it, front to back, and its SHA-256 and
/// size counted on the way: what travels to the recipient is recorded by hash without reading the file again.
/// <paramref name="file"/> is the file, or, for a package kept in the home's package folder, the envelope that seals it at rest.
/// </summary>
internal sealed class EnvelopeFile(Stream file) : Stream
{
    private readonly IncrementalHash sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long length;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => length;

    public override long Position
    {
        get => length;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        file.Write(buffer);
        sha256.AppendData(buffer);
        length += buffer.Length;
    }

    public override void Flush() => file.Flush();

    /// <summary>The SHA-256 (lower-case hex) of everything written; call once, when the envelope is finished.</summary>
    public string Sha256() => Convert.ToHexStringLower(sha256.GetHashAndReset());

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            sha256.Dispose(); // the file is the unit of work's to close, rename or remove
        }
        base.Dispose(disposing);
    }
}
