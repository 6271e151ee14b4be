using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Storage;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Ingest;

/// <summary>
/// Uploads nobody will complete are removed from the blob store's upload area: a week after their last chunk, or an hour
/// after a completion claimed them and died. Not only at start-up: a running server looks when the first upload of each
/// hour begins. A live upload and a live claim are never removed, whichever server looks.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AbandonedUploadsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task FolderStore_StaleUploadsAndDeadClaims_AreRemoved_LiveOnesKept()
    {
        using var home = new TestHome();
        await SweepsAsync(clock => new FolderBlobStore(Path.Combine(home.Path, "blobs")));
    }

    [Fact]
    public async Task AzureStore_StaleUploadsAndDeadClaims_AreRemoved_LiveOnesKept()
    {
        var container = "c" + Guid.NewGuid().ToString("N");
        await SweepsAsync(clock => new AzureBlobStore(azurite.Server.ConnectionString, container, retries: 1, TimeSpan.FromHours(1), clock));
    }

    private static async Task SweepsAsync(Func<TimeProvider, IBlobStore> storeOn)
    {
        var start = DateTimeOffset.UtcNow;
        var clock = new PinnedClock(start);
        var store = storeOn(clock);
        await store.PrepareAsync(CancellationToken.None);
        var staging = new UploadStaging(store, 1L << 30, clock);
        var idle = await BeginWithAChunkAsync(staging);
        var dying = await BeginWithAChunkAsync(staging);
        await staging.ClaimAsync(await staging.FindAsync("olena", dying, CancellationToken.None), CancellationToken.None);

        var afterHalfAnHour = await staging.RemoveAbandonedAsync(start.AddMinutes(30), CancellationToken.None);
        var afterTwoHours = await staging.RemoveAbandonedAsync(start.AddHours(2), CancellationToken.None);
        var idleAfterTwoHours = await staging.FindAsync("olena", idle, CancellationToken.None);
        // Eight days on, the server has run all along: the next upload begun removes the idle one.
        clock.Now = start.AddDays(8);
        var fresh = await BeginWithAChunkAsync(staging);

        Assert.Equal(0, afterHalfAnHour);
        Assert.Equal(1, afterTwoHours);
        await Assert.ThrowsAsync<NotFoundException>(() => staging.FindAsync("olena", dying, CancellationToken.None));
        Assert.Equal(idle, idleAfterTwoHours.Id);
        await Assert.ThrowsAsync<NotFoundException>(() => staging.FindAsync("olena", idle, CancellationToken.None));
        Assert.Empty(await store.Uploads.ListChunksAsync(idle, CancellationToken.None));
        Assert.Equal([0], (await staging.StateAsync(await staging.FindAsync("olena", fresh, CancellationToken.None), CancellationToken.None)).Received);
    }

    private static async Task<Guid> BeginWithAChunkAsync(UploadStaging staging)
    {
        var state = await staging.BeginAsync("olena", new BeginUpload("video.mp4", 10, "Olena"), CancellationToken.None);
        var upload = await staging.FindAsync("olena", state.Id, CancellationToken.None);
        await staging.WriteChunkAsync(upload, 0, new MemoryStream(new byte[10]), offset: null, total: null, CancellationToken.None);
        return state.Id;
    }

    private sealed class PinnedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
