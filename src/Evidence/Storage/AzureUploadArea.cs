using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Evidence.Requests;

namespace Evidence.Storage;

/// <summary>
/// Resumable uploads as what Azure block blobs already are: each chunk is an uncommitted block (Put Block) of
/// <c>staging/uploads/&lt;id&gt;/content</c>, its block id the chunk's number, so any app server can stage any chunk and
/// a chunk sent again replaces the block of that number. Completion commits blocks 0..n-1 in order (Put Block List, which
/// picks the latest of each, committed or not) and reads the blob: no bytes are copied to assemble it. A block is staged
/// whole or not at all (with its MD5 checked by the service). Beside it, <c>upload.json</c> (written once, if none
/// exists; its last-modified time is moved on by every chunk, for the clean-up) and <c>claim</c> (created only if absent,
/// so one request completes the upload). The staging sweep of <see cref="AzureBlobStore.PrepareAsync"/> leaves this
/// prefix alone: an upload may last days.
/// </summary>
internal sealed class AzureUploadArea(BlobContainerClient container, AzureBlobStore store) : IUploadArea
{
    public const string Prefix = "staging/uploads/";
    private const string BlockPrefix = "chunk-";

    public Task CreateAsync(Guid upload, ReadOnlyMemory<byte> manifest, CancellationToken cancellationToken) => store.Guard(async () =>
        (await Blob(upload, "upload.json").UploadAsync(BinaryData.FromBytes(manifest),
            new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken)).Value);

    public Task<byte[]?> ReadManifestAsync(Guid upload, CancellationToken cancellationToken) => store.Guard<byte[]?>(async () =>
    {
        try
        {
            return (await Blob(upload, "upload.json").DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    });

    public Task PutChunkAsync(Guid upload, int index, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) => store.Guard(async () =>
    {
        try
        {
            // The manifest first: it fails when the upload is gone, before a block is staged on a blob nobody will commit,
            // and its new last-modified time tells the clean-up the upload is alive.
            await Blob(upload, "upload.json").SetMetadataAsync(new Dictionary<string, string> { ["lastchunk"] = index.ToString(CultureInfo.InvariantCulture) },
                cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new NotFoundException($"There is no upload {upload} in progress (it was completed, cancelled, or never started).");
        }
        using var content = MemoryMarshal.TryGetArray(bytes, out var array)
            ? new MemoryStream(array.Array!, array.Offset, array.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);
        return (await Content(upload).StageBlockAsync(BlockId(index), content, cancellationToken: cancellationToken)).Value;
    });

    public Task<IReadOnlyDictionary<int, long>> ListChunksAsync(Guid upload, CancellationToken cancellationToken) =>
        store.Guard<IReadOnlyDictionary<int, long>>(async () =>
        {
            var chunks = new Dictionary<int, long>();
            BlockList list;
            try
            {
                list = (await Content(upload).GetBlockListAsync(BlockListTypes.All, cancellationToken: cancellationToken)).Value;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return chunks;
            }
            // After a commit that did not lead to a record, a chunk may be both committed and staged again: the latest
            // (uncommitted) is what the next commit takes.
            foreach (var block in list.CommittedBlocks.Concat(list.UncommittedBlocks))
            {
                if (IndexOf(block.Name) is { } index)
                {
                    chunks[index] = block.SizeLong;
                }
            }
            return chunks;
        });

    public Task<bool> ClaimAsync(Guid upload, CancellationToken cancellationToken) => store.Guard(async () =>
    {
        try
        {
            await Blob(upload, "claim").UploadAsync(BinaryData.FromBytes([]),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    });

    public Task ReleaseAsync(Guid upload, CancellationToken cancellationToken) =>
        store.Guard(async () => (await Blob(upload, "claim").DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value);

    public Task<Stream> OpenAssembledAsync(Guid upload, int chunks, CancellationToken cancellationToken) => store.Guard(async () =>
    {
        var content = Content(upload);
        await content.CommitBlockListAsync(Enumerable.Range(0, chunks).Select(BlockId), cancellationToken: cancellationToken);
        return (await content.DownloadStreamingAsync(cancellationToken: cancellationToken)).Value.Content;
    });

    public Task RemoveAsync(Guid upload, CancellationToken cancellationToken) => store.Guard(async () =>
    {
        await Blob(upload, "upload.json").DeleteIfExistsAsync(cancellationToken: cancellationToken);
        // Uncommitted blocks of a blob that is never committed would linger for a week (the service's own expiry) and they
        // are evidence bytes nobody recorded: committing an empty list drops them, then the empty blob goes.
        await Content(upload).CommitBlockListAsync([], cancellationToken: cancellationToken);
        await Content(upload).DeleteIfExistsAsync(cancellationToken: cancellationToken);
        return (await Blob(upload, "claim").DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value;
    });

    public async IAsyncEnumerable<HeldUpload> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var uploads = new Dictionary<Guid, (DateTimeOffset Changed, DateTimeOffset? Claimed)>();
        var pages = container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix }, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (await Next(pages))
            {
                var blob = pages.Current;
                var parts = blob.Name[Prefix.Length..].Split('/');
                if (parts.Length != 2 || !Guid.TryParseExact(parts[0], "N", out var id))
                {
                    continue;
                }
                var modified = blob.Properties.LastModified ?? DateTimeOffset.MinValue;
                var (changed, claimed) = uploads.GetValueOrDefault(id, (DateTimeOffset.MinValue, null));
                uploads[id] = parts[1] == "claim" ? (changed, modified) : (changed > modified ? changed : modified, claimed);
            }
        }
        finally
        {
            await pages.DisposeAsync();
        }
        foreach (var (id, (changed, claimed)) in uploads)
        {
            // A claim alone (its manifest already removed) changed when it was made.
            yield return new HeldUpload(id, changed == DateTimeOffset.MinValue ? claimed!.Value : changed, claimed);
        }
    }

    private Task<bool> Next(IAsyncEnumerator<BlobItem> pages) => store.Guard(async () => await pages.MoveNextAsync());

    private BlobClient Blob(Guid upload, string name) => container.GetBlobClient($"{Prefix}{upload:N}/{name}");

    private BlockBlobClient Content(Guid upload) => container.GetBlockBlobClient($"{Prefix}{upload:N}/content");

    // Block ids of one blob must all be the same length: a zero-padded number.
    private static string BlockId(int index) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(BlockPrefix + index.ToString("d8", CultureInfo.InvariantCulture)));

    private static int? IndexOf(string blockId)
    {
        try
        {
            var name = Encoding.ASCII.GetString(Convert.FromBase64String(blockId));
            return name.StartsWith(BlockPrefix, StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(BlockPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
