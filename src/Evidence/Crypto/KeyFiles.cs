namespace Evidence.Crypto;

/// <summary>Key files in the home's key folder: created once, readable and writable by their owner only.</summary>
internal static class KeyFiles
{
    /// <summary>Writes a new key file; false when another process created it first (then load that one).</summary>
    public static bool TryCreate(string path, ReadOnlySpan<byte> content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using var file = new FileStream(path, options);
            file.Write(content);
            file.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }
}
