namespace Evidence.Crypto;

/// <summary>
/// Seals the bytes written to it, in order, into one envelope (<see cref="BlobEnvelope"/>) written front to back on
/// <paramref name="stored"/>: for what is written once and read back whole, a package kept in the home's package folder or a
/// chunk of an upload. <see cref="Finish"/> seals the last chunk as the last, for what the bytes are (<see cref="BlobEnvelope.Binding"/>:
/// known only then, for a package, whose SHA-256 it is); an envelope never finished does not open, so
/// bytes abandoned half-way are never taken for a whole file. <paramref name="stored"/> stays the caller's to flush and close.
/// </summary>
public sealed class SealingStream(Stream stored, IKeyEncryptionKey kek) : Stream
{
    private readonly BlobEncryptor encryptor = new(kek);
    private readonly byte[] plain = new byte[BlobEnvelope.ChunkSize];
    private readonly byte[] sealedChunk = new byte[BlobEnvelope.ChunkSize + BlobEnvelope.TagSize + BlobEnvelope.BindingSize];
    private int filled;
    private long length;
    private bool started;
    private bool finished;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;

    /// <summary>The plaintext bytes written so far.</summary>
    public override long Length => length;

    public override long Position
    {
        get => length;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        RefuseIfFinished();
        Start();
        length += buffer.Length;
        while (!buffer.IsEmpty)
        {
            // A full chunk is sealed only when more bytes follow it: the last one is sealed as the last by Finish.
            if (filled == plain.Length)
            {
                var sealedLength = encryptor.Seal(plain.AsSpan(0, filled), sealedChunk);
                filled = 0;
                stored.Write(sealedChunk.AsSpan(0, sealedLength));
            }
            var take = Math.Min(buffer.Length, plain.Length - filled);
            buffer[..take].CopyTo(plain.AsSpan(filled));
            filled += take;
            buffer = buffer[take..];
        }
    }

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

    /// <summary>Seals the last chunk, for <paramref name="name"/> (a SHA-256 address, or another name). Nothing can be written after it.</summary>
    public void Finish(string name)
    {
        RefuseIfFinished();
        Start();
        var sealedLength = encryptor.SealLast(plain.AsSpan(0, filled), name, sealedChunk);
        filled = 0;
        stored.Write(sealedChunk.AsSpan(0, sealedLength));
        finished = true;
    }

    private void RefuseIfFinished()
    {
        if (finished)
        {
            throw new InvalidOperationException("The envelope is finished: its last chunk is sealed.");
        }
    }

    private void Start()
    {
        if (!started)
        {
            started = true;
            stored.Write(encryptor.Header);
        }
    }

    public override void Flush() => stored.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            encryptor.Dispose();
        }
        base.Dispose(disposing);
    }
}
