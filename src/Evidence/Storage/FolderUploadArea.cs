using System.Globalization;
using System.Runtime.CompilerServices;
using Evidence.Requests;

namespace Evidence.Storage;

/// <summary>
/// Resumable uploads under the blob folder's <c>staging/uploads/&lt;id&gt;/</c>: <c>upload.json</c>, one
/// <c>&lt;n&gt;.part</c> per chunk and, while one request completes the upload, <c>claim</c>. Several app servers share
/// them when they share the blob folder (NFS, SMB). A chunk is written under a temporary name, flushed to disk and
/// renamed over its number only when whole, so a dropped connection or a crash never leaves half a chunk that looks
/// complete; the claim is created exclusively (<c>O_EXCL</c>, which NFS v3 and later honour), so only one request holds it.
/// </summary>
internal sealed class FolderUploadArea(string folder) : IUploadArea
{
    private const string Manifest = "upload.json";
    private const string Claim = "claim";
    private const string Removed = ".removed";

    public Task CreateAsync(Guid upload, ReadOnlyMemory<byte> manifest, CancellationToken cancellationToken) => Guard(() =>
    {
        OwnerOnly.CreateFolder(folder);
        var path = FolderOf(upload);
        OwnerOnly.CreateFolder(path);
        WriteWhole(Path.Combine(path, Manifest), manifest.Span, overwrite: false);
    });

    public Task<byte[]?> ReadManifestAsync(Guid upload, CancellationToken cancellationToken) => Guard(() =>
    {
        try
        {
            return File.ReadAllBytes(Path.Combine(FolderOf(upload), Manifest));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    });

    public Task PutChunkAsync(Guid upload, int index, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) => Guard(() =>
    {
        var path = FolderOf(upload);
        try
        {
            WriteWhole(Path.Combine(path, PartName(index)), bytes.Span, overwrite: true);
        }
        catch (DirectoryNotFoundException)
        {
            throw new NotFoundException($"There is no upload {upload} in progress (it was completed, cancelled, or never started).");
        }
    });

    public Task<IReadOnlyDictionary<int, long>> ListChunksAsync(Guid upload, CancellationToken cancellationToken) => Guard(() =>
    {
        var chunks = new Dictionary<int, long>();
        var path = FolderOf(upload);
        if (!Directory.Exists(path))
        {
            return (IReadOnlyDictionary<int, long>)chunks;
        }
        foreach (var part in new DirectoryInfo(path).EnumerateFiles("*.part"))
        {
            if (int.TryParse(part.Name[..^".part".Length], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                chunks[index] = part.Length;
            }
        }
        return chunks;
    });

    public Task<bool> ClaimAsync(Guid upload, CancellationToken cancellationToken) => Guard(() =>
    {
        try
        {
            using (OwnerOnly.CreateNew(Path.Combine(FolderOf(upload), Claim)))
            {
            }
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException) when (File.Exists(Path.Combine(FolderOf(upload), Claim)))
        {
            return false;
        }
    });

    public Task ReleaseAsync(Guid upload, CancellationToken cancellationToken) => Guard(() => File.Delete(Path.Combine(FolderOf(upload), Claim)));

    public Task<Stream> OpenAssembledAsync(Guid upload, int chunks, CancellationToken cancellationToken) => Guard(() =>
        (Stream)new ChunkedFileStream(Enumerable.Range(0, chunks).Select(i => Path.Combine(FolderOf(upload), PartName(i))).ToList()));

    public Task RemoveAsync(Guid upload, CancellationToken cancellationToken) => Guard(() =>
    {
        // Renamed first, so that the upload is gone for every server at once even if the deletion cannot finish (NFS
        // keeps a file another client holds open as .nfsXXXX until it is closed); what stays is removed by the next clean-up.
        var path = FolderOf(upload);
        var removed = path + Removed + Guid.NewGuid().ToString("N");
        try
        {
            Directory.Move(path, removed);
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }
        DeleteQuietly(removed);
    });

    public async IAsyncEnumerable<HeldUpload> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            yield break;
        }
        foreach (var path in Directory.EnumerateDirectories(folder))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(path);
            if (name.Contains(Removed, StringComparison.Ordinal))
            {
                // Left by a removal that could not finish; nobody can reach it any more.
                DeleteQuietly(path);
                continue;
            }
            if (!Guid.TryParseExact(name, "N", out var id))
            {
                continue;
            }
            var files = new DirectoryInfo(path).EnumerateFiles().ToList();
            var changed = files.Where(f => f.Name != Claim).Select(f => f.LastWriteTimeUtc).DefaultIfEmpty(Directory.GetLastWriteTimeUtc(path)).Max();
            var claim = files.FirstOrDefault(f => f.Name == Claim);
            yield return new HeldUpload(id, new DateTimeOffset(changed, TimeSpan.Zero), claim is null ? null : new DateTimeOffset(claim.LastWriteTimeUtc, TimeSpan.Zero));
        }
        await Task.CompletedTask;
    }

    private string FolderOf(Guid upload) => Path.Combine(folder, upload.ToString("N"));

    private static string PartName(int index) => index.ToString(CultureInfo.InvariantCulture) + ".part";

    // Under a temporary name, flushed to disk, then renamed: whole or absent, and durable once the caller is told it arrived.
    private static void WriteWhole(string path, ReadOnlySpan<byte> bytes, bool overwrite)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = OwnerOnly.CreateNew(temporary, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Still held open by another client of the shared folder; the next clean-up tries again.
        }
    }

    private Task<T> Guard<T>(Func<T> action)
    {
        try
        {
            return Task.FromResult(action());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UnavailableException($"The upload folder {folder} could not be written: {e.Message}", e);
        }
    }

    private Task Guard(Action action) => Guard(() =>
    {
        action();
        return true;
    });
}
