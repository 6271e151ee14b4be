using System.Security.Cryptography;
using System.Text;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Requests;
using Evidence.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Backup;

/// <summary>
/// `evidence restore DIR --home NEW`: builds a home from a backup, after checking all of it, or writes nothing. Checked, in
/// this order: that the backup has its manifest (a backup writes it last, so one without is incomplete); that every line of
/// it is well formed and names a place a backup has (a hostile manifest cannot name <c>../</c> or an absolute path); that
/// the folder holds exactly the files listed (none missing, none extra, no links); that the manifest is signed by the
/// ledger key it names, and that this is the pinned key when one is given, or a key the backup's own ledger leads to from
/// it through its key rotations (checked once the database is copied, before the home is named NEW); that the passphrase opens the sealed keys and that they
/// hold that ledger key; and, while each file is copied, that its bytes have the SHA-256 listed. The home is built under a
/// temporary name beside NEW and renamed to NEW only when it is whole, with its first event, <c>Restored</c>, recorded.
/// A NEW that already holds a home (its database, keys, blobs or packages) is refused.
/// </summary>
/// <remarks>
/// This is no request sent to a running home: there is none yet. What the backup fails to be is returned as findings (exit
/// 1, like verify); bad input (no such folder, a home already there, a wrong passphrase) is refused (exit 2). In both cases
/// nothing was written.
/// </remarks>
public static class RestoreHome
{
    public const string LedgerKeyFile = "ledger-ed25519.pem";

    public static async Task<RestoreReport> RunAsync(string backupFolder, string passphrase, string? pinnedVerifierKey, EvidenceSettings target, Actor actor,
        CancellationToken cancellationToken)
    {
        var backup = Path.TrimEndingDirectorySeparator(Path.GetFullPath(backupFolder));
        // "NEW/" names the same folder as "NEW"; the home is built beside it under a name made from its last part.
        var home = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target.Home));
        RefuseTarget(backup, home, target);
        var findings = new List<Finding>();
        RestoreReport Refused() => new(home, null, null, findings, []);

        var manifestPath = Path.Combine(backup, BackupManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            findings.Add(new Finding("backup", BackupManifest.FileName, "the signed manifest a backup writes last",
                "none: the backup is incomplete (it stopped before it finished) or this folder is not a backup; it cannot be restored"));
            return Refused();
        }
        if (new FileInfo(manifestPath).Length > BackupManifest.MaxBytes)
        {
            findings.Add(new Finding("backup", BackupManifest.FileName, $"a manifest of at most {BackupManifest.MaxBytes} bytes", "a larger file"));
            return Refused();
        }
        var noteBytes = await File.ReadAllBytesAsync(manifestPath, cancellationToken);
        string note;
        try
        {
            note = new UTF8Encoding(false, true).GetString(noteBytes);
        }
        catch (DecoderFallbackException)
        {
            findings.Add(new Finding("backup", BackupManifest.FileName, "UTF-8 text", "bytes that are not UTF-8"));
            return Refused();
        }
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            findings.Add(new Finding("backup", BackupManifest.FileName, "a signed note (body, blank line, signature)", "no signature"));
            return Refused();
        }
        if (BackupManifest.Parse(note[..(split + 1)], findings) is not { } manifest)
        {
            return Refused();
        }
        CheckListing(backup, manifest, findings);
        if (findings.Count > 0)
        {
            return Refused();
        }

        if (manifest.Ledger != target.LedgerName)
        {
            throw new InvalidRequestException($"The backup's ledger is named {manifest.Ledger}, this installation's {target.LedgerName} (EVIDENCE_LEDGER_NAME); " +
                                              $"nothing was written. Set EVIDENCE_LEDGER_NAME={manifest.Ledger} for the restored home.");
        }
        if (manifest.Database == "sqlite" && target.PostgresDatabase is not null)
        {
            throw new InvalidRequestException("The backup holds a SQLite database, but EVIDENCE_DB names a PostgreSQL one; nothing was written. " +
                                              "Unset EVIDENCE_DB to restore the home with its SQLite database.");
        }
        if (manifest.Blobs == "folder" && target.AzureBlobConnectionString is not null)
        {
            throw new InvalidRequestException("The backup holds its blobs as files, but EVIDENCE_AZURE_BLOB names an Azure container; nothing was written. " +
                                              "Unset EVIDENCE_AZURE_BLOB to restore the home with its blob folder.");
        }

        // The signature, by the key the manifest names and (when given) the key pinned from outside the backup.
        NoteVerifier verifier;
        try
        {
            verifier = NoteVerifier.Parse(manifest.VerifierKey);
        }
        catch (FormatException e)
        {
            findings.Add(new Finding("backup", $"{BackupManifest.FileName} key", "a signed-note verifier key", e.Message));
            return Refused();
        }
        // A manifest signed by another key than the pinned one may still be this ledger's: signed after a key rotation. The
        // rotations are followed from the pinned key in the backup's own database, once it is copied (FollowFromPinnedAsync).
        var followFrom = pinnedVerifierKey is not null && Pinned(pinnedVerifierKey) is var pinned && pinned.VerifierKey != verifier.VerifierKey ? pinned : null;
        if (followFrom is not null && manifest.Database != "sqlite")
        {
            findings.Add(new Finding("backup", $"{BackupManifest.FileName} key", $"the pinned key {followFrom.VerifierKey}",
                $"{verifier.VerifierKey}, and no database in the backup whose key rotations could lead to it: check that key, and pin it"));
            return Refused();
        }
        if (!verifier.Verify(note, out _))
        {
            findings.Add(new Finding("backup", $"{BackupManifest.FileName} signature", $"a signature by {verifier.VerifierKey}", "none that verifies: the manifest was changed"));
            return Refused();
        }

        // The keys: their file must be the one listed before the passphrase is tried on it.
        var keysPath = Path.Combine(backup, SealedKeys.FileName);
        if (new FileInfo(keysPath).Length > SealedKeys.MaxBytes)
        {
            findings.Add(new Finding("backup", SealedKeys.FileName, $"sealed keys of at most {SealedKeys.MaxBytes} bytes", "a larger file"));
            return Refused();
        }
        var sealedKeys = await File.ReadAllBytesAsync(keysPath, cancellationToken);
        var listedKeys = manifest.Files.Single(f => f.Path == SealedKeys.FileName).Sha256;
        if (Convert.ToHexStringLower(SHA256.HashData(sealedKeys)) != listedKeys)
        {
            findings.Add(Changed(SealedKeys.FileName, listedKeys, Convert.ToHexStringLower(SHA256.HashData(sealedKeys))));
            return Refused();
        }
        var keys = SealedKeys.Open(sealedKeys, passphrase);

        var parent = Path.GetDirectoryName(home)!;
        var building = Path.Combine(parent, $".{Path.GetFileName(home)}.restoring-{Guid.NewGuid():N}");
        if (!Directory.Exists(parent))
        {
            OwnerOnly.CreateFolder(parent); // never on one that exists: it is the operator's, with the modes they gave it
        }
        var done = false;
        try
        {
            OwnerOnly.CreateFolder(building);
            var settings = target with { Home = building };
            WriteKeys(settings.KeyFolder, keys);
            if (!keys.ContainsKey(LedgerKeyFile)
                || NoteSigner.LoadOrCreate(Path.Combine(settings.KeyFolder, LedgerKeyFile), manifest.Ledger).Verifier.VerifierKey != verifier.VerifierKey)
            {
                findings.Add(new Finding("backup", SealedKeys.FileName, $"the ledger key that signed the manifest ({verifier.VerifierKey}) in {LedgerKeyFile}", "another key, or none"));
                return Refused();
            }
            long bytes = sealedKeys.Length;
            foreach (var file in manifest.Files.Where(f => f.Path != SealedKeys.FileName))
            {
                var source = Path.Combine(backup, file.Path);
                var (sha256, size) = file.Path == BackupManifest.AzureBlobList
                    ? await BackupFiles.HashAsync(source, cancellationToken) // a list for the operator, not part of the home
                    : await BackupFiles.CopyAsync(source, Path.Combine(building, file.Path), cancellationToken,
                        file.Path.StartsWith("blobs/", StringComparison.Ordinal) ? UnixFileMode.UserRead : null);
                if (sha256 != file.Sha256)
                {
                    findings.Add(Changed(file.Path, file.Sha256, sha256));
                }
                bytes += size;
            }
            if (findings.Count > 0)
            {
                return Refused();
            }
            BackupFiles.MakeDurable(Path.Combine(settings.KeyFolder, LedgerKeyFile));
            var instructions = new List<string>();
            if (manifest.Database == "sqlite")
            {
                var problem = await RecordAsync(settings, actor, new RecordRestore(Convert.ToHexStringLower(SHA256.HashData(noteBytes)), manifest.LedgerSize, manifest.LedgerRoot,
                    manifest.CreatedUtc), followFrom is null ? null : ledger => FollowFromPinnedAsync(ledger, followFrom, verifier, manifest, cancellationToken),
                    cancellationToken);
                if (problem is not null)
                {
                    findings.Add(new Finding("backup", $"{BackupManifest.FileName} key", $"the pinned key {followFrom!.VerifierKey}, or a key its rotations lead to", problem));
                    return Refused();
                }
            }
            else
            {
                instructions.Add("The backup's records are in a PostgreSQL dump, not in the backup: restore it into an empty database with " +
                                 "pg_restore --no-owner --dbname=\"$EVIDENCE_DB\" evidence.pgdump, set EVIDENCE_DB for this home, then run `evidence verify`.");
            }
            if (manifest.Blobs == "azure")
            {
                instructions.Add($"The blobs are in the Azure container the backup was made from ({BackupManifest.AzureBlobList} lists them): point " +
                                 "EVIDENCE_AZURE_BLOB and EVIDENCE_AZURE_CONTAINER at it, or at your copy of it, then run `evidence verify`.");
            }
            if (Directory.Exists(home))
            {
                Directory.Delete(home); // empty (RefuseTarget): the rename needs its name free
            }
            Directory.Move(building, home);
            done = true;
            return new RestoreReport(home, manifest, bytes, findings, instructions);
        }
        finally
        {
            if (!done)
            {
                BackupFiles.DeleteQuietly(building);
            }
        }
    }

    private static Finding Changed(string path, string listed, string found) =>
        new("backup", path, $"sha256 {listed} (as the manifest lists it)", $"sha256 {found}: the file was changed");

    private static NoteVerifier Pinned(string key)
    {
        try
        {
            return NoteVerifier.Parse(key);
        }
        catch (FormatException e)
        {
            throw new InvalidRequestException($"The pinned verifier key is not valid: {e.Message}");
        }
    }

    /// <summary>
    /// NEW may be a new folder or an empty one; one holding any part of a home is refused, as is a NEW inside the backup or
    /// a backup inside NEW.
    /// </summary>
    private static void RefuseTarget(string backup, string home, EvidenceSettings target)
    {
        if (!Directory.Exists(backup))
        {
            throw new InvalidRequestException($"There is no backup folder {Text.Display.Path(backup)}; nothing was written.");
        }
        var inner = backup.TrimEnd('/') + "/";
        var outer = home.TrimEnd('/') + "/";
        if (outer.StartsWith(inner, StringComparison.Ordinal) || inner.StartsWith(outer, StringComparison.Ordinal))
        {
            throw new InvalidRequestException($"The home {Text.Display.Path(home)} and the backup {Text.Display.Path(backup)} are inside one another; nothing was written. " +
                                              "Restore into a folder elsewhere.");
        }
        if (File.Exists(home))
        {
            throw new InvalidRequestException($"{Text.Display.Path(home)} is a file, not a folder for a home; nothing was written.");
        }
        var parts = new[] { target.DatabasePath, target.KeyFolder, target.BlobFolder, target.PackageFolder };
        if (parts.Any(p => File.Exists(p) || Directory.Exists(p)) || (Directory.Exists(home) && Directory.EnumerateFileSystemEntries(home).Any()))
        {
            throw new InvalidRequestException($"{Text.Display.Path(home)} already holds files (an Evidence home, or the start of one); nothing was written. " +
                                              "Restore into a new or empty folder: a restore never replaces a home.");
        }
    }

    /// <summary>Every file under the backup folder is one the manifest lists, a plain file (no link), and every listed file is there.</summary>
    private static void CheckListing(string backup, BackupManifest manifest, List<Finding> findings)
    {
        var listed = manifest.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var found = new HashSet<string>(StringComparer.Ordinal);
        void Walk(DirectoryInfo folder, string prefix)
        {
            foreach (var entry in folder.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                var path = prefix + entry.Name;
                if (entry.LinkTarget is not null)
                {
                    findings.Add(new Finding("backup", Text.Display.Text(path), "a plain file or folder", "a link: a backup holds none"));
                }
                else if (entry is DirectoryInfo sub)
                {
                    Walk(sub, path + "/");
                }
                else if (path != BackupManifest.FileName)
                {
                    found.Add(path);
                    if (!listed.Contains(path))
                    {
                        findings.Add(new Finding("backup", Text.Display.Text(path), "only the files the manifest lists", "a file the manifest does not list"));
                    }
                }
            }
        }
        Walk(new DirectoryInfo(backup), "");
        foreach (var path in listed.Where(p => !found.Contains(p)).Order(StringComparer.Ordinal))
        {
            findings.Add(new Finding("backup", path, "a file the manifest lists", "no such file: it was removed"));
        }
    }

    private static void WriteKeys(string keyFolder, IReadOnlyDictionary<string, byte[]> keys)
    {
        OwnerOnly.CreateFolder(keyFolder);
        foreach (var (name, content) in keys)
        {
            var path = Path.Combine(keyFolder, name.Replace('/', Path.DirectorySeparatorChar));
            OwnerOnly.CreateFolder(Path.GetDirectoryName(path)!);
            using var file = OwnerOnly.CreateNew(path);
            file.Write(content);
            CryptographicOperations.ZeroMemory(content);
        }
    }

    /// <summary>
    /// Starts the services on the home being built, only to record its first event, and stops them (closing the database).
    /// <paramref name="check"/>, when given, is asked first, of the home's ledger: what it returns refuses the restore, and
    /// nothing is recorded.
    /// </summary>
    private static async Task<string?> RecordAsync(EvidenceSettings settings, Actor actor, RecordRestore request, Func<Ledger, Task<string?>>? check,
        CancellationToken cancellationToken)
    {
        await using var services = await EvidenceServices.StartAsync(settings, cancellationToken: cancellationToken, startUp: StartUp.Quick);
        await using var scope = services.CreateAsyncScope();
        if (check is not null && await check(scope.ServiceProvider.GetRequiredService<Ledger>()) is { } problem)
        {
            return problem;
        }
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = actor with { Role = Role.Admin };
        await scope.ServiceProvider.GetRequiredService<MediatR.IMediator>().Send(request, cancellationToken);
        return null;
    }

    /// <summary>
    /// Why the backup's ledger does not lead from <paramref name="pinned"/> to <paramref name="signer"/>, the key that signed its
    /// manifest; null when it does. The chain is followed as verify-package follows a package's (<see cref="KeyRotationProof.Follow"/>):
    /// each <c>KeyRotated</c> event proven in the checkpoint that first covers it, that checkpoint signed by the key trusted
    /// before and the key introduced, and extended by the tree the signed manifest names (its size and root). Nothing the
    /// database says is taken on trust: its proofs are checked against signatures and against the manifest's root.
    /// </summary>
    private static async Task<string?> FollowFromPinnedAsync(Ledger ledger, NoteVerifier pinned, NoteVerifier signer, BackupManifest manifest,
        CancellationToken cancellationToken)
    {
        Checkpoint target;
        List<KeyRotationProof> proofs;
        try
        {
            target = new Checkpoint(manifest.Ledger, manifest.LedgerSize, Convert.FromBase64String(manifest.LedgerRoot));
            var latest = await ledger.LatestCheckpointAsync(cancellationToken);
            if (latest is null || latest.Size != manifest.LedgerSize)
            {
                return $"{signer.VerifierKey}, and a database without the checkpoint of {manifest.LedgerSize} events the manifest names";
            }
            proofs = await ledger.RotationProofsAsync(latest, withConsistency: true, cancellationToken, refuseUnfollowable: false);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or UnavailableException)
        {
            return $"{signer.VerifierKey}, and a database whose key rotations cannot be proven ({e.Message})";
        }
        var followed = KeyRotationProof.Follow(pinned, proofs, target, (proof, rotated) => proof.Extends(rotated, target));
        if (followed.Problem is { } problem)
        {
            return $"{signer.VerifierKey}, which the backup's key rotations do not lead to: {problem}";
        }
        return followed.Current.VerifierKey == signer.VerifierKey
            ? null
            : $"{signer.VerifierKey}; the backup's key rotations lead from the pinned key to {followed.Current.VerifierKey} instead";
    }
}

/// <summary>What `restore` did: `restore --json` prints this record. <see cref="Restored"/> is false when the backup was refused, with every finding.</summary>
public sealed record RestoreReport(string Home, string? VerifierKey, long? LedgerSize, int Files, long Bytes, string? Database, string? Blobs,
    IReadOnlyList<Finding> Findings, IReadOnlyList<string> Instructions)
{
    [System.Text.Json.Serialization.JsonPropertyOrder(-1)]
    public bool Restored => Findings.Count == 0;

    internal RestoreReport(string home, BackupManifest? manifest, long? bytes, IReadOnlyList<Finding> findings, IReadOnlyList<string> instructions)
        : this(home, manifest?.VerifierKey, manifest?.LedgerSize, manifest?.Files.Count ?? 0, bytes ?? 0, manifest?.Database, manifest?.Blobs, findings, instructions)
    {
    }
}
