using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Evidence.Requests;

namespace Evidence.Storage;

/// <summary>
/// Blobs as files under one folder (owner-only): <c>sha256/ab/abcd…</c>, read-only (0400) once promoted, and <c>staging/*.part</c>
/// while being written. A staging file is held open with an exclusive lock, so start-up clean-up removes only
/// the files no living process is writing. Resumable uploads live in <c>staging/uploads/</c> (<see cref="FolderUploadArea"/>).
/// <para>
/// Durability: on Linux a batch's blobs are flushed together by one <c>syncfs</c> of the folder's file system, which writes
/// every file's bytes and every rename to the disk (what <c>sync</c> does, for one file system). Elsewhere each staged file is
/// fsynced when it is complete, as before batches existed.
/// </para>
/// </summary>
public sealed class FolderBlobStore(string root) : IBlobStore
{
    private const UnixFileMode ReadOnly = UnixFileMode.UserRead;

    internal string Root => root;

    private string StagingFolder => Path.Combine(root, "staging");

    public string Description => $"folder {root}";

    public IUploadArea Uploads { get; } = new FolderUploadArea(Path.Combine(root, "staging", "uploads"));

    public Task<int> PrepareAsync(CancellationToken cancellationToken) => Guard(() =>
    {
        OwnerOnly.CreateFolder(root);
        OwnerOnly.CreateFolder(Path.Combine(root, "sha256"));
        OwnerOnly.CreateFolder(StagingFolder);
        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(StagingFolder))
        {
            try
            {
                // FileShare.None takes an exclusive lock: it fails while a writer still holds the file.
                using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                }
                File.Delete(path);
                removed++;
            }
            catch (IOException)
            {
                // Another process is still writing this one.
            }
        }
        return removed;
    });

    public Task<IStagingWriter> BeginStagingAsync(CancellationToken cancellationToken) => Guard(() =>
    {
        OwnerOnly.CreateFolder(StagingFolder);
        var name = $"{Guid.NewGuid():N}.part";
        var stream = OwnerOnly.CreateNew(Path.Combine(StagingFolder, name), FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        return (IStagingWriter)new Writer(this, name, stream);
    });

    public Task<bool> PromoteAsync(StagedBlob staged, CancellationToken cancellationToken) => Guard(() =>
    {
        var staging = Path.Combine(StagingFolder, staged.StagingName);
        var target = PathOf(staged.Sha256);
        OwnerOnly.CreateFolder(Path.GetDirectoryName(target)!);
        if (File.Exists(target))
        {
            File.Delete(staging);
            return false;
        }
        try
        {
            // Without overwrite, .NET on Unix checks that the target is free and then renames (not link-then-unlink): two
            // promotions of the same bytes at the same moment could both succeed, the second replacing the first's file
            // with identical content.
            File.Move(staging, target, overwrite: false);
        }
        catch (IOException) when (File.Exists(target))
        {
            File.Delete(staging);
            return false;
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(target, ReadOnly);
        }
        return true;
    });

    public Task ReplaceAsync(StagedBlob staged, CancellationToken cancellationToken) => Guard(() =>
    {
        var target = PathOf(staged.Sha256);
        if (!File.Exists(target))
        {
            throw new NotFoundException($"No blob with SHA-256 {staged.Sha256} in {Description}.");
        }
        var staging = Path.Combine(StagingFolder, staged.StagingName);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(staging, ReadOnly);
        }
        // rename(2) replaces the old file in one step; the new one is flushed first, since the old one is gone after it.
        using (var handle = File.OpenHandle(staging, FileMode.Open, FileAccess.Read))
        {
            RandomAccess.FlushToDisk(handle);
        }
        File.Move(staging, target, overwrite: true);
    });

    public Task MakeDurableAsync(IReadOnlyCollection<string> sha256s, CancellationToken cancellationToken) => Guard(() =>
    {
        if (sha256s.Count == 0 || !OperatingSystem.IsLinux())
        {
            return; // elsewhere each staged file was fsynced when complete (Writer.CompleteAsync)
        }
        // Any open file of the file system names it to syncfs; one of the batch's own blobs, which must exist.
        using var handle = File.OpenHandle(PathOf(sha256s.First()), FileMode.Open, FileAccess.Read);
        if (SyncFileSystem((int)handle.DangerousGetHandle()) != 0)
        {
            throw new IOException($"syncfs failed with error {Marshal.GetLastPInvokeError()}; the blobs may not be on the disk.");
        }
    });

    [DllImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static extern int SyncFileSystem(int fileDescriptor);

    public Task DiscardAsync(StagedBlob staged, CancellationToken cancellationToken) => Guard(() =>
    {
        File.Delete(Path.Combine(StagingFolder, staged.StagingName));
        });

    public Task DeleteAsync(string sha256, CancellationToken cancellationToken) => Guard(() =>
    {
        File.Delete(PathOf(sha256));
        });

    public Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken) =>
        Task.FromResult(File.Exists(PathOf(sha256)));

    public Task<Stream> OpenReadAsync(string sha256, CancellationToken cancellationToken) => Guard(() =>
    {
        var path = PathOf(sha256);
        if (!File.Exists(path))
        {
            throw new NotFoundException($"No blob with SHA-256 {sha256} in {Description}.");
        }
        return (Stream)new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
    });

    public Task<Stream> OpenStagedAsync(StagedBlob staged, CancellationToken cancellationToken) => Guard(() =>
    {
        // The name is ours (a fresh GUID and ".part"); never let another one lead out of the staging folder.
        if (!(staged.StagingName.EndsWith(".part", StringComparison.Ordinal) && Guid.TryParseExact(staged.StagingName[..^5], "N", out _)))
        {
            throw new ArgumentException("Not a staging name.", nameof(staged));
        }
        return (Stream)new FileStream(Path.Combine(StagingFolder, staged.StagingName), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    });

    public async IAsyncEnumerable<StoredBlob> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var folder = Path.Combine(root, "sha256");
        if (!Directory.Exists(folder))
        {
            yield break;
        }
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (BlobKey.IsSha256Hex(file.Name))
            {
                yield return new StoredBlob(file.Name, file.Length, file.LastWriteTimeUtc);
            }
        }
        await Task.CompletedTask;
    }

    private string PathOf(string sha256) => Path.Combine(root, BlobKey.For(sha256));

    private Task<T> Guard<T>(Func<T> action)
    {
        try
        {
            return Task.FromResult(action());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UnavailableException($"The blob folder {root} could not be written: {e.Message}", e);
        }
    }

    private Task Guard(Action action) => Guard(() =>
    {
        action();
        return true;
    });

    private sealed class Writer(FolderBlobStore store, string name, FileStream stream) : IStagingWriter
    {
        private bool completed;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
        {
            try
            {
                await stream.WriteAsync(chunk, cancellationToken);
            }
            catch (IOException e)
            {
                throw new UnavailableException($"The blob folder {store.Root} could not be written: {e.Message}", e);
            }
        }

        public async Task<StagedBlob> CompleteAsync(string sha256, long size, CancellationToken cancellationToken)
        {
            try
            {
                if (!OperatingSystem.IsLinux())
                {
                    // A promoted blob must survive a power cut, or the record would point at nothing. On Linux its whole batch is
                    // flushed at once before it is recorded (MakeDurableAsync).
                    stream.Flush(flushToDisk: true);
                }
                await stream.DisposeAsync();
            }
            catch (IOException e)
            {
                throw new UnavailableException($"The blob folder {store.Root} could not be written: {e.Message}", e);
            }
            completed = true;
            return new StagedBlob(name, sha256, size);
        }

        public async ValueTask DisposeAsync()
        {
            await stream.DisposeAsync();
            if (!completed)
            {
                File.Delete(Path.Combine(store.StagingFolder, name));
            }
        }
    }
}
