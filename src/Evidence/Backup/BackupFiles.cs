using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Evidence.Storage;

namespace Evidence.Backup;

/// <summary>
/// Files of a backup and of a home being restored: copied in one pass that hashes what it writes, owner-only, keeping the
/// source's modification time (a blob's time is when it was stored), and made durable before the manifest that vouches
/// for them is written.
/// </summary>
internal static class BackupFiles
{
    /// <summary>Copies <paramref name="source"/> to a new file and returns the SHA-256 and size of the bytes written.</summary>
    public static async Task<(string Sha256, long Size)> CopyAsync(string source, string destination, CancellationToken cancellationToken,
        UnixFileMode? mode = null)
    {
        OwnerOnly.CreateFolder(Path.GetDirectoryName(destination)!);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        await using (var from = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
        await using (var to = OwnerOnly.CreateNew(destination, bufferSize: 0))
        {
            var buffer = new byte[1 << 20];
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                sha256.AppendData(buffer, 0, read);
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                size += read;
            }
            FlushUnlessLinux(to);
        }
        File.SetLastWriteTimeUtc(destination, File.GetLastWriteTimeUtc(source));
        if (mode is { } readOnly && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(destination, readOnly);
        }
        return (Convert.ToHexStringLower(sha256.GetHashAndReset()), size);
    }

    /// <summary>Writes <paramref name="content"/> to a new file and returns its SHA-256 and size.</summary>
    public static async Task<(string Sha256, long Size)> WriteAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        OwnerOnly.CreateFolder(Path.GetDirectoryName(path)!);
        await using (var file = OwnerOnly.CreateNew(path, bufferSize: 0))
        {
            await file.WriteAsync(content, cancellationToken);
            FlushUnlessLinux(file);
        }
        return (Convert.ToHexStringLower(SHA256.HashData(content)), content.Length);
    }

    public static async Task<(string Sha256, long Size)> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var size = file.Length;
        return (Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken)), size);
    }

    /// <summary>
    /// Everything written on the file system that holds <paramref name="file"/> on the disk: on Linux one <c>syncfs</c> (every
    /// file's bytes and every name, as the blob store flushes a batch); elsewhere each file was flushed when written.
    /// </summary>
    public static void MakeDurable(string file)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        // A file, not the folder: .NET opens no handle on a folder.
        using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read);
        if (SyncFileSystem((int)handle.DangerousGetHandle()) != 0)
        {
            throw new IOException($"syncfs failed with error {Marshal.GetLastPInvokeError()}; the backup may not be on the disk.");
        }
    }

    // The same call as FolderBlobStore's; each folder keeps its own declaration rather than share a P/Invoke across features.
    [DllImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static extern int SyncFileSystem(int fileDescriptor);

    private static void FlushUnlessLinux(FileStream file)
    {
        if (!OperatingSystem.IsLinux())
        {
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>
    /// Removes what a failed backup or restore wrote (read-only files go with their folder on Unix); with
    /// <paramref name="keepFolder"/>, only what is inside (a folder the operator made for it).
    /// </summary>
    public static void DeleteQuietly(string folder, bool keepFolder = false)
    {
        try
        {
            if (!Directory.Exists(folder))
            {
                return;
            }
            if (!keepFolder)
            {
                Directory.Delete(folder, recursive: true);
                return;
            }
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo sub && sub.LinkTarget is null)
                {
                    sub.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the failure that brought us here is what the caller reports.
        }
    }
}
