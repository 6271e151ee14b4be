using System.Diagnostics;
using Evidence.Storage;

namespace Evidence.Crypto;

/// <summary>
/// Key files in the home's key folder (0700): created once, 0600, and never seen half-written. A key is written under a
/// temporary name, flushed to disk and renamed to its final name, so a reader finds either no file or the whole key.
/// Creators take the key folder's creation lock and look again before writing, so two processes creating the same key
/// at once never replace each other's: the second finds the first one's key and loads it.
/// </summary>
/// <remarks>
/// .NET's File.Move without overwrite is not enough on its own: on Unix it checks that the target is free and then
/// renames, and two creators can both pass the check (the key tests saw several keys for one home).
/// </remarks>
internal static class KeyFiles
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The key file's bytes; when it does not exist, <paramref name="create"/>'s bytes become it, unless another creator's came first.</summary>
    public static byte[] ReadOrCreate(string path, Func<byte[]> create)
    {
        if (!File.Exists(path))
        {
            UnderCreationLock(Path.GetDirectoryName(path)!, () =>
            {
                if (!File.Exists(path))
                {
                    Write(path, create());
                }
            });
        }
        return File.ReadAllBytes(path);
    }

    /// <summary>
    /// A 256-bit symmetric key kept base64 on one line (the identities key, the key-encryption key, the search-text key),
    /// created from the system's random generator when the file does not exist.
    /// </summary>
    public static byte[] ReadOrCreate256(string path)
    {
        var text = System.Text.Encoding.ASCII.GetString(ReadOrCreate(path,
            () => System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n")));
        var key = new byte[32];
        return Convert.TryFromBase64String(text.Trim(), key, out var length) && length == key.Length
            ? key
            : throw new System.Security.Cryptography.CryptographicException($"{path} does not hold a 256-bit key.");
    }

    /// <summary>
    /// Runs <paramref name="action"/> while holding the key folder's creation lock, which excludes other threads and
    /// other processes alike (an exclusive lock on <c>.create.lock</c>, released by the kernel if its holder dies).
    /// Keys made of several files, such as the organisation's certificate, its key and their CA, are created whole under it.
    /// </summary>
    public static void UnderCreationLock(string folder, Action action)
    {
        OwnerOnly.CreateFolder(folder);
        var options = OwnerOnly.NewFile(FileMode.OpenOrCreate, FileAccess.ReadWrite);
        options.Share = FileShare.None; // on Unix, .NET takes an exclusive flock for it
        var waited = Stopwatch.StartNew();
        FileStream? held = null;
        while (held is null)
        {
            try
            {
                held = new FileStream(Path.Combine(folder, ".create.lock"), options);
            }
            catch (IOException) when (waited.Elapsed < LockTimeout)
            {
                Thread.Sleep(10);
            }
        }
        using (held)
        {
            action();
        }
    }

    /// <summary>
    /// Writes a key file whole: temporary name, fsync, rename. Only under <see cref="UnderCreationLock"/>, after
    /// looking that the key is not there: a file it replaces is the leftover of a creation that stopped half-way.
    /// </summary>
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var folder = OwnerOnly.CreateFolder(Path.GetDirectoryName(path)!);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, OwnerOnly.NewFile()))
            {
                file.Write(content);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
