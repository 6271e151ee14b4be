namespace Evidence.Ingest;

/// <summary>
/// Turns the paths an investigator names into the files to ingest: files as they are, folders walked
/// recursively in a stable order. A symbolic link is followed only when its target stays inside the folder
/// being walked (a link out of it could pull in anything on the machine); links are never walked twice.
/// </summary>
public static class EvidenceFiles
{
    /// <summary>A path that was named but will not be ingested, and why.</summary>
    public sealed record Skipped(string Path, string Reason);

    public sealed record Expansion(IReadOnlyList<string> Files, IReadOnlyList<Skipped> Skipped)
    {
        /// <summary>The folders walked (links resolved), each the bound of what its files may be read from (<see cref="IngestEvidence.Within"/>).</summary>
        public IReadOnlyList<string> Folders { get; init; } = [];

        /// <summary>The folder <paramref name="file"/> was found in by walking it; null for a file named on its own.</summary>
        public string? FolderOf(string file) => Folders.FirstOrDefault(folder => IsInside(file, folder));
    }

    public static Expansion Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        var skipped = new List<Skipped>();
        var folders = new List<string>();
        foreach (var given in paths)
        {
            var full = Path.GetFullPath(given);
            if (Directory.Exists(full))
            {
                var root = new DirectoryInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
                folders.Add(root);
                Walk(new DirectoryInfo(root), root, files, skipped, new HashSet<string>(StringComparer.Ordinal));
            }
            else
            {
                // A missing or unreadable file is reported by the ingest itself, with its reason.
                files.Add(full);
            }
        }
        return new Expansion(files, skipped) { Folders = folders };
    }

    private static void Walk(DirectoryInfo folder, string root, List<string> files, List<Skipped> skipped, HashSet<string> seen)
    {
        if (!seen.Add(folder.FullName))
        {
            return;
        }
        FileSystemInfo[] entries;
        try
        {
            entries = folder.GetFileSystemInfos();
        }
        catch (UnauthorizedAccessException)
        {
            skipped.Add(new Skipped(folder.FullName, "folder cannot be read (permission denied)"));
            return;
        }
        foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var target = entry;
            if (entry.LinkTarget is not null)
            {
                var resolved = entry.ResolveLinkTarget(returnFinalTarget: true);
                if (resolved is null || !resolved.Exists)
                {
                    skipped.Add(new Skipped(entry.FullName, "broken symbolic link"));
                    continue;
                }
                if (!IsInside(resolved.FullName, root))
                {
                    skipped.Add(new Skipped(entry.FullName, "symbolic link to outside the folder, not followed"));
                    continue;
                }
                target = resolved;
            }
            switch (target)
            {
                case DirectoryInfo directory:
                    Walk(directory, root, files, skipped, seen);
                    break;
                case FileInfo:
                    files.Add(entry.FullName);
                    break;
            }
        }
    }

    internal static bool IsInside(string path, string root) =>
        path == root || path.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
