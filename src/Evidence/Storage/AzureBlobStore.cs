using System.Runtime.CompilerServices;
using System.Text;
using Evidence.Requests;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;

namespace Evidence.Storage;

/// <summary>
/// Blobs in one Azure Blob Storage container (Azurite in tests). Bytes are staged as blocks of
/// <c>staging/&lt;guid&gt;</c>, committed, then copied server-side to their content address under an
/// if-none-match condition, so an existing blob is never overwritten.
/// A blob that fits in one block is not staged in the container: its bytes are already in the writer's block buffer when
/// its hash is known, so they are held there and put at their content address in one request, under the same condition.
/// That is one request per new blob instead of six (stage, commit, exists, copy, check the copy's length, delete the
/// staging blob), and leaves nothing in staging for a crash to orphan. Held bytes wait in memory until their request commits,
/// and one web request may stage thousands of files before its first is recorded: so a server holds at most
/// <see cref="MaxHeldBytes"/> of them at a time, and stages the rest in the container as a larger blob is.
/// Transfer validation is MD5 because Azurite does not understand the SDK's CRC64 structured messages.
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    internal const int BlockSize = 8 << 20;

    /// <summary>
    /// What one server keeps of small blobs in memory (their buffers) until they are promoted, replaced or discarded: 32 blocks.
    /// Without a bound, one multipart request of small files (up to the upload limit, 8 GiB by default) was held whole.
    /// </summary>
    internal const long MaxHeldBytes = 32L * BlockSize;

    private long heldBytes;

    private readonly BlobContainerClient container;
    private readonly TimeSpan stagingMaxAge;
    private readonly TimeProvider clock;

    public AzureBlobStore(string connectionString, string containerName, int retries, TimeSpan stagingMaxAge, TimeProvider clock)
    {
        var options = new BlobClientOptions
        {
            Retry = { MaxRetries = retries, Delay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(5), NetworkTimeout = TimeSpan.FromSeconds(60) },
            TransferValidation =
            {
                Upload = { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
                // Downloads are checked by re-hashing with SHA-256 (verify); per-range MD5 is capped at 4 MiB by the service.
                Download = { ChecksumAlgorithm = StorageChecksumAlgorithm.None },
            },
        };
        container = new BlobServiceClient(connectionString, options).GetBlobContainerClient(containerName);
        this.stagingMaxAge = stagingMaxAge;
        this.clock = clock;
        Uploads = new AzureUploadArea(container, this);
    }

    public IUploadArea Uploads { get; }

    public string Description => $"Azure container {container.Name} at {container.Uri.GetLeftPart(UriPartial.Authority)}";

    public Task<int> PrepareAsync(CancellationToken cancellationToken) => Guard(async () =>
    {
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var removed = 0;
        var cutoff = clock.GetUtcNow() - stagingMaxAge;
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = "staging/" }, cancellationToken))
        {
            // Resumable uploads may rightly last days; their own clean-up is Recovery/AbandonedUploads.
            if (blob.Name.StartsWith(AzureUploadArea.Prefix, StringComparison.Ordinal))
            {
                continue;
            }
            if (blob.Properties.LastModified is { } modified && modified <= cutoff)
            {
                await container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
                removed++;
            }
        }
        return removed;
    });

    public Task<IStagingWriter> BeginStagingAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IStagingWriter>(new Writer(this, $"{Guid.NewGuid():N}"));

    // Azure answers a write only once it is stored durably (three copies at least), so there is nothing left to flush.
    public Task MakeDurableAsync(IReadOnlyCollection<string> sha256s, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<bool> PromoteAsync(StagedBlob staged, CancellationToken cancellationToken) => Guard(async () =>
    {
        var source = container.GetBlobClient(StagingKey(staged.StagingName));
        var target = container.GetBlobClient(BlobKey.For(staged.Sha256));
        if (staged.Held is { } held)
        {
            try
            {
                await PutAsync(target, held.Bytes, staged, new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Taken already: whether by the same content is for the caller to check, as below.
                await WaitForCopyAsync(target, cancellationToken);
                return false;
            }
            finally
            {
                // Put or failed, it is not held for this store any more: whoever still has it discards it.
                held.Release();
            }
        }
        if (await target.ExistsAsync(cancellationToken))
        {
            await source.DeleteIfExistsAsync(cancellationToken: cancellationToken);
            await WaitForCopyAsync(target, cancellationToken);
            return false;
        }
        try
        {
            await CopyAsync(source, target, new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Another writer stored a blob there first: whether it holds the same content is for the caller to check.
            await source.DeleteIfExistsAsync(cancellationToken: cancellationToken);
            await WaitForCopyAsync(target, cancellationToken);
            return false;
        }
        await CheckCopiedLengthAsync(staged, target, cancellationToken);
        await source.DeleteIfExistsAsync(cancellationToken: cancellationToken);
        return true;
    });

    public Task ReplaceAsync(StagedBlob staged, CancellationToken cancellationToken) => Guard(async () =>
    {
        var source = container.GetBlobClient(StagingKey(staged.StagingName));
        var target = container.GetBlobClient(BlobKey.For(staged.Sha256));
        if (!await target.ExistsAsync(cancellationToken))
        {
            throw new NotFoundException($"No blob with SHA-256 {staged.Sha256} in {Description}.");
        }
        if (staged.Held is { } held)
        {
            try
            {
                // A put, like a copy, replaces the content in one step.
                await PutAsync(target, held.Bytes, staged, conditions: null, cancellationToken);
                return true;
            }
            finally
            {
                held.Release();
            }
        }
        // A copy replaces the target's content when it completes, in one step: readers see the old blob or the new one.
        await CopyAsync(source, target, conditions: null, cancellationToken);
        await CheckCopiedLengthAsync(staged, target, cancellationToken);
        await source.DeleteIfExistsAsync(cancellationToken: cancellationToken);
        return true;
    });

    private async Task CopyAsync(BlobClient source, BlobClient target, BlobRequestConditions? conditions, CancellationToken cancellationToken)
    {
        var sourceUri = source.CanGenerateSasUri
            ? source.GenerateSasUri(BlobSasPermissions.Read, clock.GetUtcNow().AddHours(1))
            : source.Uri;
        var copy = await target.StartCopyFromUriAsync(sourceUri, new BlobCopyFromUriOptions { DestinationConditions = conditions }, cancellationToken);
        await copy.WaitForCompletionAsync(cancellationToken);
    }

    private static async Task PutAsync(BlobClient target, ReadOnlyMemory<byte> held, StagedBlob staged, BlobRequestConditions? conditions,
                                       CancellationToken cancellationToken)
    {
        if (held.Length != staged.Size)
        {
            throw new UnavailableException($"Staged blob {staged.StagingName} holds {held.Length} bytes, expected {staged.Size}.");
        }
        // One request (the SDK's single-shot limit is far above one block), checked in transit by its MD5.
        await target.UploadAsync(BinaryData.FromBytes(held), new BlobUploadOptions { Conditions = conditions }, cancellationToken);
    }

    private async Task CheckCopiedLengthAsync(StagedBlob staged, BlobClient target, CancellationToken cancellationToken)
    {
        var properties = await target.GetPropertiesAsync(cancellationToken: cancellationToken);
        if (properties.Value.ContentLength != staged.Size)
        {
            throw new UnavailableException($"The copy of staged blob {staged.StagingName} to {staged.Sha256} has {properties.Value.ContentLength} bytes, expected {staged.Size}.");
        }
    }

    // Another writer's copy of the same address may still be under way: its bytes are read only once it is complete.
    private static async Task WaitForCopyAsync(BlobClient target, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var properties = (await target.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            if (properties.BlobCopyStatus != CopyStatus.Pending)
            {
                return;
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    public Task DiscardAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        if (staged.Held is { } held)
        {
            held.Release(); // never written to the container
            return Task.CompletedTask;
        }
        return Guard(async () => (await container.DeleteBlobIfExistsAsync(StagingKey(staged.StagingName), cancellationToken: cancellationToken)).Value);
    }

    // Counts a buffer about to be held against MaxHeldBytes; false, and nothing counted, when it would go over.
    private bool TryHold(int bytes)
    {
        if (Interlocked.Add(ref heldBytes, bytes) <= MaxHeldBytes)
        {
            return true;
        }
        Interlocked.Add(ref heldBytes, -bytes);
        return false;
    }

    /// <summary>What this store holds in memory now (tests).</summary>
    internal long HeldBytes => Interlocked.Read(ref heldBytes);

    public Task DeleteAsync(string sha256, CancellationToken cancellationToken) =>
        Guard(async () => (await container.DeleteBlobIfExistsAsync(BlobKey.For(sha256), cancellationToken: cancellationToken)).Value);

    public Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken) =>
        Guard(async () => (await container.GetBlobClient(BlobKey.For(sha256)).ExistsAsync(cancellationToken)).Value);

    public Task<Stream> OpenReadAsync(string sha256, CancellationToken cancellationToken) => Guard(async () =>
    {
        try
        {
            var download = await container.GetBlobClient(BlobKey.For(sha256)).DownloadStreamingAsync(cancellationToken: cancellationToken);
            return download.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new NotFoundException($"No blob with SHA-256 {sha256} in {Description}.");
        }
    });

    public Task<Stream> OpenStagedAsync(StagedBlob staged, CancellationToken cancellationToken) =>
        staged.Held is { } held
            ? Task.FromResult<Stream>(held.OpenRead())
            : Guard(async () => await container.GetBlobClient(StagingKey(staged.StagingName)).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false), cancellationToken));

    public async IAsyncEnumerable<StoredBlob> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = "sha256/" }, cancellationToken))
        {
            var name = blob.Name[(blob.Name.LastIndexOf('/') + 1)..];
            if (BlobKey.IsSha256Hex(name))
            {
                yield return new StoredBlob(name, blob.Properties.ContentLength ?? -1, blob.Properties.LastModified ?? DateTimeOffset.MinValue);
            }
        }
    }

    private static string StagingKey(string name) => $"staging/{name}";

    internal async Task<T> Guard<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException or IOException or AggregateException
                                    || (e is OperationCanceledException && e.InnerException is not null))
        {
            var status = e is RequestFailedException failed ? $" (HTTP {failed.Status} {failed.ErrorCode})" : "";
            throw new UnavailableException($"The blob store ({Description}) failed{status}: {FirstLine(e.Message)}", e);
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private sealed class Writer(AzureBlobStore store, string name) : IStagingWriter
    {
        private readonly BlockBlobClient blob = store.container.GetBlockBlobClient(StagingKey(name));
        private readonly List<string> blockIds = [];
        // Grown as bytes arrive, up to one block: a small blob is held in memory until promoted, in a buffer of about its size.
        private byte[] block = new byte[64 << 10];
        private int filled;
        private bool completed;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
        {
            // Once completed, the block buffer may be the held blob itself, named by a hash of what it held then.
            if (completed)
            {
                throw new InvalidOperationException("The staged blob is complete; nothing more can be written to it.");
            }
            while (!chunk.IsEmpty)
            {
                if (filled == block.Length && block.Length < BlockSize)
                {
                    Array.Resize(ref block, Math.Min(BlockSize, block.Length * 2));
                }
                var take = Math.Min(chunk.Length, block.Length - filled);
                chunk[..take].CopyTo(block.AsMemory(filled));
                filled += take;
                chunk = chunk[take..];
                if (filled == BlockSize)
                {
                    await StageBlockAsync(cancellationToken);
                }
            }
        }

        public Task<StagedBlob> CompleteAsync(string sha256, long size, CancellationToken cancellationToken) => store.Guard(async () =>
        {
            if (blockIds.Count == 0 && store.TryHold(block.Length))
            {
                // All of it is in the block buffer, which this writer no longer uses: held, to be put at its address in one
                // request (or dropped, if the request fails before that).
                completed = true;
                return new StagedBlob(name, sha256, size) { Held = new HeldBlob(block, filled, store) };
            }
            if (filled > 0)
            {
                await StageBlockAsync(cancellationToken);
            }
            await blob.CommitBlockListAsync(blockIds, cancellationToken: cancellationToken);
            completed = true;
            return new StagedBlob(name, sha256, size);
        });

        private Task StageBlockAsync(CancellationToken cancellationToken) => store.Guard(async () =>
        {
            // Block ids must all have the same length: a zero-padded counter.
            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes(blockIds.Count.ToString("d8", System.Globalization.CultureInfo.InvariantCulture)));
            using var content = new MemoryStream(block, 0, filled, writable: false);
            await blob.StageBlockAsync(id, content, cancellationToken: cancellationToken);
            blockIds.Add(id);
            filled = 0;
            return true;
        });

        public async ValueTask DisposeAsync()
        {
            if (completed || blockIds.Count == 0)
            {
                // Uncommitted blocks are never listed and Azure drops them after a week; nothing else to clean.
                return;
            }
            try
            {
                await blob.DeleteIfExistsAsync();
            }
            catch (Exception e) when (e is RequestFailedException or HttpRequestException or IOException or AggregateException or OperationCanceledException)
            {
                // The store is gone; its uncommitted blocks expire on their own.
            }
        }
    }

    /// <summary>
    /// A small blob's bytes kept in memory instead of staged (<see cref="StagedBlob.Held"/>), counted against the store's
    /// <see cref="MaxHeldBytes"/> until it is promoted, replaced or discarded: whichever comes first releases it, once (a
    /// promoted blob is discarded again by its unit of work, through another copy of the record).
    /// </summary>
    internal sealed class HeldBlob(byte[] buffer, int length, AzureBlobStore store)
    {
        private int released;

        public ReadOnlyMemory<byte> Bytes => buffer.AsMemory(0, length);

        public Stream OpenRead() => new MemoryStream(buffer, 0, length, writable: false);

        public void Release()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                Interlocked.Add(ref store.heldBytes, -buffer.Length);
            }
        }
    }
}
