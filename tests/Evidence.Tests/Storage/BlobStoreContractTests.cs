using System.Security.Cryptography;
using System.Text;
using Evidence.Crypto;
using Evidence.Requests;
using Evidence.Storage;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Storage;

/// <summary>
/// What every blob store promises, run against the folder store and against a real Azurite, each as Evidence uses it: under
/// <see cref="EncryptedBlobStore"/>, with a real key-encryption key file.
/// </summary>
public abstract class BlobStoreContractTests : IAsyncLifetime
{
    private readonly TestHome keys = new();

    /// <summary>The store that holds the bytes (folder or Azure), without the encryption.</summary>
    protected abstract Task<IBlobStore> CreateStoredAsync();

    /// <summary>Puts <paramref name="bytes"/> at <paramref name="sha256"/>'s address behind the store's back, as an insider with the storage's own access could.</summary>
    protected abstract Task PlantAsync(string sha256, byte[] bytes);

    /// <summary>The bytes stored at <paramref name="sha256"/>'s address, as the storage holds them.</summary>
    protected abstract Task<byte[]> StoredBytesAsync(string sha256);

    protected IKeyEncryptionKey Kek { get; private set; } = null!;

    protected EncryptedBlobStore Store { get; private set; } = null!;

    protected async Task<EncryptedBlobStore> CreateStoreAsync() => new(await CreateStoredAsync(), Kek);

    public async Task InitializeAsync()
    {
        Kek = KeyEncryptionKeyFile.LoadOrCreate(Path.Combine(keys.Path, "blobs-kek-aes256.key"));
        Store = await CreateStoreAsync();
        await Store.PrepareAsync(CancellationToken.None);
    }

    public virtual Task DisposeAsync()
    {
        keys.Dispose();
        return Task.CompletedTask;
    }

    protected async Task<StagedBlob> StageAsync(byte[] bytes, int chunk = 1 << 20)
    {
        await using var writer = await Store.BeginStagingAsync(CancellationToken.None);
        for (var offset = 0; offset < bytes.Length; offset += chunk)
        {
            await writer.WriteAsync(bytes.AsMemory(offset, Math.Min(chunk, bytes.Length - offset)), CancellationToken.None);
        }
        return await writer.CompleteAsync(Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length, CancellationToken.None);
    }

    protected async Task<byte[]> ReadAsync(string sha256)
    {
        await using var stream = await Store.OpenReadAsync(sha256, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    protected async Task<List<StoredBlob>> ListAsync()
    {
        var list = new List<StoredBlob>();
        await foreach (var blob in Store.ListAsync(CancellationToken.None))
        {
            list.Add(blob);
        }
        return list;
    }

    /// <summary>A batch flushes its blobs once, before its records are committed: promoted blobs stay as they were, and a batch without blobs flushes nothing.</summary>
    [Fact]
    public async Task MakeDurable_PromotedBlobs_StayReadable_AndNoBlobsIsNothingToDo()
    {
        var first = await StageAsync(RandomNumberGenerator.GetBytes(10_240));
        var second = await StageAsync([]);
        await Store.PromoteAsync(first, CancellationToken.None);
        await Store.PromoteAsync(second, CancellationToken.None);

        await Store.MakeDurableAsync([first.Sha256, second.Sha256], CancellationToken.None);
        await Store.MakeDurableAsync([], CancellationToken.None);

        Assert.Equal(10_240, (await ReadAsync(first.Sha256)).Length);
        Assert.Empty(await ReadAsync(second.Sha256));
    }

    /// <summary>
    /// An insider plants other bytes at the address of a file investigators will collect, hoping the file is then recorded as a
    /// duplicate over them. The promotion reads the stored bytes back: it is refused, and the planted bytes stay for verify to name.
    /// </summary>
    [Fact]
    public async Task Promote_OverOtherBytesPlantedAtTheAddress_IsRefused()
    {
        var bytes = RandomNumberGenerator.GetBytes(5_000);
        var staged = await StageAsync(bytes);
        await PlantAsync(staged.Sha256, RandomNumberGenerator.GetBytes(5_000));

        var refused = await Assert.ThrowsAsync<UnavailableException>(() => Store.PromoteAsync(staged, CancellationToken.None));

        Assert.Contains("other bytes", refused.Message, StringComparison.Ordinal);
        Assert.NotEqual(bytes, await ReadAsync(staged.Sha256));
        Assert.Equal(0, await CountStagingAsync());
    }

    /// <summary>A planted file of the right length but other content is refused too: the bytes are hashed, not only counted.</summary>
    [Fact]
    public async Task Promote_OverPlantedBytesOfTheSameLength_IsRefused()
    {
        var bytes = RandomNumberGenerator.GetBytes(1_000);
        var staged = await StageAsync(bytes);
        var planted = (byte[])bytes.Clone();
        planted[500] ^= 1;
        await PlantAsync(staged.Sha256, planted);

        await Assert.ThrowsAsync<UnavailableException>(() => Store.PromoteAsync(staged, CancellationToken.None));
    }

    [Fact]
    public async Task Promote_StagedBytes_AreReadableAtTheirContentAddress()
    {
        var bytes = RandomNumberGenerator.GetBytes(3_000_001);
        var staged = await StageAsync(bytes);

        Assert.True(await Store.PromoteAsync(staged, CancellationToken.None));

        Assert.Equal(bytes, await ReadAsync(staged.Sha256));
        Assert.True(await Store.ExistsAsync(staged.Sha256, CancellationToken.None));
        var header = new BlobEncryptor(Kek).Header.Length;
        Assert.Equal([(staged.Sha256, BlobEnvelope.StoredLength(bytes.Length, header))], (await ListAsync()).Select(b => (b.Sha256, b.Size)));
    }

    /// <summary>Intake reads a file's provenance back from its staged copy: the very bytes hashed, seekable, before promotion.</summary>
    [Fact]
    public async Task OpenStaged_ReadsTheStagedBytes_Seekable()
    {
        var bytes = RandomNumberGenerator.GetBytes(3_000_001);
        var staged = await StageAsync(bytes);

        await using (var stream = await Store.OpenStagedAsync(staged, CancellationToken.None))
        {
            Assert.True(stream.CanSeek);
            stream.Seek(2_999_990, SeekOrigin.Begin);
            var tail = new byte[11];
            await stream.ReadExactlyAsync(tail);
            Assert.Equal(bytes[2_999_990..], tail);
            stream.Seek(0, SeekOrigin.Begin);
            using var all = new MemoryStream();
            await stream.CopyToAsync(all);
            Assert.Equal(bytes, all.ToArray());
        }
        Assert.True(await Store.PromoteAsync(staged, CancellationToken.None));
        Assert.Equal(bytes, await ReadAsync(staged.Sha256));
    }

    [Fact]
    public async Task Promote_LargeBlobOverSeveralBlocks_RoundTrips()
    {
        var bytes = RandomNumberGenerator.GetBytes(AzureBlobStore.BlockSize * 2 + 12345);
        var staged = await StageAsync(bytes, chunk: 777_777);

        Assert.True(await Store.PromoteAsync(staged, CancellationToken.None));

        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await ReadAsync(staged.Sha256)));
    }

    [Fact]
    public async Task Promote_SameBytesTwice_StoresOnceAndReportsTheSecondAsExisting()
    {
        var bytes = RandomNumberGenerator.GetBytes(10_000);

        Assert.True(await Store.PromoteAsync(await StageAsync(bytes), CancellationToken.None));
        Assert.False(await Store.PromoteAsync(await StageAsync(bytes), CancellationToken.None));

        Assert.Single(await ListAsync());
        Assert.Equal(bytes, await ReadAsync(Convert.ToHexStringLower(SHA256.HashData(bytes))));
    }

    [Fact]
    public async Task Promote_NeverOverwritesAnExistingBlob()
    {
        var original = RandomNumberGenerator.GetBytes(1000);
        var first = await StageAsync(original);
        await Store.PromoteAsync(first, CancellationToken.None);

        // A staged blob that claims the same address with other bytes (a bug or an attack) must not replace it.
        var impostor = await StageAsync(RandomNumberGenerator.GetBytes(1000));
        Assert.False(await Store.PromoteAsync(impostor with { Sha256 = first.Sha256 }, CancellationToken.None));

        Assert.Equal(original, await ReadAsync(first.Sha256));
    }

    [Fact]
    public async Task Promote_EmptyBlob_IsStoredWithZeroBytes()
    {
        var staged = await StageAsync([]);

        Assert.True(await Store.PromoteAsync(staged, CancellationToken.None));

        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", staged.Sha256);
        Assert.Empty(await ReadAsync(staged.Sha256));
    }

    [Fact]
    public async Task Discard_StagedBlob_LeavesNothingStored()
    {
        var staged = await StageAsync(RandomNumberGenerator.GetBytes(5000));

        await Store.DiscardAsync(staged, CancellationToken.None);
        await Store.DiscardAsync(staged, CancellationToken.None);

        Assert.Empty(await ListAsync());
        Assert.False(await Store.ExistsAsync(staged.Sha256, CancellationToken.None));
        Assert.Equal(0, await CountStagingAsync());
    }

    [Fact]
    public async Task Writer_DisposedWithoutCompleting_LeavesNoStagedBlob()
    {
        await using (var writer = await Store.BeginStagingAsync(CancellationToken.None))
        {
            await writer.WriteAsync(RandomNumberGenerator.GetBytes(AzureBlobStore.BlockSize + 10), CancellationToken.None);
        }

        Assert.Equal(0, await CountStagingAsync());
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task Delete_RemovesTheBlob()
    {
        var staged = await StageAsync(RandomNumberGenerator.GetBytes(100));
        await Store.PromoteAsync(staged, CancellationToken.None);

        await Store.DeleteAsync(staged.Sha256, CancellationToken.None);

        Assert.False(await Store.ExistsAsync(staged.Sha256, CancellationToken.None));
    }

    [Fact]
    public async Task OpenRead_MissingBlob_IsNotFound()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => Store.OpenReadAsync(new string('a', 64), CancellationToken.None));
    }

    [Fact]
    public async Task Prepare_StagedBlobLeftByACrash_IsRemoved()
    {
        await LeaveStagedBlobAsCrashWouldAsync();
        Assert.Equal(1, await CountStagingAsync());

        Assert.Equal(1, await Store.PrepareAsync(CancellationToken.None));

        Assert.Equal(0, await CountStagingAsync());
    }

    /// <summary>
    /// Two instances over the same folder or container, as two app servers behind a load balancer: chunks put through
    /// either, in any order, one of them twice with other bytes, assemble in order with the last bytes sent for each number.
    /// </summary>
    [Fact]
    public async Task Uploads_ChunksThroughTwoInstances_AssembleInOrderWithTheLastOfEach()
    {
        var other = await CreateStoreAsync();
        var id = Guid.NewGuid();
        byte[][] chunks = [RandomNumberGenerator.GetBytes(1000), RandomNumberGenerator.GetBytes(1000), RandomNumberGenerator.GetBytes(10)];
        var replaced = RandomNumberGenerator.GetBytes(1000);

        await Store.Uploads.CreateAsync(id, "{}"u8.ToArray(), CancellationToken.None);
        await other.Uploads.PutChunkAsync(id, 2, chunks[2], CancellationToken.None);
        await Store.Uploads.PutChunkAsync(id, 1, replaced, CancellationToken.None);
        await other.Uploads.PutChunkAsync(id, 0, chunks[0], CancellationToken.None);
        await other.Uploads.PutChunkAsync(id, 1, chunks[1], CancellationToken.None);

        Assert.Equal(new Dictionary<int, long> { [0] = 1000, [1] = 1000, [2] = 10 }, await Store.Uploads.ListChunksAsync(id, CancellationToken.None));
        Assert.Equal(chunks.SelectMany(c => c), await AssembledAsync(other, id, 3));
        // A completion that failed after assembling is tried again, after a chunk was sent once more: the latest bytes count.
        await Store.Uploads.PutChunkAsync(id, 0, replaced, CancellationToken.None);
        Assert.Equal(replaced.Concat(chunks[1]).Concat(chunks[2]), await AssembledAsync(Store, id, 3));
        Assert.Equal(3, (await other.Uploads.ListChunksAsync(id, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Uploads_Claim_IsHeldByOneInstanceAtATime()
    {
        var other = await CreateStoreAsync();
        var id = Guid.NewGuid();
        await Store.Uploads.CreateAsync(id, "{}"u8.ToArray(), CancellationToken.None);

        var first = await Store.Uploads.ClaimAsync(id, CancellationToken.None);
        var second = await other.Uploads.ClaimAsync(id, CancellationToken.None);
        var again = await Store.Uploads.ClaimAsync(id, CancellationToken.None);
        await Store.Uploads.ReleaseAsync(id, CancellationToken.None);
        var afterRelease = await other.Uploads.ClaimAsync(id, CancellationToken.None);

        Assert.True(first);
        Assert.False(second);
        Assert.False(again);
        Assert.True(afterRelease);
        Assert.NotNull((await ListUploadsAsync()).Single(u => u.Id == id).ClaimedAt);
    }

    [Fact]
    public async Task Uploads_ManifestWrittenOnce_UnknownUploadIsNullAndTakesNoChunk()
    {
        var id = Guid.NewGuid();
        await Store.Uploads.CreateAsync(id, "{\"owner\":\"olena\"}"u8.ToArray(), CancellationToken.None);

        await Assert.ThrowsAsync<UnavailableException>(() => Store.Uploads.CreateAsync(id, "{\"owner\":\"mallory\"}"u8.ToArray(), CancellationToken.None));
        var unknown = Guid.NewGuid();
        await Assert.ThrowsAsync<NotFoundException>(() => Store.Uploads.PutChunkAsync(unknown, 0, new byte[] { 1 }, CancellationToken.None));

        Assert.Equal("{\"owner\":\"olena\"}"u8.ToArray(), await Store.Uploads.ReadManifestAsync(id, CancellationToken.None));
        Assert.Null(await Store.Uploads.ReadManifestAsync(unknown, CancellationToken.None));
        Assert.Empty(await Store.Uploads.ListChunksAsync(unknown, CancellationToken.None));
    }

    [Fact]
    public async Task Uploads_Remove_LeavesNothingAndTakesNoMoreChunks()
    {
        var id = Guid.NewGuid();
        await Store.Uploads.CreateAsync(id, "{}"u8.ToArray(), CancellationToken.None);
        await Store.Uploads.PutChunkAsync(id, 0, RandomNumberGenerator.GetBytes(100), CancellationToken.None);
        await Store.Uploads.PutChunkAsync(id, 1, RandomNumberGenerator.GetBytes(100), CancellationToken.None);
        await (await Store.Uploads.OpenAssembledAsync(id, 1, CancellationToken.None)).DisposeAsync();
        Assert.True(await Store.Uploads.ClaimAsync(id, CancellationToken.None));

        await Store.Uploads.RemoveAsync(id, CancellationToken.None);
        await Store.Uploads.RemoveAsync(id, CancellationToken.None);

        Assert.Null(await Store.Uploads.ReadManifestAsync(id, CancellationToken.None));
        Assert.Empty(await Store.Uploads.ListChunksAsync(id, CancellationToken.None));
        Assert.DoesNotContain(id, (await ListUploadsAsync()).Select(u => u.Id));
        await Assert.ThrowsAsync<NotFoundException>(() => Store.Uploads.PutChunkAsync(id, 0, new byte[] { 1 }, CancellationToken.None));
        Assert.Equal(0, await CountStagingAsync());
        Assert.Empty(await ListAsync());
    }

    /// <summary>An upload may rightly last days: the sweep of staged blobs left by a crash must not take it.</summary>
    [Fact]
    public async Task Prepare_UploadInProgress_IsKept()
    {
        var id = Guid.NewGuid();
        var chunk = RandomNumberGenerator.GetBytes(100);
        await Store.Uploads.CreateAsync(id, "{}"u8.ToArray(), CancellationToken.None);
        await Store.Uploads.PutChunkAsync(id, 0, chunk, CancellationToken.None);
        await Task.Delay(1100); // LastModified has one-second resolution, and the Azure sweep here takes anything older than now.

        await Store.PrepareAsync(CancellationToken.None);

        Assert.NotNull(await Store.Uploads.ReadManifestAsync(id, CancellationToken.None));
        Assert.Equal(chunk, await AssembledAsync(Store, id, 1));
    }

    /// <summary>
    /// The chunks and the manifest of an upload in progress are envelopes in the storage underneath, each of its own, and
    /// so is the block blob the chunks become (on Azure) when the upload is assembled; listed and assembled, they are what
    /// the sender sent. Sizes around the 64 KiB chunks of the envelope, and an empty manifest, round-trip.
    /// </summary>
    [Fact]
    public async Task Uploads_ChunksAndManifest_AreStoredSealed_AndListedAndAssembledAsSent()
    {
        var marker = "MARKER-upload-of-a-child-7c41e2"u8.ToArray();
        var raw = await CreateStoredAsync();
        var id = Guid.NewGuid();
        var manifest = Encoding.UTF8.GetBytes("{\"fileName\":\"MARKER-upload-of-a-child-7c41e2.mp4\"}");
        byte[][] chunks =
        [
            Enumerable.Repeat(marker, 70_000 / marker.Length + 1).SelectMany(m => m).Take(BlobEnvelope.ChunkSize + 1).ToArray(),
            RandomNumberGenerator.GetBytes(BlobEnvelope.ChunkSize),
            [.. marker, 1],
        ];
        await Store.Uploads.CreateAsync(id, manifest, CancellationToken.None);
        for (var i = 0; i < chunks.Length; i++)
        {
            await Store.Uploads.PutChunkAsync(id, i, chunks[i], CancellationToken.None);
        }
        var header = BlobEnvelope.HeaderLength(Kek);

        Assert.Equal(manifest, await Store.Uploads.ReadManifestAsync(id, CancellationToken.None));
        var storedManifest = (await raw.Uploads.ReadManifestAsync(id, CancellationToken.None))!;
        Assert.True(storedManifest.AsSpan().StartsWith(BlobEnvelope.Signature));
        Assert.Equal(-1, storedManifest.AsSpan().IndexOf("MARKER"u8));
        Assert.Equal(chunks.Select((c, i) => (i, (long)c.Length)).ToDictionary(), await Store.Uploads.ListChunksAsync(id, CancellationToken.None));
        var place = EncryptedUploadArea.PlaceLength;
        Assert.Equal(chunks.Select((c, i) => (i, BlobEnvelope.StoredLength(place + c.Length, header))).ToDictionary(), await raw.Uploads.ListChunksAsync(id, CancellationToken.None));
        Assert.Equal(chunks.SelectMany(c => c), await AssembledAsync(Store, id, 3));
        // What the storage holds once assembled (on Azure, the committed block blob): envelopes, one after another.
        var stored = await AssembledAsync(raw, id, 3);
        Assert.Equal(chunks.Sum(c => BlobEnvelope.StoredLength(place + c.Length, header)), stored.Length);
        Assert.True(stored.AsSpan().StartsWith(BlobEnvelope.Signature));
        Assert.Equal(-1, stored.AsSpan().IndexOf(marker.AsSpan(0, 12)));
        Assert.Equal(chunks.SelectMany(c => c), await AssembledAsync(Store, id, 3)); // and again, as a completion tried once more

        var empty = Guid.NewGuid();
        await Store.Uploads.CreateAsync(empty, Array.Empty<byte>(), CancellationToken.None);
        Assert.Equal(Array.Empty<byte>(), await Store.Uploads.ReadManifestAsync(empty, CancellationToken.None));
    }

    /// <summary>
    /// A chunk an older version kept in clear (or one planted in the storage) never counts as sent: it is not listed at its
    /// size, so the client sends it again, and assembling it is refused, naming the chunk. A manifest in clear is no upload.
    /// </summary>
    [Fact]
    public async Task Uploads_ChunkOrManifestInClear_IsNotTaken()
    {
        var raw = await CreateStoredAsync();
        var id = Guid.NewGuid();
        await Store.Uploads.CreateAsync(id, "{}"u8.ToArray(), CancellationToken.None);
        await Store.Uploads.PutChunkAsync(id, 0, RandomNumberGenerator.GetBytes(1000), CancellationToken.None);
        await raw.Uploads.PutChunkAsync(id, 1, RandomNumberGenerator.GetBytes(1000), CancellationToken.None);
        var clearManifest = Guid.NewGuid();
        await raw.Uploads.CreateAsync(clearManifest, "{\"owner\":\"olena\"}"u8.ToArray(), CancellationToken.None);

        var listed = await Store.Uploads.ListChunksAsync(id, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<DamagedBlobException>(() => AssembledAsync(Store, id, 2));

        Assert.Equal(1000, listed[0]);
        Assert.NotEqual(1000, listed.GetValueOrDefault(1));
        Assert.StartsWith($"Chunk 1 of upload {id} does not open as it was sealed", refused.Message, StringComparison.Ordinal);
        Assert.Null(await Store.Uploads.ReadManifestAsync(clearManifest, CancellationToken.None));
    }

    /// <summary>
    /// A sealed chunk altered or cut short in the storage, sealed under another installation's key, moved from another upload
    /// or another number, or an envelope that is no chunk: the completion stops at that chunk, naming it, having handed on
    /// only bytes that were sent there. Sent again, the upload assembles.
    /// </summary>
    [Theory]
    [InlineData("altered")]
    [InlineData("truncated")]
    [InlineData("another key")]
    [InlineData("moved from another upload")]
    [InlineData("moved from another number")]
    [InlineData("not of this area")]
    public async Task Uploads_SealedChunkDamagedInStorage_StopsTheAssemblyNamingIt(string damage)
    {
        var raw = await CreateStoredAsync();
        var id = Guid.NewGuid();
        byte[][] chunks = [RandomNumberGenerator.GetBytes(100_000), RandomNumberGenerator.GetBytes(100_000), RandomNumberGenerator.GetBytes(10)];
        await Store.Uploads.CreateAsync(id, "{}"u8.ToArray(), CancellationToken.None);
        for (var i = 0; i < chunks.Length; i++)
        {
            await Store.Uploads.PutChunkAsync(id, i, chunks[i], CancellationToken.None);
        }
        using var elsewhere = new TestHome();
        var sealedChunk = damage switch
        {
            "another key" => EncryptedUploadArea.Seal(id, 1, chunks[1], KeyEncryptionKeyFile.LoadOrCreate(Path.Combine(elsewhere.Path, "kek"))),
            "moved from another upload" => EncryptedUploadArea.Seal(Guid.NewGuid(), 1, chunks[1], Kek),
            "moved from another number" => EncryptedUploadArea.Seal(id, 0, chunks[0], Kek),
            "not of this area" => BlobEnvelope.Seal(chunks[1], $"{id:N}/1", Kek),
            _ => EncryptedUploadArea.Seal(id, 1, chunks[1], Kek),
        };
        if (damage == "altered")
        {
            sealedChunk[^30] ^= 1;
        }
        await raw.Uploads.PutChunkAsync(id, 1, damage == "truncated" ? sealedChunk[..^17] : sealedChunk, CancellationToken.None);

        var handedOn = new MemoryStream();
        var refused = await Assert.ThrowsAsync<DamagedBlobException>(async () =>
        {
            await using var assembled = await Store.Uploads.OpenAssembledAsync(id, 3, CancellationToken.None);
            await assembled.CopyToAsync(handedOn);
        });

        Assert.StartsWith($"Chunk 1 of upload {id} does not open as it was sealed", refused.Message, StringComparison.Ordinal);
        // What was handed on before the refusal (which the intake then discards) is the sent bytes, never others.
        Assert.InRange(handedOn.Length, chunks[0].Length, chunks[0].Length + chunks[1].Length - 1);
        Assert.True(chunks.SelectMany(c => c).ToArray().AsSpan().StartsWith(handedOn.ToArray()));
        await Store.Uploads.PutChunkAsync(id, 1, chunks[1], CancellationToken.None);
        Assert.Equal(chunks.SelectMany(c => c), await AssembledAsync(Store, id, 3));
    }

    private static async Task<byte[]> AssembledAsync(IBlobStore store, Guid id, int chunks)
    {
        await using var stream = await store.Uploads.OpenAssembledAsync(id, chunks, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private async Task<List<HeldUpload>> ListUploadsAsync()
    {
        var list = new List<HeldUpload>();
        await foreach (var upload in Store.Uploads.ListAsync(CancellationToken.None))
        {
            list.Add(upload);
        }
        return list;
    }

    /// <summary>No byte sequence of the evidence is stored in clear: the storage holds an envelope, and reads give the original.</summary>
    [Fact]
    public async Task Stored_IsAnEnvelope_WithoutTheOriginalBytesInIt()
    {
        var marker = "MARKER-testimony-of-a-child-0f3a9c"u8.ToArray();
        var bytes = Enumerable.Repeat(marker, 5_000).SelectMany(m => m).ToArray();
        var staged = await StageAsync(bytes);
        await Store.PromoteAsync(staged, CancellationToken.None);

        var stored = await StoredBytesAsync(staged.Sha256);

        Assert.True(stored.AsSpan().StartsWith(BlobEnvelope.Signature));
        Assert.Equal(-1, stored.AsSpan().IndexOf(marker.AsSpan(0, 12)));
        Assert.Equal(bytes, await ReadAsync(staged.Sha256));
        Assert.True((await Store.OpenAsync(staged.Sha256, CancellationToken.None)).Encrypted);
    }

    /// <summary>Every size around the 64 KiB chunks: empty, one byte, a chunk less one, a chunk, a chunk and one, two chunks.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    [InlineData(65_537)]
    [InlineData(131_072)]
    public async Task Sizes_AroundChunkBoundaries_RoundTrip(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        var staged = await StageAsync(bytes, chunk: 1000);
        await Store.PromoteAsync(staged, CancellationToken.None);

        Assert.Equal(bytes, await ReadAsync(staged.Sha256));
        Assert.Equal(BlobEnvelope.StoredLength(size, new BlobEncryptor(Kek).Header.Length), (await StoredBytesAsync(staged.Sha256)).Length);
    }

    private async Task<(string Sha256, byte[] Stored)> StoreThreeChunksAsync()
    {
        var staged = await StageAsync(RandomNumberGenerator.GetBytes(BlobEnvelope.ChunkSize * 2 + 100));
        await Store.PromoteAsync(staged, CancellationToken.None);
        return (staged.Sha256, await StoredBytesAsync(staged.Sha256));
    }

    private static int RecordStart(byte[] stored, int chunk) =>
        stored.Length - BlobEnvelope.BindingSize - (BlobEnvelope.ChunkSize * 2 + 100 + 3 * 16) + chunk * (BlobEnvelope.ChunkSize + 16);

    private async Task<string> RefusalAsync(string sha256)
    {
        var refused = await Assert.ThrowsAsync<DamagedBlobException>(() => ReadAsync(sha256));
        return refused.Message;
    }

    [Fact]
    public async Task FlippedByte_InTheCiphertext_IsRefusedNamingTheChunk()
    {
        var (sha256, stored) = await StoreThreeChunksAsync();
        stored[RecordStart(stored, 1) + 10] ^= 1;
        await PlantAsync(sha256, stored);

        Assert.Equal($"Chunk 1 of blob {sha256} does not authenticate: its stored bytes were altered.", await RefusalAsync(sha256));
    }

    [Fact]
    public async Task LastChunk_CutOff_IsRefusedAsTruncated()
    {
        var (sha256, stored) = await StoreThreeChunksAsync();
        await PlantAsync(sha256, stored[..RecordStart(stored, 2)]);

        Assert.Equal($"The stored bytes of blob {sha256} end after chunk 1, which was not their last: the blob was truncated.", await RefusalAsync(sha256));
    }

    [Fact]
    public async Task TwoChunks_Swapped_AreRefusedAsReordered()
    {
        var (sha256, stored) = await StoreThreeChunksAsync();
        var first = stored[RecordStart(stored, 0)..RecordStart(stored, 1)];
        var second = stored[RecordStart(stored, 1)..RecordStart(stored, 2)];
        second.CopyTo(stored, RecordStart(stored, 0));
        first.CopyTo(stored, RecordStart(stored, 1));
        await PlantAsync(sha256, stored);

        Assert.Equal($"Chunk 0 of blob {sha256} holds chunk 1's bytes: the chunks were reordered.", await RefusalAsync(sha256));
    }

    [Fact]
    public async Task Header_Altered_IsRefusedBeforeAnyByte()
    {
        var (sha256, stored) = await StoreThreeChunksAsync();
        stored[BlobEnvelope.Signature.Length + 3] ^= 1; // the chunk size, bound into the wrapped key

        Assert.Equal($"The wrapped data key of blob {sha256} does not open: its envelope header was altered.",
            (await Assert.ThrowsAsync<DamagedBlobException>(async () => { await PlantAsync(sha256, stored); await Store.OpenReadAsync(sha256, CancellationToken.None); })).Message);
    }

    /// <summary>A blob copied from another installation (another key-encryption key) is named as such, not as altered bytes.</summary>
    [Fact]
    public async Task WrappedByAnotherInstallationsKey_IsRefusedSayingSo()
    {
        using var elsewhere = new TestHome();
        var otherKek = KeyEncryptionKeyFile.LoadOrCreate(Path.Combine(elsewhere.Path, "kek"));
        var other = new EncryptedBlobStore(await CreateStoredAsync(), otherKek);
        var bytes = RandomNumberGenerator.GetBytes(1000);
        await using (var writer = await other.BeginStagingAsync(CancellationToken.None))
        {
            await writer.WriteAsync(bytes, CancellationToken.None);
            await other.PromoteAsync(await writer.CompleteAsync(Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length, CancellationToken.None), CancellationToken.None);
        }
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));

        var refused = await Assert.ThrowsAsync<DamagedBlobException>(() => Store.OpenReadAsync(sha256, CancellationToken.None));

        Assert.Equal($"The data key of blob {sha256} was wrapped by another key-encryption key ({otherKek.Id}), not this installation's ({Kek.Id}).", refused.Message);
    }

    /// <summary>
    /// An insider copies one blob's envelope, whole, over another's address: it was sealed under this installation's key, so its
    /// header opens, but its last chunk was sealed for the other address, and the refusal names that address. Empty, one
    /// chunk and three chunks; nothing of the other blob's bytes is handed out as this one's past the chunks before the last.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(BlobEnvelope.ChunkSize * 2 + 100)]
    public async Task EnvelopeCopiedOverAnotherAddress_IsRefused_NamingTheAddressItWasSealedFor(int size)
    {
        var a = await StageAsync(RandomNumberGenerator.GetBytes(size));
        var b = await StageAsync(RandomNumberGenerator.GetBytes(size + 1));
        await Store.PromoteAsync(a, CancellationToken.None);
        await Store.PromoteAsync(b, CancellationToken.None);

        await PlantAsync(b.Sha256, await StoredBytesAsync(a.Sha256));

        Assert.Equal($"Blob {b.Sha256} holds an envelope sealed for another address ({a.Sha256}): another blob's envelope was copied over it.",
            await RefusalAsync(b.Sha256));
        Assert.Equal(await StoredBytesAsync(a.Sha256), await StoredBytesAsync(b.Sha256));
    }

    /// <summary>
    /// The copy, with what it is sealed for rewritten in clear to the address it now sits at: the last chunk does not
    /// authenticate for that address, so it is refused all the same (as altered: nothing names where it came from).
    /// </summary>
    [Fact]
    public async Task EnvelopeCopiedOverAnotherAddress_WithItsClearCopyRewritten_IsStillRefused()
    {
        var a = await StageAsync(RandomNumberGenerator.GetBytes(1000));
        var b = await StageAsync(RandomNumberGenerator.GetBytes(1000));
        await Store.PromoteAsync(a, CancellationToken.None);
        await Store.PromoteAsync(b, CancellationToken.None);
        var forged = await StoredBytesAsync(a.Sha256);
        Convert.FromHexString(b.Sha256).CopyTo(forged, forged.Length - BlobEnvelope.BindingSize);

        await PlantAsync(b.Sha256, forged);

        Assert.Equal($"Chunk 0 of blob {b.Sha256} does not authenticate: its stored bytes were altered.", await RefusalAsync(b.Sha256));
    }

    /// <summary>What it is sealed for, altered or cut off after the last chunk: refused, though the chunks themselves are intact.</summary>
    [Theory]
    [InlineData("altered")]
    [InlineData("cut off")]
    [InlineData("cut short")]
    public async Task WhatItIsSealedFor_DamagedInClear_IsRefused(string damage)
    {
        var (sha256, stored) = await StoreThreeChunksAsync();
        if (damage == "altered")
        {
            stored[^1] ^= 1;
        }
        await PlantAsync(sha256, damage switch
        {
            "cut off" => stored[..^BlobEnvelope.BindingSize],
            "cut short" => stored[..^1],
            _ => stored,
        });

        var refusal = await RefusalAsync(sha256);

        Assert.Contains(sha256, refusal, StringComparison.Ordinal);
        if (damage == "altered")
        {
            Assert.Equal($"What blob {sha256} is sealed for, written in clear after its last chunk, was altered.", refusal);
        }
    }

    /// <summary>
    /// A version 1 envelope, as homes sealed before version 2 hold: it opens (and seeks), says it is not sealed for its
    /// address, and encrypt-existing seals it again as version 2, once; sizes around a chunk.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(65_536)]
    [InlineData(65_537)]
    public async Task Version1Envelope_Opens_ThenIsSealedAgainForItsAddressOnce(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await PlantAsync(sha256, EnvelopeVersion1.Seal(bytes, Kek));

        var before = await Store.OpenAsync(sha256, CancellationToken.None);
        await before.Content.DisposeAsync();
        Assert.True(before.Encrypted);
        Assert.False(before.SealedForAddress);
        Assert.Equal(bytes, await ReadAsync(sha256));

        Assert.True(await Store.EncryptInPlaceAsync(sha256, CancellationToken.None));
        Assert.False(await Store.EncryptInPlaceAsync(sha256, CancellationToken.None));

        var stored = await StoredBytesAsync(sha256);
        Assert.True(stored.AsSpan().StartsWith(BlobEnvelope.Signature));
        Assert.Equal(Convert.FromHexString(sha256), stored[^BlobEnvelope.BindingSize..]);
        var after = await Store.OpenAsync(sha256, CancellationToken.None);
        await after.Content.DisposeAsync();
        Assert.True(after.SealedForAddress);
        Assert.Equal(bytes, await ReadAsync(sha256));
        Assert.Equal(0, await CountStagingAsync());
    }

    /// <summary>A version 1 envelope damaged is still refused as before: altered, or cut after a chunk that was not its last.</summary>
    [Fact]
    public async Task Version1Envelope_Damaged_IsRefused()
    {
        var bytes = RandomNumberGenerator.GetBytes(BlobEnvelope.ChunkSize + 10);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var stored = EnvelopeVersion1.Seal(bytes, Kek);

        await PlantAsync(sha256, stored[..^(10 + 16)]);
        Assert.Equal($"The stored bytes of blob {sha256} end after chunk 0, which was not their last: the blob was truncated.", await RefusalAsync(sha256));

        stored[^3] ^= 1;
        await PlantAsync(sha256, stored);
        Assert.Equal($"Chunk 1 of blob {sha256} does not authenticate: its stored bytes were altered.", await RefusalAsync(sha256));
    }

    /// <summary>A blob stored in clear before encryption existed stays readable, says so, and is encrypted in place once.</summary>
    [Fact]
    public async Task BlobInClear_IsReadable_ThenEncryptedInPlaceOnce()
    {
        var bytes = Enumerable.Repeat("MARKER-old-clear-blob "u8.ToArray(), 10_000).SelectMany(b => b).ToArray();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await PlantAsync(sha256, bytes);
        var before = await Store.OpenAsync(sha256, CancellationToken.None);
        await before.Content.DisposeAsync();
        Assert.False(before.Encrypted);
        Assert.Equal(bytes, await ReadAsync(sha256));

        Assert.True(await Store.EncryptInPlaceAsync(sha256, CancellationToken.None));
        Assert.False(await Store.EncryptInPlaceAsync(sha256, CancellationToken.None));

        Assert.Equal(-1, (await StoredBytesAsync(sha256)).AsSpan().IndexOf("MARKER-old-clear-blob"u8));
        Assert.Equal(bytes, await ReadAsync(sha256));
        Assert.Equal(0, await CountStagingAsync());
    }

    [Fact]
    public async Task BlobInClear_WithOtherBytesThanItsAddress_IsLeftAsItIs()
    {
        var sha256 = Convert.ToHexStringLower(SHA256.HashData([1, 2, 3]));
        await PlantAsync(sha256, [4, 5, 6]);

        await Assert.ThrowsAsync<DamagedBlobException>(() => Store.EncryptInPlaceAsync(sha256, CancellationToken.None));

        Assert.Equal([4, 5, 6], await StoredBytesAsync(sha256));
        Assert.Equal(0, await CountStagingAsync());
    }

    /// <summary>Leaves a committed staged blob behind, as a process killed between staging and promotion would.</summary>
    protected abstract Task LeaveStagedBlobAsCrashWouldAsync();

    protected abstract Task<int> CountStagingAsync();
}

public sealed class FolderBlobStoreTests : BlobStoreContractTests
{
    private readonly TestHome home = new();

    private string Root => Path.Combine(home.Path, "blobs");

    protected override Task<IBlobStore> CreateStoredAsync() => Task.FromResult<IBlobStore>(new FolderBlobStore(Root));

    protected override Task<byte[]> StoredBytesAsync(string sha256) => File.ReadAllBytesAsync(Path.Combine(Root, "sha256", sha256[..2], sha256));

    protected override async Task PlantAsync(string sha256, byte[] bytes)
    {
        Directory.CreateDirectory(Path.Combine(Root, "sha256", sha256[..2]));
        File.Delete(Path.Combine(Root, "sha256", sha256[..2], sha256)); // a stored blob is read-only: replaced, as its owner can
        await File.WriteAllBytesAsync(Path.Combine(Root, "sha256", sha256[..2], sha256), bytes);
    }

    protected override async Task LeaveStagedBlobAsCrashWouldAsync()
    {
        await Task.Yield();
        File.WriteAllBytes(Path.Combine(Root, "staging", "deadbeef.part"), [1, 2, 3]);
    }

    protected override Task<int> CountStagingAsync() => Task.FromResult(Directory.GetFiles(Path.Combine(Root, "staging")).Length);

    [Fact]
    public async Task Prepare_StagedFileStillBeingWritten_IsKept()
    {
        await using var writer = await Store.BeginStagingAsync(CancellationToken.None);
        await writer.WriteAsync(new byte[] { 1, 2, 3 }, CancellationToken.None);

        Assert.Equal(0, await new FolderBlobStore(Root).PrepareAsync(CancellationToken.None));

        Assert.Equal(1, await CountStagingAsync());
    }

    [Fact]
    public async Task Promote_StoredFile_IsReadOnlyForItsOwnerAndInsideTheRoot()
    {
        var staged = await StageAsync([42]);
        await Store.PromoteAsync(staged, CancellationToken.None);

        var path = Path.Combine(Root, "sha256", staged.Sha256[..2], staged.Sha256);
        Assert.True(File.Exists(path));
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(path));
    }

    /// <summary>
    /// A batch whose blob vanished between its promotion and the flush (a storage administrator, a full disk) is refused before
    /// anything is recorded, rather than recorded over bytes that may not be on the disk.
    /// </summary>
    [Fact]
    public async Task MakeDurable_OfABlobThatIsNotStored_IsUnavailable()
    {
        var missing = Convert.ToHexStringLower(SHA256.HashData([7, 7, 7]));

        var refused = await Assert.ThrowsAsync<UnavailableException>(() => Store.MakeDurableAsync([missing], CancellationToken.None));

        Assert.Contains(Root, refused.Message);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        home.Dispose();
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobStoreTests(AzuriteFixture azurite) : BlobStoreContractTests
{
    private readonly string container = "c" + Guid.NewGuid().ToString("N");

    private Azure.Storage.Blobs.BlobContainerClient Container => new(azurite.Server.ConnectionString, container);

    protected override Task<IBlobStore> CreateStoredAsync() =>
        Task.FromResult<IBlobStore>(new AzureBlobStore(azurite.Server.ConnectionString, container, retries: 1, stagingMaxAge: TimeSpan.Zero, TimeProvider.System));

    protected override async Task<byte[]> StoredBytesAsync(string sha256) =>
        (await Container.GetBlobClient($"sha256/{sha256[..2]}/{sha256}").DownloadContentAsync()).Value.Content.ToArray();

    protected override async Task PlantAsync(string sha256, byte[] bytes) =>
        await Container.GetBlobClient($"sha256/{sha256[..2]}/{sha256}").UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);

    protected override async Task LeaveStagedBlobAsCrashWouldAsync()
    {
        await Container.UploadBlobAsync("staging/crashed", BinaryData.FromBytes([1, 2, 3]));
        await Task.Delay(1100); // LastModified has one-second resolution.
    }

    protected override async Task<int> CountStagingAsync()
    {
        var count = 0;
        await foreach (var _ in Container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "staging/" }))
        {
            count++;
        }
        return count;
    }

    /// <summary>
    /// A blob that fits in one block is held in memory once staged and put at its address in one request: nothing is written
    /// to staging, neither while it waits nor after, and the address is still taken only once.
    /// </summary>
    [Fact]
    public async Task SmallBlob_IsHeldNotStaged_AndPutAtItsAddressOnlyIfFree()
    {
        var bytes = RandomNumberGenerator.GetBytes(100_000);
        var staged = await StageAsync(bytes);
        Assert.Equal(0, await CountStagingAsync());

        Assert.True(await Store.PromoteAsync(staged, CancellationToken.None));
        Assert.Equal(bytes, await ReadAsync(staged.Sha256));
        Assert.Equal(0, await CountStagingAsync());

        // The same bytes again: the address is taken, and the stored envelope is not replaced by the new one.
        var before = await StoredBytesAsync(staged.Sha256);
        Assert.False(await Store.PromoteAsync(await StageAsync(bytes), CancellationToken.None));
        Assert.Equal(before, await StoredBytesAsync(staged.Sha256));
    }

    /// <summary>
    /// The held bytes are the writer's own buffer: once it is completed, a late write (a caller that went on after a failure)
    /// is refused instead of changing bytes already named by their hash.
    /// </summary>
    [Fact]
    public async Task SmallBlob_WriteAfterComplete_IsRefused_AndTheHeldBytesStayAsHashed()
    {
        var raw = await CreateStoredAsync();
        var bytes = RandomNumberGenerator.GetBytes(5000);
        await using var writer = await raw.BeginStagingAsync(CancellationToken.None);
        await writer.WriteAsync(bytes, CancellationToken.None);
        var staged = await writer.CompleteAsync(Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length, CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.WriteAsync(new byte[10], CancellationToken.None));
        await using var held = await raw.OpenStagedAsync(staged, CancellationToken.None);
        using var read = new MemoryStream();
        await held.CopyToAsync(read);
        Assert.Equal(bytes, read.ToArray());
        Assert.False(held.CanWrite);
    }

    /// <summary>Past one block, the bytes go through staging as before (blocks, commit, copy), and staging is left empty.</summary>
    [Fact]
    public async Task BlobOverOneBlock_IsStagedThenCopied_AndStagingIsLeftEmpty()
    {
        var bytes = RandomNumberGenerator.GetBytes(AzureBlobStore.BlockSize + 1);
        var staged = await StageAsync(bytes);
        Assert.Equal(1, await CountStagingAsync());

        Assert.True(await Store.PromoteAsync(staged, CancellationToken.None));
        Assert.Equal(bytes, await ReadAsync(staged.Sha256));
        Assert.Equal(0, await CountStagingAsync());
    }

    /// <summary>A held blob that is discarded (its request failed) or never promoted leaves nothing in the container.</summary>
    [Fact]
    public async Task SmallBlob_Discarded_LeavesNothing()
    {
        var staged = await StageAsync(RandomNumberGenerator.GetBytes(1000));
        await Store.DiscardAsync(staged, CancellationToken.None);
        Assert.Equal(0, await CountStagingAsync());
        Assert.Empty(await ListAsync());
    }

    /// <summary>
    /// Held blobs wait in memory until their request commits, and one multipart request may stage thousands of small files
    /// first: past <see cref="AzureBlobStore.MaxHeldBytes"/> the store stages them in the container instead, and what it held
    /// counts again once promoted or discarded (a promoted blob discarded again afterwards is not released twice).
    /// </summary>
    [Fact]
    public async Task SmallBlobs_AreHeldOnlyUpToTheBound_TheRestAreStaged()
    {
        var raw = (AzureBlobStore)await CreateStoredAsync();
        var store = new EncryptedBlobStore(raw, Kek);
        // Just under a block: each held in a buffer of a whole block, so one more than the bound allows.
        var bytes = RandomNumberGenerator.GetBytes(AzureBlobStore.BlockSize - (1 << 20));
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var staged = new List<StagedBlob>();
        for (var i = 0; i <= AzureBlobStore.MaxHeldBytes / AzureBlobStore.BlockSize; i++)
        {
            await using var writer = await store.BeginStagingAsync(CancellationToken.None);
            await writer.WriteAsync(bytes, CancellationToken.None);
            staged.Add(await writer.CompleteAsync(sha256, bytes.Length, CancellationToken.None));
        }
        Assert.True(raw.HeldBytes <= AzureBlobStore.MaxHeldBytes);
        Assert.Equal(1, await CountStagingAsync());

        Assert.True(await store.PromoteAsync(staged[0], CancellationToken.None));
        Assert.False(await store.PromoteAsync(staged[^1], CancellationToken.None)); // the staged one: same bytes, address taken
        foreach (var blob in staged)
        {
            await store.DiscardAsync(blob, CancellationToken.None);
        }
        Assert.Equal(0, raw.HeldBytes);
        Assert.Equal(0, await CountStagingAsync());
        Assert.Equal(bytes, await ReadAsync(sha256));
    }

    [Fact]
    public async Task Writer_AzuriteStoppedMidUpload_FailsCleanlyAndLeavesNothingAfterRestart()
    {
        await using var own = await AzuriteServer.StartNewAsync();
        var store = new EncryptedBlobStore(new AzureBlobStore(own.ConnectionString, container, retries: 0, stagingMaxAge: TimeSpan.Zero, TimeProvider.System), Kek);
        await store.PrepareAsync(CancellationToken.None);
        var writer = await store.BeginStagingAsync(CancellationToken.None);
        await writer.WriteAsync(RandomNumberGenerator.GetBytes(AzureBlobStore.BlockSize), CancellationToken.None); // one block staged

        own.Stop();
        var failure = await Assert.ThrowsAsync<UnavailableException>(async () =>
        {
            await writer.WriteAsync(RandomNumberGenerator.GetBytes(AzureBlobStore.BlockSize), CancellationToken.None);
            await writer.CompleteAsync(new string('0', 64), 2L * AzureBlobStore.BlockSize, CancellationToken.None);
        });
        await writer.DisposeAsync();
        Assert.Contains("blob store", failure.Message, StringComparison.Ordinal);

        await own.StartAsync();
        await store.PrepareAsync(CancellationToken.None);
        var blobs = new List<StoredBlob>();
        await foreach (var blob in store.ListAsync(CancellationToken.None))
        {
            blobs.Add(blob);
        }
        Assert.Empty(blobs);
    }
}
