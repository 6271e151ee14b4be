using System.Data;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Evidence.Access;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Requests;
using Evidence.Storage;
using MediatR;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Backup;

/// <summary>
/// `evidence backup --out DIR`: a copy of the home that a restore can check, consistent as a whole. The SQLite database is
/// copied first, through SQLite's online backup API (one consistent snapshot, taken while others keep writing); then every
/// blob and package file that this snapshot names, and the key folder sealed under a passphrase (<see cref="SealedKeys"/>);
/// last the manifest, signed by the ledger's key, which is published only together with the <c>BackedUp</c> custody event
/// that records it. A backup that stopped before its manifest has none, and a restore refuses it.
/// </summary>
/// <remarks>
/// Why the pair is consistent: a blob is stored at its content address before the event that names it is committed
/// (<see cref="UnitOfWork"/>), and is never removed once an event names it (the start-up sweep removes only blobs no leaf
/// names, <c>Recovery/UnrecordedBlobs.cs</c>). So every blob the snapshot names is in the store for as long as the copy
/// takes, and blobs stored after the snapshot are not copied: the restored home has exactly the blobs its events name.
/// The same holds for keys: a key the snapshot's rows need existed before the snapshot, and the keys are sealed after it.
/// Blobs are copied as stored, never decrypted: what is encrypted at rest stays encrypted in the backup. On PostgreSQL the
/// database is not copied (pg_dump is the tool; the answer says how); on Azure the blobs are not (Azure-side copy).
/// </remarks>
[AllowedRoles(Role.Admin)]
public sealed record BackUpHome(string Folder, string Passphrase) : IRequest<BackupReport>, IValidatedRequest
{
    public const int MinimumPassphraseLength = 12;

    public IEnumerable<string> Validate()
    {
        IEnumerable<string?> problems =
        [
            string.IsNullOrWhiteSpace(Folder) ? "the backup folder (--out) is required." : null,
            Passphrase is null || Passphrase.Length < MinimumPassphraseLength
                ? $"the passphrase that seals the keys must be at least {MinimumPassphraseLength} characters long." : null,
        ];
        return problems.OfType<string>();
    }

    // The passphrase never reaches a log line or a debugger's display of the request.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Folder = ").Append(Folder);
        return true;
    }
}

/// <summary>
/// What `backup` wrote: `backup --json` prints this record. <see cref="ManifestSha256"/> is the SHA-256 of manifest.txt as
/// written, which the <c>BackedUp</c> event records; <see cref="LedgerSize"/> the events the backup holds (#0 to
/// #LedgerSize-1, the size of the snapshot's latest checkpoint); <see cref="Database"/> <c>sqlite</c> or <c>postgres</c>,
/// <see cref="Blobs"/> <c>folder</c> or <c>azure</c>; <see cref="MissingBlobs"/> the blobs the snapshot names that the store
/// did not have (the home's own verify reports them too); <see cref="Instructions"/> what else to copy by hand (a PostgreSQL
/// database, an Azure container, keys configured outside the home).
/// </summary>
public sealed record BackupReport(string Folder, string ManifestSha256, long LedgerSize, string Database, string Blobs, int Files, long Bytes, int BlobCount,
    int PackageCount, IReadOnlyList<string> MissingBlobs, IReadOnlyList<string> Instructions);

internal sealed class BackUpHomeHandler(EvidenceDbContext db, IBlobStore blobs, Ledger ledger, EvidenceSettings settings, UnitOfWork unitOfWork,
    TimeProvider clock) : IRequestHandler<BackUpHome, BackupReport>
{
    public async Task<BackupReport> Handle(BackUpHome request, CancellationToken cancellationToken)
    {
        var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(request.Folder));
        RefuseFolder(folder);
        var existed = Directory.Exists(folder);
        OwnerOnly.CreateFolder(folder);
        try
        {
            return await WriteAsync(folder, request.Passphrase, cancellationToken);
        }
        catch
        {
            // A backup that failed half-way holds the database and raw blobs, and no manifest: nothing worth keeping. (One that
            // fails at the commit, after this, keeps them without a manifest; a restore refuses it.)
            BackupFiles.DeleteQuietly(folder, keepFolder: existed);
            throw;
        }
    }

    private async Task<BackupReport> WriteAsync(string folder, string passphrase, CancellationToken cancellationToken)
    {
        var files = new List<BackupFile>();
        long bytes = 0;
        void Add(string path, (string Sha256, long Size) copied)
        {
            files.Add(new BackupFile(path, copied.Sha256));
            bytes += copied.Size;
        }
        var instructions = new List<string>();

        // 1. The database, first: everything else is what this snapshot names.
        Snapshot snapshot;
        if (settings.PostgresDatabase is null)
        {
            var copy = Path.Combine(folder, BackupManifest.DatabaseFile);
            CopyDatabase(settings.DatabasePath, copy);
            snapshot = await ReadCopyAsync(copy, cancellationToken);
            Add(BackupManifest.DatabaseFile, await BackupFiles.HashAsync(copy, cancellationToken));
        }
        else
        {
            snapshot = await ReadLiveAsync(cancellationToken);
            instructions.Add("The records are in PostgreSQL, which this command does not copy: they are the pg_dump taken just before this backup " +
                             "(pg_dump --format=custom --file=evidence.pgdump \"$EVIDENCE_DB\", kept beside the backup folder, not inside it). " +
                             $"This backup holds the blobs of the {snapshot.LedgerSize} events the database held when it started; see docs/deploy.md.");
        }

        // 2. The blobs the snapshot names, as stored.
        var missing = new List<string>();
        var blobCount = 0;
        if (settings.AzureBlobConnectionString is null)
        {
            foreach (var sha256 in snapshot.Blobs)
            {
                var source = Path.Combine(settings.BlobFolder, BlobKey.For(sha256));
                if (!File.Exists(source))
                {
                    missing.Add(sha256);
                    continue;
                }
                var path = $"blobs/{BlobKey.For(sha256)}";
                Add(path, await BackupFiles.CopyAsync(source, Path.Combine(folder, path), cancellationToken));
                blobCount++;
            }
        }
        else
        {
            var listed = new StringBuilder();
            foreach (var sha256 in snapshot.Blobs)
            {
                if (await blobs.ExistsAsync(sha256, cancellationToken))
                {
                    listed.Append(sha256).Append('\n');
                    blobCount++;
                }
                else
                {
                    missing.Add(sha256);
                }
            }
            Add(BackupManifest.AzureBlobList, await BackupFiles.WriteAsync(Path.Combine(folder, BackupManifest.AzureBlobList), Encoding.ASCII.GetBytes(listed.ToString()), cancellationToken));
            instructions.Add($"The blobs stay in the Azure container '{settings.AzureBlobContainer}' and are not in this backup: copy the container with Azure's own " +
                             "tools (azcopy copy --recursive to another account, or object replication), which copy the blobs exactly as stored. " +
                             $"{BackupManifest.AzureBlobList} lists the {blobCount} blobs this backup's records name.");
        }

        // 3. The package files the snapshot names.
        var packageCount = 0;
        foreach (var name in snapshot.PackageFiles)
        {
            var source = Path.Combine(settings.PackageFolder, name);
            if (File.Exists(source))
            {
                Add($"packages/{name}", await BackupFiles.CopyAsync(source, Path.Combine(folder, "packages", name), cancellationToken));
                packageCount++;
            }
        }

        // 4. The keys, after the snapshot (so every key its rows need is there), sealed. The manifest is signed by the key the
        // ledger signs with now (after a rotation, the new one, taken up here before the folder is sealed), which is the key
        // the restore looks for in the sealed folder.
        var signer = await ledger.SigningKeyAsync(cancellationToken);
        string? sealedLedgerKey = null;
        var sealedKeys = SealedKeys.Seal(settings.KeyFolder, passphrase, (name, content) =>
        {
            if (name == LedgerKeys.FileName)
            {
                sealedLedgerKey = NoteSigner.FromPem(content, name, signer.Name).Verifier.VerifierKey;
            }
        });
        RefuseKeyRotatedDuringBackup(snapshot, signer, sealedLedgerKey);
        Add(SealedKeys.FileName, await BackupFiles.WriteAsync(Path.Combine(folder, SealedKeys.FileName), sealedKeys, cancellationToken));
        foreach (var (variable, value) in new[] { ("EVIDENCE_ORG_CERT", settings.OrganisationCertificate), ("EVIDENCE_ORG_KEY", settings.OrganisationKey),
                     ("EVIDENCE_ORG_CA", settings.OrganisationCa), ("EVIDENCE_TSA_CERT", settings.TimestampAuthorityCertificate),
                     ("EVIDENCE_OPENPGP_KEYS", settings.OpenPgpKeys), ("EVIDENCE_C2PA_TRUST_ANCHORS", settings.C2paTrustAnchors) })
        {
            if (value is not null)
            {
                instructions.Add($"{variable} names {value}, outside the home: it is not in this backup; keep a copy of it with the backup.");
            }
        }

        // 5. The manifest, last, published with the custody event that records it.
        BackupFiles.MakeDurable(Path.Combine(folder, SealedKeys.FileName));
        var manifest = new BackupManifest(signer.Name, signer.Verifier.VerifierKey, settings.PostgresDatabase is null ? "sqlite" : "postgres",
            settings.AzureBlobConnectionString is null ? "folder" : "azure", clock.GetUtcNow().UtcDateTime, snapshot.LedgerSize, snapshot.LedgerRoot,
            [.. files.OrderBy(f => f.Path, StringComparer.Ordinal)]);
        var note = Encoding.UTF8.GetBytes(signer.Sign(manifest.Body));
        var final = Path.Combine(folder, BackupManifest.FileName);
        var partial = OwnerOnly.CreateNew($"{final}.partial", FileAccess.ReadWrite);
        unitOfWork.PublishOnCommit(partial, final);
        await partial.WriteAsync(note, cancellationToken);
        partial.Flush(flushToDisk: true);
        var manifestSha256 = Convert.ToHexStringLower(SHA256.HashData(note));
        unitOfWork.Record("BackedUp", null, null,
        [
            new("manifestSha256", manifestSha256),
            new("ledgerSize", snapshot.LedgerSize.ToString(CultureInfo.InvariantCulture)),
            new("files", files.Count.ToString(CultureInfo.InvariantCulture)),
            new("bytes", bytes.ToString(CultureInfo.InvariantCulture)),
            new("database", manifest.Database),
            new("blobs", manifest.Blobs),
            new("missingBlobs", missing.Count.ToString(CultureInfo.InvariantCulture)),
        ]);
        return new BackupReport(folder, manifestSha256, snapshot.LedgerSize, manifest.Database, manifest.Blobs, files.Count, bytes, blobCount, packageCount,
            missing, instructions);
    }

    /// <summary>
    /// The database copy, the key that signs the manifest and the key folder sealed must be of one moment of the ledger. A
    /// `log rotate-key` that commits while the backup runs (after its snapshot) leaves a snapshot whose latest checkpoint the
    /// new key never signed and a key folder without the old key (destroyed): a home restored from it could sign nothing
    /// more, and its manifest's key would lead nowhere from the snapshot's keys. Such a backup is refused whole, to be run
    /// again; one where the rotation committed before the snapshot holds it, and is consistent.
    /// </summary>
    private static void RefuseKeyRotatedDuringBackup(Snapshot snapshot, NoteSigner signer, string? sealedLedgerKey)
    {
        if (sealedLedgerKey != signer.Verifier.VerifierKey || (snapshot.LatestCheckpoint is { } latest && !signer.Verifier.Verify(latest, out _)))
        {
            throw new UnavailableException("The ledger key was rotated while the backup was running (`log rotate-key`), so its database copy, its keys " +
                                           "and the key signing its manifest are of different moments; nothing was kept. Run the backup again.");
        }
    }

    /// <summary>
    /// An empty or new folder, outside the home: a backup never mixes with another's files, and the home's own folders never
    /// end up inside their copy.
    /// </summary>
    private void RefuseFolder(string folder)
    {
        var home = Path.GetFullPath(settings.Home).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var target = folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        if (target.StartsWith(home, StringComparison.Ordinal) || home.StartsWith(target, StringComparison.Ordinal))
        {
            throw new InvalidRequestException($"The backup folder {Text.Display.Path(folder)} is inside the home {Text.Display.Path(settings.Home)} or holds it; nothing was written. " +
                                              "Give a folder elsewhere, best on another disk.");
        }
        if (File.Exists(folder) || (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any()))
        {
            throw new InvalidRequestException($"{Text.Display.Path(folder)} is not an empty folder; nothing was written. Give a new or empty folder for the backup.");
        }
    }

    /// <summary>
    /// SQLite's online backup: the whole database as of one moment, read while others go on writing (in WAL mode a reader
    /// blocks no writer). The copy is switched to a rollback journal, so that it is one self-contained file.
    /// </summary>
    private void CopyDatabase(string source, string copy)
    {
        using (OwnerOnly.CreateNew(copy))
        {
            // Created 0600 before SQLite opens it, as the home's database is (HomeFolder.CreateDatabaseFile).
        }
        using var from = new SqliteConnection(Sqlite.ConnectionString(source, settings.DatabaseBusyTimeout));
        using var to = new SqliteConnection(Sqlite.ConnectionString(copy, settings.DatabaseBusyTimeout));
        from.Open();
        to.Open();
        using (var wait = from.CreateCommand())
        {
            // The backup step takes the source's read lock; a writer's brief exclusive moment (a WAL checkpoint) is waited for.
            wait.CommandText = $"PRAGMA busy_timeout={(int)settings.DatabaseBusyTimeout.TotalMilliseconds};";
            wait.ExecuteNonQuery();
        }
        from.BackupDatabase(to);
        using var command = to.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=DELETE;";
        command.ExecuteNonQuery();
    }

    /// <summary>What the database names, read from the copy: the backup holds exactly what it names.</summary>
    private async Task<Snapshot> ReadCopyAsync(string copy, CancellationToken cancellationToken)
    {
        var readOnly = new SqliteConnectionStringBuilder(Sqlite.ConnectionString(copy, settings.DatabaseBusyTimeout)) { Mode = SqliteOpenMode.ReadOnly }.ToString();
        await using var connection = new SqliteConnection(readOnly);
        var options = new DbContextOptionsBuilder<EvidenceDbContext>();
        options.UseEvidenceSqlite(copy, settings.DatabaseBusyTimeout, connection: connection);
        await using var context = new EvidenceDbContext(options.Options);
        return await Snapshot.ReadAsync(context, cancellationToken);
    }

    /// <summary>What the PostgreSQL database names, read in one repeatable-read transaction: one moment, as a dump sees it.</summary>
    private async Task<Snapshot> ReadLiveAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var snapshot = await Snapshot.ReadAsync(db, cancellationToken);
        await transaction.RollbackAsync(cancellationToken);
        return snapshot;
    }

    /// <summary>
    /// What one snapshot of the database names: the latest checkpoint's size and root, every blob an <c>Ingested</c> event or
    /// an item row names (by the column and by the leaf: an altered column must not leave the recorded bytes behind), and
    /// every package file a row or a <c>PackageBuilt</c> leaf names. Values that are no SHA-256 or no plain file name are
    /// skipped: a forged column must not make the backup read a file outside the store.
    /// </summary>
    private sealed record Snapshot(long LedgerSize, string LedgerRoot, string? LatestCheckpoint, SortedSet<string> Blobs, SortedSet<string> PackageFiles)
    {
        public static async Task<Snapshot> ReadAsync(EvidenceDbContext context, CancellationToken cancellationToken)
        {
            var latest = await context.Checkpoints.AsNoTracking().OrderByDescending(c => c.Size).ThenByDescending(c => c.Id).FirstOrDefaultAsync(cancellationToken);
            var root = latest is null ? SHA256.HashData([]) : Convert.FromHexString(latest.RootHash);
            var blobs = new SortedSet<string>(StringComparer.Ordinal);
            var packages = new SortedSet<string>(StringComparer.Ordinal);
            await foreach (var e in context.CustodyEvents.AsNoTracking().Where(e => e.Action == "Ingested" || e.Action == "PackageBuilt")
                               .Select(e => new { e.Action, e.Sha256, e.Leaf }).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                var leaf = CustodyLeaf.Parse(e.Leaf);
                if (e.Action == "Ingested")
                {
                    AddBlob(blobs, e.Sha256);
                    AddBlob(blobs, leaf?.Sha256);
                }
                else if (leaf is not null && JsonSerializer.Deserialize<Dictionary<string, string>>(leaf.Details)?.GetValueOrDefault("file") is { } file)
                {
                    AddPackage(packages, file);
                }
            }
            await foreach (var sha256 in context.EvidenceItems.AsNoTracking().Select(i => i.Sha256).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                AddBlob(blobs, sha256);
            }
            await foreach (var file in context.ReferralPackages.AsNoTracking().Select(p => p.FileName).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                AddPackage(packages, file);
            }
            return new Snapshot(latest?.Size ?? 0, Convert.ToBase64String(root), latest?.Text, blobs, packages);
        }

        private static void AddBlob(SortedSet<string> blobs, string? sha256)
        {
            if (sha256 is not null && BlobKey.IsSha256Hex(sha256))
            {
                blobs.Add(sha256);
            }
        }

        private static void AddPackage(SortedSet<string> packages, string? name)
        {
            if (name is not null && BackupFile.PackageFileProblem(name) is null)
            {
                packages.Add(name);
            }
        }
    }
}
