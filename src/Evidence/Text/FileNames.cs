namespace Evidence.Text;

/// <summary>What a file's name is, wherever one arrives (an upload, a folder walked by ingest, a package's file list).</summary>
public static class FileNames
{
    /// <summary>The file's own name, without the folders it was found in (either slash).</summary>
    public static string LastSegment(string originalName)
    {
        var name = originalName.Replace('\\', '/');
        return name[(name.LastIndexOf('/') + 1)..];
    }
}
