using System.Reflection;
using Evidence.Crypto;
using Evidence.Ingest;
using Evidence.Storage;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Attack19;

/// <summary>
/// An upload whose sender goes away (or whose source fails) while the previous chunk is still being written: HashingCopy
/// used to leave at once, with that write still running on another thread. Its caller then disposed the staging writer,
/// which since the envelope buffers are rented returns its plaintext buffer to the shared pool, cleared; the write still
/// running then copied the evidence into that buffer, which the pool may already have handed to another request (another
/// upload's envelope, which would then seal these bytes into its own blob).
/// </summary>
public sealed class EnvelopeBufferRaceAttackTests
{
    [Fact]
    public async Task ASourceThatFailsWhileAChunkIsWritten_LeavesNoEvidenceInABufferReturnedToThePool()
    {
        using var home = new TestHome();
        var inFlight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gated = new GatedStore(inFlight, gate);
        var store = new EncryptedBlobStore(gated, KeyEncryptionKeyFile.LoadOrCreate(Path.Combine(home.Path, "kek.key")));
        var secret = new byte[HashingCopy.ChunkSize];
        Array.Fill(secret, (byte)0xA5);

        var writer = await store.BeginStagingAsync(CancellationToken.None);
        var plain = (byte[])writer.GetType().GetField("plain", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(writer)!;
        // The store's disk answers a little later, as a slow disk does; the sender is gone by then.
        _ = inFlight.Task.ContinueWith(async _ =>
        {
            await Task.Delay(300);
            gate.TrySetResult();
        }, TaskScheduler.Default);
        try
        {
            await Assert.ThrowsAsync<IOException>(() => HashingCopy.CopyAsync(new SenderGoesAway(secret, inFlight.Task), writer, null, CancellationToken.None));
            // The copy has failed, and its caller is about to dispose the writer: nothing may be writing to it any more.
            Assert.False(gated.Writer!.Writing, "HashingCopy failed while a write to the staging writer was still running");
        }
        finally
        {
            await writer.DisposeAsync(); // as `await using` in EvidenceIntake does
        }
        gate.TrySetResult();
        await Task.Delay(700); // whatever was still running has run

        Assert.True(plain.AsSpan().IndexOf((byte)0xA5) < 0,
            "evidence bytes were written into the envelope's plaintext buffer after it was cleared and returned to the shared pool");
    }

    /// <summary>A request body: one full chunk, then the connection drops once the first chunk is being written.</summary>
    private sealed class SenderGoesAway(byte[] first, Task dropWhen) : Stream
    {
        private int position;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (position < first.Length)
            {
                var n = Math.Min(buffer.Length, first.Length - position);
                first.AsMemory(position, n).CopyTo(buffer);
                position += n;
                return n;
            }
            await dropWhen;
            throw new IOException("The client reset the connection.");
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A store underneath whose second write (the first sealed chunk) waits for a slow disk.</summary>
    private sealed class GatedStore(TaskCompletionSource inFlight, TaskCompletionSource gate) : IBlobStore
    {
        public string Description => "gated";
        public IUploadArea Uploads => null!;
        public GatedWriter? Writer { get; private set; }
        public Task<IStagingWriter> BeginStagingAsync(CancellationToken cancellationToken) => Task.FromResult<IStagingWriter>(Writer = new GatedWriter(inFlight, gate));
        public Task<int> PrepareAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> PromoteAsync(StagedBlob staged, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task ReplaceAsync(StagedBlob staged, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task MakeDurableAsync(IReadOnlyCollection<string> sha256s, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task DiscardAsync(StagedBlob staged, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task DeleteAsync(string sha256, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<Stream> OpenReadAsync(string sha256, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<Stream> OpenStagedAsync(StagedBlob staged, CancellationToken cancellationToken) => throw new NotSupportedException();
        public IAsyncEnumerable<StoredBlob> ListAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    internal sealed class GatedWriter(TaskCompletionSource inFlight, TaskCompletionSource gate) : IStagingWriter
    {
        private int writes;

        public bool Writing { get; private set; }

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
        {
            Writing = true;
            if (++writes == 2)
            {
                inFlight.TrySetResult();
                await gate.Task;
            }
            Writing = false;
        }

        public Task<StagedBlob> CompleteAsync(string sha256, long size, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
