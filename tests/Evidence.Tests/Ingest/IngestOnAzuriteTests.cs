using System.Security.Cryptography;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Ingest;

/// <summary>IngestEvidence with blobs in a real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class IngestOnAzuriteTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Ingest_LargeFile_IsStoredInAzureAndMatchesItsHash()
    {
        await using var slice = await Slice.StartOnAzuriteAsync(azurite.Server);
        var bytes = RandomNumberGenerator.GetBytes(20 << 20);

        var result = await slice.SendAsync(new IngestEvidence(slice.File("video.mp4", bytes), "A"));
        var again = await slice.SendAsync(new IngestEvidence(slice.File("copy.mp4", bytes), "B"));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), result.Sha256);
        Assert.Equal(result.Id, again.DuplicateOf);
        // Stored once, as an envelope: the original length, one 16-byte tag per 64 KiB chunk, and the header.
        var stored1 = Assert.Single(await slice.ListBlobsAsync());
        Assert.Equal(result.Sha256, stored1.Sha256);
        Assert.InRange(stored1.Size - bytes.Length - 16 * (bytes.Length / Evidence.Crypto.BlobEnvelope.ChunkSize), 1, 200);
        await using var stored = await slice.Blobs.OpenReadAsync(result.Sha256, CancellationToken.None);
        Assert.Equal(SHA256.HashData(bytes), await SHA256.HashDataAsync(stored));
    }

    [Fact]
    public async Task Ingest_AzuriteStopped_FailsWithAClearErrorRecordsNothing_AndARetrySucceeds()
    {
        await using var own = await AzuriteServer.StartNewAsync();
        await using var slice = await Slice.StartOnAzuriteAsync(own, s => s with { BlobRetries = 0 });
        var path = slice.File("testimony.txt", RandomNumberGenerator.GetBytes(100_000));

        own.Stop();
        var failed = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(new IngestEvidence(path, "A")));
        Assert.Contains("blob store", failed.Message, StringComparison.Ordinal);
        Assert.Equal(0, await slice.CountEvidenceAsync());
        Assert.Equal(0, await slice.CountCustodyEventsAsync());

        await own.StartAsync();
        // Azurite saves its metadata lazily, so a killed Azurite can forget the container; start-up preparation recreates it.
        await slice.Blobs.PrepareAsync(CancellationToken.None);
        Assert.Empty(await slice.ListBlobsAsync());
        await slice.SendAsync(new IngestEvidence(path, "A"));
        Assert.Single(await slice.ListBlobsAsync());
        Assert.Equal(1, await slice.CountEvidenceAsync());
    }
}
