using Evidence.Ingest;

namespace Evidence.Recovery;

/// <summary>
/// Resumable uploads that will never complete: a client that did not come back for <c>age</c>, or an upload claimed for
/// completion by a process that died (its folder still carries <see cref="UploadStaging.ClaimedSuffix"/>: its ingest never
/// committed, since a committed upload's folder is removed). Their parts are evidence bytes nobody recorded, so they go.
/// </summary>
internal static class AbandonedUploads
{
    public static int Remove(UploadStaging staging, DateTime cutoffUtc)
    {
        if (!Directory.Exists(staging.Folder))
        {
            return 0;
        }
        var removed = 0;
        foreach (var path in Directory.EnumerateDirectories(staging.Folder))
        {
            var touched = Directory.EnumerateFiles(path).Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(Directory.GetLastWriteTimeUtc(path)).Max();
            if (touched < cutoffUtc || path.EndsWith(UploadStaging.ClaimedSuffix, StringComparison.Ordinal))
            {
                Directory.Delete(path, recursive: true);
                removed++;
            }
        }
        return removed;
    }
}
