namespace Evidence.Storage;

/// <summary>
/// The installation's home folder: the SQLite database, the blob folder, the keys, referral packages and upload
/// staging, all readable by the service account only (folders 0700, files 0600; blobs 0400). A new home gets these
/// modes as each part is created; a home made by an older version, whose parts were created with the process's umask
/// (0755 and 0644), is tightened at start-up. Only the parts Evidence names are touched, never the home folder
/// itself when it existed before (it may be a folder the operator chose and shares).
/// </summary>
public static class HomeFolder
{
    /// <summary>Creates or tightens the home's parts; the SQLite file is created empty, 0600, before SQLite first opens it.</summary>
    public static void Prepare(EvidenceSettings settings)
    {
        if (!Directory.Exists(settings.Home))
        {
            OwnerOnly.CreateFolder(settings.Home);
        }
        OwnerOnly.CreateFolder(settings.KeyFolder);
        foreach (var key in Directory.EnumerateFiles(settings.KeyFolder))
        {
            OwnerOnly.Tighten(key, OwnerOnly.FilePermissions);
        }
        OwnerOnly.CreateFolder(settings.PackageFolder);
        if (settings.AzureBlobConnectionString is null)
        {
            OwnerOnly.CreateFolder(settings.BlobFolder);
        }
        if (settings.PostgresDatabase is null)
        {
            CreateDatabaseFile(settings.DatabasePath);
        }
    }

    /// <summary>
    /// SQLite creates a database file 0644 (less the umask) and gives its -wal and -shm files the database file's mode,
    /// so an empty 0600 file made first (a valid empty database) keeps all three owner-only.
    /// </summary>
    private static void CreateDatabaseFile(string path)
    {
        try
        {
            using (OwnerOnly.CreateNew(path))
            {
            }
        }
        catch (IOException) when (File.Exists(path))
        {
            // An existing database: tightened below.
        }
        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
        {
            if (File.Exists(path + suffix))
            {
                OwnerOnly.Tighten(path + suffix, OwnerOnly.FilePermissions);
            }
        }
    }
}
