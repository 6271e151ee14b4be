using System.Buffers;
using System.Text.Json;
using Evidence.Requests;
using Evidence.Storage;

namespace Evidence.Ingest;

/// <summary>
/// The rules of resumable uploads, over the blob store's upload area (<see cref="IUploadArea"/>): every app server
/// that shares the blob store sees every upload, so any server may take any chunk. The manifest, written once when
/// the upload begins, holds who started it and what they announced (name, size, fields); it is read again for every
/// chunk, so only its owner can add to an upload, whichever server receives the chunk. A chunk is read in full into
/// memory (at most <see cref="ChunkSize"/> bytes), checked against its place in the announced file, and only then
/// handed to the store, so a chunk that is short, too long, beyond the file's end or at the wrong offset is refused
/// without touching what the upload already holds.
/// </summary>
internal sealed class UploadStaging(IBlobStore blobs, long maxBytes, TimeProvider clock)
{
    public const int ChunkSize = 4 << 20;

    /// <summary>How long an unfinished upload is kept after its last chunk arrived.</summary>
    public static readonly TimeSpan Kept = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a claim may be held: a completion reads and records the whole file (8 GiB at 50 MB/s is under three
    /// minutes), so a claim older than this was left by a process that died while completing.
    /// </summary>
    public static readonly TimeSpan ClaimKept = TimeSpan.FromHours(1);

    /// <summary>How often a running server looks for abandoned uploads (when an upload begins), besides at start-up.</summary>
    public static readonly TimeSpan SweepEvery = TimeSpan.FromHours(1);

    private readonly Lock sweepLock = new();
    private DateTimeOffset? lastSweep;

    private IUploadArea Area => blobs.Uploads;

    internal sealed record Upload(Guid Id, string Owner, BeginUpload Request, DateTime StartedAtUtc)
    {
        public int Chunks => (int)((Request.Size + ChunkSize - 1) / ChunkSize);

        public long LengthOf(int index) => Math.Min(ChunkSize, Request.Size - ((long)index * ChunkSize));
    }

    private sealed record ManifestFile(Guid Id, string Owner, DateTime StartedAtUtc, BeginUpload Request);

    public async Task<UploadState> BeginAsync(string owner, BeginUpload request, CancellationToken cancellationToken)
    {
        if (request.Size > maxBytes)
        {
            throw new UploadTooLargeException($"The file is {request.Size:N0} bytes; this server accepts at most {maxBytes:N0} bytes per file.");
        }
        await SweepIfDueAsync(cancellationToken);
        var manifest = new ManifestFile(Guid.NewGuid(), owner, clock.GetUtcNow().UtcDateTime, request);
        await Area.CreateAsync(manifest.Id, JsonSerializer.SerializeToUtf8Bytes(manifest), cancellationToken);
        var upload = new Upload(manifest.Id, owner, request, manifest.StartedAtUtc);
        return new UploadState(upload.Id, IngestUpload.KeptName(request.FileName), request.Size, ChunkSize, upload.Chunks, [], upload.StartedAtUtc);
    }

    /// <summary>The caller's own upload; anyone else's is "not found", like one that never existed.</summary>
    public async Task<Upload> FindAsync(string owner, Guid id, CancellationToken cancellationToken)
    {
        ManifestFile? manifest = null;
        if (await Area.ReadManifestAsync(id, cancellationToken) is { } bytes)
        {
            try
            {
                manifest = JsonSerializer.Deserialize<ManifestFile>(bytes);
            }
            catch (JsonException)
            {
                // Not a manifest this code wrote: treated as absent, and removed by the clean-up after a week.
            }
        }
        if (manifest is null || manifest.Id != id || manifest.Owner != owner)
        {
            throw new NotFoundException($"There is no upload {id} in progress (it was completed, cancelled, or never started).");
        }
        return new Upload(manifest.Id, manifest.Owner, manifest.Request, manifest.StartedAtUtc);
    }

    public async Task<UploadState> StateAsync(Upload upload, CancellationToken cancellationToken)
    {
        var held = await Area.ListChunksAsync(upload.Id, cancellationToken);
        var received = Enumerable.Range(0, upload.Chunks).Where(i => held.TryGetValue(i, out var size) && size == upload.LengthOf(i)).ToList();
        return new UploadState(upload.Id, IngestUpload.KeptName(upload.Request.FileName), upload.Request.Size, ChunkSize, upload.Chunks, received, upload.StartedAtUtc);
    }

    /// <summary>
    /// Reads chunk <paramref name="index"/> whole and keeps it. <paramref name="offset"/>, when the sender states it
    /// (HTTP <c>Content-Range</c>), must be where the chunk starts, and <paramref name="total"/> the announced size.
    /// </summary>
    public async Task WriteChunkAsync(Upload upload, int index, Stream content, long? offset, long? total, CancellationToken cancellationToken)
    {
        if (index < 0 || index >= upload.Chunks)
        {
            throw new InvalidRequestException($"Chunk {index} does not exist: this upload of {upload.Request.Size:N0} bytes has chunks 0 to {upload.Chunks - 1}. Nothing was kept.");
        }
        if (offset is { } start && start != (long)index * ChunkSize)
        {
            throw new InvalidRequestException($"Chunk {index} starts at byte {(long)index * ChunkSize}, not at {start}; it was not kept.");
        }
        if (total is { } size && size != upload.Request.Size)
        {
            throw new InvalidRequestException($"The upload was announced with {upload.Request.Size} bytes, not {size}; the chunk was not kept.");
        }
        var expected = (int)upload.LengthOf(index);
        // One byte more than the chunk should have, to tell "whole" from "too long" without reading a hostile body to its end.
        var buffer = ArrayPool<byte>.Shared.Rent(expected + 1);
        try
        {
            var read = 0;
            while (read <= expected)
            {
                var n = await content.ReadAsync(buffer.AsMemory(read, expected + 1 - read), cancellationToken);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            if (read > expected)
            {
                throw new InvalidRequestException($"Chunk {index} is longer than the {expected} bytes it should have; it was not kept.");
            }
            if (read < expected)
            {
                throw new InvalidRequestException($"Chunk {index} arrived with {read} of its {expected} bytes (the connection dropped?); it was not kept. Send it again.");
            }
            await Area.PutChunkAsync(upload.Id, index, buffer.AsMemory(0, expected), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Takes the upload for completion, for every server sharing the store, so two completions of one upload cannot both
    /// become evidence; the second is told the upload is being completed. Released unless <see cref="Claimed.RemoveOnDispose"/>.
    /// </summary>
    public async Task<Claimed> ClaimAsync(Upload upload, CancellationToken cancellationToken)
    {
        var missing = (await StateAsync(upload, cancellationToken)).Missing;
        if (missing.Count > 0)
        {
            throw new InvalidRequestException($"The upload is missing {missing.Count} of its {upload.Chunks} chunks ({string.Join(", ", missing.Take(20))}); send them, then complete it. Nothing was recorded.");
        }
        if (!await Area.ClaimAsync(upload.Id, cancellationToken))
        {
            throw new NotFoundException($"Upload {upload.Id} is already being completed.");
        }
        return new Claimed(Area, upload);
    }

    public Task RemoveAsync(Upload upload, CancellationToken cancellationToken) => Area.RemoveAsync(upload.Id, cancellationToken);

    /// <summary>
    /// Removes uploads nobody will complete: untouched for <see cref="Kept"/>, or claimed longer than <see cref="ClaimKept"/>
    /// ago by a process that died before its ingest committed (a committed upload is removed). Their chunks are evidence
    /// bytes nobody recorded, so they go. Safe on any server at any time: a live upload or a live claim is younger.
    /// </summary>
    public async Task<int> RemoveAbandonedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var removed = 0;
        var stale = new List<Guid>();
        await foreach (var upload in Area.ListAsync(cancellationToken))
        {
            if (upload.LastChangedAt < now - Kept || upload.ClaimedAt < now - ClaimKept)
            {
                stale.Add(upload.Id);
            }
        }
        foreach (var id in stale)
        {
            await Area.RemoveAsync(id, cancellationToken);
            removed++;
        }
        return removed;
    }

    // A server that runs for weeks must not wait for its next start to remove a week-old upload: the first upload begun
    // in each hour looks. Any server may do it for all, since the uploads are in the shared store.
    private async Task SweepIfDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        lock (sweepLock)
        {
            if (lastSweep is { } last && now - last < SweepEvery)
            {
                return;
            }
            lastSweep = now;
        }
        try
        {
            await RemoveAbandonedAsync(now, cancellationToken);
        }
        catch (UnavailableException)
        {
            // The upload itself was begun; the next hour's first upload tries again.
        }
    }

    internal sealed class Claimed(IUploadArea area, Upload upload) : IAsyncDisposable
    {
        private bool remove;

        public Task<Stream> OpenAssembledAsync(CancellationToken cancellationToken) => area.OpenAssembledAsync(upload.Id, upload.Chunks, cancellationToken);

        public void RemoveOnDispose() => remove = true;

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (remove)
                {
                    await area.RemoveAsync(upload.Id, CancellationToken.None);
                }
                else
                {
                    await area.ReleaseAsync(upload.Id, CancellationToken.None);
                }
            }
            catch (UnavailableException)
            {
                // The store failed after the outcome was decided: the answer stays that outcome. A recorded upload that
                // could not be removed keeps its claim, so it is never completed twice; the clean-up removes it later.
            }
        }
    }
}
