namespace Evidence.Storage;

/// <summary>
/// Files and folders that only the installation's own account may open: the home, its keys, the database, blobs,
/// packages and upload staging. Each gets its mode when it is created (folders 0700, files 0600), never by a chmod
/// afterwards, so there is no moment in which another account could open it. <see cref="Tighten"/> narrows what an
/// older version created more widely. On Windows the folder's inherited ACL applies instead.
/// </summary>
public static class OwnerOnly
{
    public const UnixFileMode FolderPermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FilePermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder (and missing parents) 0700; one that exists already is tightened to at most 0700.</summary>
    public static string CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return path;
        }
        if (Directory.Exists(path))
        {
            Tighten(path, FolderPermissions);
        }
        else
        {
            // Each missing parent gets the mode too (a blob's sha256/ab folder may be the first thing a quick start creates).
            var missing = new Stack<string>();
            for (var folder = Path.GetFullPath(path); !Directory.Exists(folder); folder = Path.GetDirectoryName(folder)!)
            {
                missing.Push(folder);
            }
            while (missing.Count > 0)
            {
                Directory.CreateDirectory(missing.Pop(), FolderPermissions);
            }
        }
        return path;
    }

    /// <summary>Options for a new file that is 0600 from its first byte (add Share, BufferSize and Options as needed).</summary>
    public static FileStreamOptions NewFile(FileMode mode = FileMode.CreateNew, FileAccess access = FileAccess.Write)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FilePermissions;
        }
        return options;
    }

    /// <summary>Creates a new file, 0600 from the start.</summary>
    public static FileStream CreateNew(string path, FileAccess access = FileAccess.Write, FileShare share = FileShare.None, int bufferSize = 4096,
        FileOptions options = FileOptions.None)
    {
        var fileOptions = NewFile(FileMode.CreateNew, access);
        fileOptions.Share = share;
        fileOptions.BufferSize = bufferSize;
        fileOptions.Options = options;
        return new FileStream(path, fileOptions);
    }

    /// <summary>
    /// Removes every permission beyond <paramref name="allowed"/> from an existing file or folder (never adds one). Best
    /// effort: a path that is gone, or owned by another account, is left as it is.
    /// </summary>
    public static void Tighten(string path, UnixFileMode allowed)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        try
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & ~allowed) != 0)
            {
                File.SetUnixFileMode(path, mode & allowed);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not ours to change, or removed meanwhile.
        }
    }
}
