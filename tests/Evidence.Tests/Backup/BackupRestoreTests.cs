using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Evidence.Crypto;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Backup;

/// <summary>
/// `backup` and `restore` through the command line, on real SQLite homes: a home with evidence, a child's sealed identity
/// and a package in its package folder is backed up once (<see cref="BackedUpHome"/>); each test restores a copy of that
/// backup, as it is or altered the way an attacker or a failing disk would alter it.
/// </summary>
public sealed class BackupRestoreTests(BackedUpHome source) : IClassFixture<BackedUpHome>, IDisposable
{
    private readonly TestHome scratch = new();

    public void Dispose() => scratch.Dispose();

    [SqliteFact]
    public async Task BackupThenRestore_VerifyIsClean_SameEventsBlobsPackagesAndKeys()
    {
        var backup = await source.BackupAsync();
        var restored = Path.Combine(scratch.Path, "restored");
        Directory.CreateDirectory(restored); // an empty folder the operator made is a fine place
        var shared = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                     | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(scratch.Path, shared);

        var (exit, stdout, stderr) = await Cli.RunAsync(restored, "restore", backup.Folder);
        var verify = await Run.CliAsync(restored, "verify");

        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains($"Its ledger key is {backup.VerifierKey}", stdout, StringComparison.Ordinal);
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        // The first events are the backup's, exactly; the next is the restore's own.
        var sourceEvents = await EventsAsync(backup.Home);
        var restoredEvents = await EventsAsync(restored);
        Assert.Equal(sourceEvents.Take((int)backup.LedgerSize), restoredEvents.Take((int)backup.LedgerSize));
        var restoredEvent = JsonDocument.Parse(restoredEvents[(int)backup.LedgerSize]).RootElement;
        Assert.Equal("Restored", restoredEvent.GetProperty("action").GetString());
        Assert.Equal(backup.ManifestSha256, restoredEvent.GetProperty("details").GetProperty("manifestSha256").GetString());
        Assert.Equal(backup.LedgerSize.ToString(System.Globalization.CultureInfo.InvariantCulture), restoredEvent.GetProperty("details").GetProperty("ledgerSize").GetString());
        // The same blobs, byte for byte (the backup's, which are the source's as of the backup), read-only as the store keeps
        // them; the same package; the same keys.
        var blobs = Files(Path.Combine(restored, "blobs", "sha256"));
        Assert.Equal(Files(Path.Combine(backup.Folder, "blobs", "sha256")), blobs);
        Assert.Equal(2, blobs.Count);
        var sourceBlobs = Files(Path.Combine(backup.Home, "blobs", "sha256"));
        Assert.All(blobs, blob => Assert.Equal(sourceBlobs[blob.Key], blob.Value));
        Assert.All(Directory.EnumerateFiles(Path.Combine(restored, "blobs", "sha256"), "*", SearchOption.AllDirectories),
            blob => Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(blob)));
        Assert.Equal(Files(Path.Combine(backup.Home, "packages")), Files(Path.Combine(restored, "packages")));
        Assert.Single(Files(Path.Combine(restored, "packages")));
        Assert.Equal(Files(Path.Combine(backup.Home, "keys")).Where(k => !k.Key.StartsWith('.')), Files(Path.Combine(restored, "keys")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(restored, "keys")));
        Assert.Empty(Directory.GetDirectories(scratch.Path, ".*")); // no half-built home left beside it
        Assert.Equal(shared, File.GetUnixFileMode(scratch.Path)); // the folder it was restored into is the operator's: left as it was
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(restored));
    }

    [SqliteFact]
    public async Task Backup_RecordsWhoWhenTheManifestHashAndTheLedgerSize_InTheSourceHome()
    {
        var backup = await source.BackupAsync();

        var events = await EventsAsync(backup.Home);
        var backedUp = events.Select(e => JsonDocument.Parse(e).RootElement).Single(e => e.GetProperty("action").GetString() == "BackedUp");
        var manifest = await File.ReadAllBytesAsync(Path.Combine(backup.Folder, "manifest.txt"));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(manifest)), backedUp.GetProperty("details").GetProperty("manifestSha256").GetString());
        Assert.Equal(backup.ManifestSha256, backedUp.GetProperty("details").GetProperty("manifestSha256").GetString());
        Assert.Equal(backup.LedgerSize.ToString(System.Globalization.CultureInfo.InvariantCulture), backedUp.GetProperty("details").GetProperty("ledgerSize").GetString());
        Assert.Equal("backup-operator", backedUp.GetProperty("actor").GetString());
        Assert.Equal("Admin", backedUp.GetProperty("role").GetString());
        // The backup holds the events before its own record: the BackedUp event is #LedgerSize.
        Assert.Equal(backup.LedgerSize, backedUp.GetProperty("index").GetInt64());
        // The manifest names the ledger size and root of the checkpoint it covers, and is signed by the ledger's key.
        var text = Encoding.UTF8.GetString(manifest);
        Assert.Contains($"\nledger-size {backup.LedgerSize}\n", text, StringComparison.Ordinal);
        var checkpoint = (await Run.CliAsync(backup.Home, "log", "checkpoint", "--json")).Out;
        Assert.True(NoteVerifier.Parse(backup.VerifierKey).Verify(text, out _));
        Assert.Contains("\nkey " + backup.VerifierKey + "\n", text, StringComparison.Ordinal);
        Assert.NotNull(checkpoint);
    }

    /// <summary>An auditor checks the file hashes without our code: the manifest's lines are sha256sum's.</summary>
    [SqliteFact]
    public async Task Manifest_FileLines_PassSha256sumCheck()
    {
        var backup = await source.BackupAsync();

        var check = await Run.ProcessAsync("bash", "-c", "cd \"$1\" && grep -E '^[0-9a-f]{64}  ' manifest.txt | sha256sum --strict -c -", "bash", backup.Folder);

        Assert.True(check.Exit == 0, check.Out + check.Err);
        Assert.Contains("evidence.db: OK", check.Out, StringComparison.Ordinal);
        Assert.Contains("keys.enc: OK", check.Out, StringComparison.Ordinal);
        Assert.Contains("packages/icc.zip: OK", check.Out, StringComparison.Ordinal);
    }

    /// <summary>Every key file's bytes, and the raw key inside each PEM, searched for in every file of the backup: none is there.</summary>
    [SqliteFact]
    public async Task Backup_KeysAreNotInClear_AnywhereInTheBackup()
    {
        var backup = await source.BackupAsync();
        var needles = new List<(string Name, byte[] Bytes)>();
        foreach (var name in new[] { "ledger-ed25519.pem", "identities-aes256.key", "organisation-key.pem", "organisation-ca-key.pem" })
        {
            var content = await File.ReadAllBytesAsync(Path.Combine(backup.Home, "keys", name));
            needles.Add((name, content));
            var text = Encoding.ASCII.GetString(content);
            if (text.Contains("PRIVATE KEY", StringComparison.Ordinal))
            {
                var der = Convert.FromBase64String(string.Concat(text.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
                needles.Add((name + " (DER)", der));
                needles.Add((name + " (last 32 bytes of the DER)", der[^32..]));
            }
            else
            {
                needles.Add((name + " (the key itself)", Convert.FromBase64String(text.Trim())));
            }
        }
        Assert.Equal(11, needles.Count);

        foreach (var file in Directory.EnumerateFiles(backup.Folder, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            foreach (var (name, needle) in needles)
            {
                Assert.False(bytes.AsSpan().IndexOf(needle) >= 0, $"{name} is in clear in {Path.GetRelativePath(backup.Folder, file)}");
            }
        }
        Assert.True(File.Exists(Path.Combine(backup.Folder, "keys.enc")));
        Assert.False(Directory.Exists(Path.Combine(backup.Folder, "keys")));
    }

    [SqliteFact]
    public async Task Restore_BackupWithoutManifest_RefusedAsIncomplete_NothingWritten()
    {
        var copy = await CopyOfBackupAsync();
        File.Delete(Path.Combine(copy, "manifest.txt"));
        var restored = Path.Combine(scratch.Path, "restored");

        var (exit, stdout, _) = await Cli.RunAsync(restored, "restore", copy);

        Assert.Equal(1, exit);
        Assert.Contains("FINDING backup manifest.txt", stdout, StringComparison.Ordinal);
        Assert.Contains("the backup is incomplete", stdout, StringComparison.Ordinal);
        Assert.Contains("nothing was written", stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(restored));
    }

    /// <summary>Each way a backup can be altered is refused whole, naming the file, and NEW is never created.</summary>
    [SqliteTheory]
    [InlineData("changed blob", "FINDING backup blobs/sha256/", "the file was changed")]
    [InlineData("changed database", "FINDING backup evidence.db", "the file was changed")]
    [InlineData("changed keys", "FINDING backup keys.enc", "the file was changed")]
    [InlineData("missing blob", "FINDING backup blobs/sha256/", "no such file: it was removed")]
    [InlineData("missing package", "FINDING backup packages/icc.zip", "no such file: it was removed")]
    [InlineData("extra file", "FINDING backup blobs/sha256/00/planted", "a file the manifest does not list")]
    [InlineData("extra file beside", "FINDING backup notes.txt", "a file the manifest does not list")]
    [InlineData("link", "FINDING backup packages/icc.zip", "a link")]
    [InlineData("manifest edited", "FINDING backup manifest.txt signature", "the manifest was changed")]
    [InlineData("manifest unsigned", "FINDING backup manifest.txt", "no signature")]
    [InlineData("manifest empty", "FINDING backup manifest.txt", "something else")]
    [InlineData("manifest huge", "FINDING backup manifest.txt", "a larger file")]
    [InlineData("manifest not text", "FINDING backup manifest.txt", "bytes that are not UTF-8")]
    [InlineData("manifest duplicate line", "FINDING backup manifest.txt line", "again")]
    public async Task Restore_AlteredBackup_RefusedNamingTheFile_NothingWritten(string alteration, string finding, string found)
    {
        var copy = await CopyOfBackupAsync();
        var manifestPath = Path.Combine(copy, "manifest.txt");
        var manifest = await File.ReadAllTextAsync(manifestPath);
        var blob = Directory.EnumerateFiles(Path.Combine(copy, "blobs"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        switch (alteration)
        {
            case "changed blob":
                Flip(blob);
                break;
            case "changed database":
                Flip(Path.Combine(copy, "evidence.db"), at: 200);
                break;
            case "changed keys":
                Flip(Path.Combine(copy, "keys.enc"), at: 300);
                break;
            case "missing blob":
                File.Delete(blob);
                break;
            case "missing package":
                File.Delete(Path.Combine(copy, "packages", "icc.zip"));
                break;
            case "extra file":
                Directory.CreateDirectory(Path.Combine(copy, "blobs", "sha256", "00"));
                await File.WriteAllTextAsync(Path.Combine(copy, "blobs", "sha256", "00", "planted"), "planted");
                break;
            case "extra file beside":
                await File.WriteAllTextAsync(Path.Combine(copy, "notes.txt"), "notes");
                break;
            case "link":
                // The link points at the very bytes listed: a backup holds no links all the same (a link can point anywhere later).
                var package = Path.Combine(copy, "packages", "icc.zip");
                File.Move(package, Path.Combine(scratch.Path, "icc.zip"));
                File.CreateSymbolicLink(package, Path.Combine(scratch.Path, "icc.zip"));
                break;
            case "manifest edited":
                // A changed blob, and its line in the manifest changed to match: the signature no longer holds.
                Flip(blob);
                var name = Path.GetRelativePath(copy, blob);
                var oldHash = manifest.Split('\n').Single(l => l.EndsWith("  " + name, StringComparison.Ordinal))[..64];
                await File.WriteAllTextAsync(manifestPath, manifest.Replace(oldHash + "  " + name, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(blob))) + "  " + name, StringComparison.Ordinal));
                break;
            case "manifest unsigned":
                await File.WriteAllTextAsync(manifestPath, manifest[..(manifest.LastIndexOf("\n\n", StringComparison.Ordinal) + 1)]);
                break;
            case "manifest empty":
                await File.WriteAllTextAsync(manifestPath, "\n\n— x y\n");
                break;
            case "manifest huge":
                await using (var file = File.OpenWrite(manifestPath))
                {
                    file.SetLength(300L << 20); // sparse: huge to a reader, nothing on the disk
                }
                break;
            case "manifest not text":
                await File.WriteAllBytesAsync(manifestPath, [.. System.Text.Encoding.UTF8.GetBytes(manifest)[..40], 0xFF, 0xFE, .. System.Text.Encoding.UTF8.GetBytes(manifest)[40..]]);
                break;
            case "manifest duplicate line":
                var keysLine = manifest.Split('\n').Single(l => l.EndsWith("  keys.enc", StringComparison.Ordinal));
                await File.WriteAllTextAsync(manifestPath, manifest.Replace(keysLine + "\n", keysLine + "\n" + keysLine + "\n", StringComparison.Ordinal));
                break;
        }
        var restored = Path.Combine(scratch.Path, "restored");

        var (exit, stdout, stderr) = await Cli.RunAsync(restored, "restore", copy);

        Assert.True(exit == 1, $"exit {exit}: {stdout}{stderr}");
        Assert.Contains(finding, stdout, StringComparison.Ordinal);
        Assert.Contains(found, stdout, StringComparison.Ordinal);
        Assert.Contains("REFUSED", stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(restored));
        Assert.Empty(Directory.GetDirectories(scratch.Path, ".*"));
    }

    /// <summary>
    /// A manifest that names files outside the backup or the new home, signed with the ledger's own key (an insider who holds
    /// it): refused at its first line, before any file is read or written.
    /// </summary>
    [SqliteTheory]
    [InlineData("../outside.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("blobs/sha256/00/../../../../outside.txt")]
    [InlineData("packages/../keys/ledger-ed25519.pem")]
    [InlineData("packages/.hidden")]
    [InlineData("keys/ledger-ed25519.pem")]
    [InlineData("blobs/sha256/ab/0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("evidence.db-wal")]
    public async Task Restore_HostileManifestPath_SignedWithTheRealKey_Refused(string path)
    {
        var copy = await CopyOfBackupAsync();
        var outside = Path.Combine(scratch.Path, "outside.txt");
        await File.WriteAllTextAsync(Path.Combine(copy, "planted.txt"), "planted");
        var manifest = await File.ReadAllTextAsync(Path.Combine(copy, "manifest.txt"));
        var body = manifest[..(manifest.LastIndexOf("\n\n", StringComparison.Ordinal) + 1)];
        var hostile = body + Convert.ToHexStringLower(SHA256.HashData("planted"u8)) + "  " + path + "\n";
        var signer = NoteSigner.LoadOrCreate(Path.Combine(source.Home, "keys", "ledger-ed25519.pem"), "evidence.local/ledger");
        await File.WriteAllTextAsync(Path.Combine(copy, "manifest.txt"), signer.Sign(hostile));
        var restored = Path.Combine(scratch.Path, "restored");

        var (exit, stdout, stderr) = await Cli.RunAsync(restored, "restore", copy);

        Assert.True(exit == 1, $"exit {exit}: {stdout}{stderr}");
        Assert.Contains("FINDING backup manifest.txt line", stdout, StringComparison.Ordinal);
        Assert.Contains($"'{path}'", stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(restored));
        Assert.False(File.Exists(outside));
    }

    /// <summary>
    /// Someone who holds the ledger key puts another copy of the database (the same home, later) into the backup and signs a
    /// manifest that lists it: the database must still give the size and root the manifest names, or nothing is written.
    /// </summary>
    [SqliteFact]
    public async Task Restore_DatabaseOfAnotherMoment_InAManifestResignedWithTheRealKey_Refused()
    {
        var copy = await CopyOfBackupAsync();
        var database = Path.Combine(copy, "evidence.db");
        File.Delete(database);
        await using (var from = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(source.Home, "evidence.db")};Pooling=False"))
        await using (var to = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False"))
        {
            await from.OpenAsync();
            await to.OpenAsync();
            from.BackupDatabase(to); // the home as it is now: its BackedUp event and whatever came after
        }
        var manifest = await File.ReadAllTextAsync(Path.Combine(copy, "manifest.txt"));
        var body = manifest[..(manifest.LastIndexOf("\n\n", StringComparison.Ordinal) + 1)];
        var line = body.Split('\n').Single(l => l.EndsWith("  evidence.db", StringComparison.Ordinal));
        body = body.Replace(line, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(database))) + "  evidence.db", StringComparison.Ordinal);
        var signer = NoteSigner.LoadOrCreate(Path.Combine(source.Home, "keys", "ledger-ed25519.pem"), "evidence.local/ledger");
        await File.WriteAllTextAsync(Path.Combine(copy, "manifest.txt"), signer.Sign(body));
        var restored = Path.Combine(scratch.Path, "restored");

        var (exit, stdout, stderr) = await Cli.RunAsync(restored, "restore", copy);

        Assert.True(exit == 2, $"exit {exit}: {stdout}{stderr}");
        Assert.Contains($"custody events, but its manifest says {(await source.BackupAsync()).LedgerSize}; nothing was written.", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(restored));
        Assert.Empty(Directory.GetDirectories(scratch.Path, ".*"));
    }

    [SqliteFact]
    public async Task Restore_WrongPassphrase_ClearError_NothingWritten()
    {
        var backup = await source.BackupAsync();
        var restored = Path.Combine(scratch.Path, "restored");

        var (exit, stdout, stderr) = await Run.CliWithEnvironmentAsync(restored, new Dictionary<string, string> { ["EVIDENCE_BACKUP_PASSPHRASE"] = "not the passphrase at all" },
            "restore", backup.Folder);

        Assert.Equal(2, exit);
        Assert.Contains("The passphrase does not open the backup's keys (keys.enc); nothing was written.", stderr, StringComparison.Ordinal);
        Assert.Empty(stdout);
        Assert.False(Directory.Exists(restored));
        Assert.Empty(Directory.GetDirectories(scratch.Path, ".*"));
    }

    [SqliteFact]
    public async Task Restore_OntoAnExistingHome_Refused_TheHomeUntouched()
    {
        var backup = await source.BackupAsync();
        var existing = Path.Combine(scratch.Path, "existing");
        Assert.Equal(0, (await Run.CliAsync(existing, "ingest", scratch.File("mine.txt", "another home's evidence"u8.ToArray()), "--collector", "B")).Exit);
        var before = Files(existing);
        var partOfAHome = Path.Combine(scratch.Path, "keys-only");
        Directory.CreateDirectory(Path.Combine(partOfAHome, "keys"));

        var onHome = await Cli.RunAsync(existing, "restore", backup.Folder);
        var onPart = await Cli.RunAsync(partOfAHome, "restore", backup.Folder);
        var intoBackup = await Cli.RunAsync(Path.Combine(backup.Folder, "inside"), "restore", backup.Folder);

        Assert.Equal(2, onHome.Exit);
        Assert.Contains("already holds files (an Evidence home, or the start of one); nothing was written", onHome.Err, StringComparison.Ordinal);
        Assert.Equal(before, Files(existing));
        Assert.Equal(2, onPart.Exit);
        Assert.Single(Directory.GetFileSystemEntries(partOfAHome));
        Assert.Equal(2, intoBackup.Exit);
        Assert.Contains("are inside one another", intoBackup.Err, StringComparison.Ordinal);
    }

    /// <summary>A verifier key pinned from outside the backup must be the one that signed it.</summary>
    [SqliteFact]
    public async Task Restore_PinnedKey_OtherKeyRefused_SameKeyRestores()
    {
        var backup = await source.BackupAsync();
        var other = new NoteSigner("evidence.local/ledger", new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(new Org.BouncyCastle.Security.SecureRandom()));

        var refused = await Cli.RunAsync(Path.Combine(scratch.Path, "a"), "restore", backup.Folder, "--key", other.Verifier.VerifierKey);
        // Folders written as a shell completes them, with a trailing slash.
        var restored = await Cli.RunAsync(Path.Combine(scratch.Path, "b") + "/", "restore", backup.Folder + "/", "--key", backup.VerifierKey);

        Assert.Equal(1, refused.Exit);
        Assert.Contains($"FINDING backup manifest.txt key: expected the pinned key {other.Verifier.VerifierKey}", refused.Out, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(scratch.Path, "a")));
        Assert.True(restored.Exit == 0, restored.Out + restored.Err);
        Assert.True(File.Exists(Path.Combine(scratch.Path, "b", "evidence.db")));
        Assert.Empty(Directory.GetDirectories(Path.Combine(scratch.Path, "b"), ".*"));
    }

    /// <summary>
    /// The original home goes on after the backup; a checkpoint it signs later (kept by an auditor) shows exactly which events
    /// the restored home lacks, and with a consistency proof from the original, that the restored events are its first ones.
    /// </summary>
    [SqliteFact]
    public async Task Verify_CheckpointSignedAfterTheBackup_NamesTheEventsTheRestoredHomeLacks()
    {
        var backup = await source.BackupAsync();
        var restored = Path.Combine(scratch.Path, "restored");
        Assert.Equal(0, (await Cli.RunAsync(restored, "restore", backup.Folder)).Exit);
        Assert.Equal(0, (await Run.CliAsync(source.Home, "ingest", scratch.File("later.txt", "recorded after the backup"u8.ToArray()), "--collector", "C")).Exit);
        var later = (await Run.CliAsync(source.Home, "log", "checkpoint")).Out;
        var size = long.Parse(later.Split('\n')[1], System.Globalization.CultureInfo.InvariantCulture);
        var checkpointFile = scratch.File("later-checkpoint.txt", Encoding.UTF8.GetBytes(later));
        var proof = (await Run.CliAsync(source.Home, "log", "consistency", "--from", backup.LedgerSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--to", size.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json")).Out;
        var proofFile = scratch.File("proof.json", Encoding.UTF8.GetBytes(proof));
        var n = backup.LedgerSize;

        var unproven = await Run.CliAsync(restored, "verify", "--checkpoint", checkpointFile);
        var proven = await Run.CliAsync(restored, "verify", "--checkpoint", checkpointFile, "--consistency", proofFile);
        var proofOfOther = proof.Replace(JsonDocument.Parse(proof).RootElement.GetProperty("proof")[0].GetString()!, new string('0', 64), StringComparison.Ordinal);
        var forged = await Run.CliAsync(restored, "verify", "--checkpoint", checkpointFile, "--consistency", scratch.File("forged.json", Encoding.UTF8.GetBytes(proofOfOther)));
        var sourceItself = await Run.CliAsync(source.Home, "verify", "--checkpoint", checkpointFile);

        // The backup holds #0..#n-1; the original then recorded its BackedUp event (#n) and the later ingest, and more.
        var lacks = $"it lacks events #{n} to #{size - 1} ({size - n} events) that the checkpoint signs";
        Assert.Equal(1, unproven.Exit);
        Assert.Contains($"FINDING checkpoint given checkpoint (size {size}): expected the {size} events it signs; found this home was restored from a backup of {n} events: {lacks}", unproven.Out, StringComparison.Ordinal);
        Assert.Contains($"whether the {n} events here are its first {n} was not checked: no consistency proof was given", unproven.Out, StringComparison.Ordinal);
        Assert.Equal(1, proven.Exit);
        Assert.Contains($"{lacks}; the consistency proof shows that the {n} events here are its first {n}", proven.Out, StringComparison.Ordinal);
        Assert.Single(proven.Out.Split('\n'), l => l.StartsWith("FINDING", StringComparison.Ordinal));
        Assert.Equal(1, forged.Exit);
        Assert.Contains("one that does not verify: the events here are not the first ones that checkpoint signs", forged.Out, StringComparison.Ordinal);
        Assert.True(sourceItself.Exit == 0, sourceItself.Out); // the original holds everything it signed
    }

    /// <summary>
    /// The checkpoint a referral package carries: one built before the backup signs nothing the restored home lacks; one
    /// built after it names the events the backup does not have.
    /// </summary>
    [SqliteFact]
    public async Task Verify_CheckpointOfAPackage_BeforeTheBackupIsHeld_AfterItNamesWhatIsMissing()
    {
        var backup = await source.BackupAsync();
        var restored = Path.Combine(scratch.Path, "restored");
        Assert.Equal(0, (await Cli.RunAsync(restored, "restore", backup.Folder)).Exit);
        var after = Path.Combine(scratch.Path, "after.zip");
        Assert.Equal(0, (await Run.CliAsync(backup.Home, "package", "--incident", backup.Incident, "--recipient", "national", "--out", after, "--role", "prosecutor")).Exit);

        var before = await Run.CliAsync(restored, "verify", "--checkpoint", await PackageCheckpointAsync(Path.Combine(backup.Home, "packages", "icc.zip"), "before.txt"));
        var later = await Run.CliAsync(restored, "verify", "--checkpoint", await PackageCheckpointAsync(after, "after.txt"));

        Assert.True(before.Exit == 0, before.Out);
        Assert.Equal(1, later.Exit);
        Assert.Contains($"found this home was restored from a backup of {backup.LedgerSize} events: it lacks events #{backup.LedgerSize} to #", later.Out, StringComparison.Ordinal);
    }

    /// <summary>
    /// The package's checkpoint, written to a file; a package kept in a home's package folder is sealed at rest there
    /// (docs/packages.md, "At rest"), and is opened with that home's key first, as its download would be.
    /// </summary>
    private async Task<string> PackageCheckpointAsync(string zip, string name)
    {
        Stream opened = File.OpenRead(zip);
        if (Path.GetFileName(Path.GetDirectoryName(zip)) == "packages")
        {
            var home = Path.GetDirectoryName(Path.GetDirectoryName(zip)!)!;
            var kek = KeyEncryptionKeyFile.LoadOrCreate(Path.Combine(home, "keys", "blobs-kek-aes256.key"));
            // Sealed for the SHA-256 its row records (as its download opens it): the package's own, as delivered.
            string sha256;
            await using (var database = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(home, "evidence.db")};Mode=ReadOnly;Pooling=False"))
            {
                await database.OpenAsync();
                await using var query = database.CreateCommand();
                query.CommandText = "SELECT Sha256 FROM referral_packages WHERE FileName LIKE $name";
                query.Parameters.AddWithValue("$name", "%" + Path.GetFileName(zip));
                sha256 = ((string)(await query.ExecuteScalarAsync())!).Trim();
            }
            var envelope = await BlobEnvelope.OpenAsync(opened, sha256, kek, CancellationToken.None);
            Assert.True(envelope.Encrypted);
            opened = envelope.Content;
        }
        using var copy = new MemoryStream();
        await using (opened)
        {
            await opened.CopyToAsync(copy);
        }
        using var archive = new System.IO.Compression.ZipArchive(copy);
        using var entry = archive.Entries.Single(e => e.FullName.EndsWith("/data/custody/checkpoint.txt", StringComparison.Ordinal)).Open();
        var path = Path.Combine(scratch.Path, name);
        using (var file = File.Create(path))
        {
            entry.CopyTo(file);
        }
        return path;
    }

    [SqliteFact]
    public async Task Verify_CheckpointNotOfThisLog_IsAFinding_AndBadFilesAreUsageErrors()
    {
        var backup = await source.BackupAsync();
        var restored = Path.Combine(scratch.Path, "restored");
        Assert.Equal(0, (await Cli.RunAsync(restored, "restore", backup.Folder)).Exit);
        var other = Path.Combine(scratch.Path, "other");
        Assert.Equal(0, (await Run.CliAsync(other, "case", "add", "--title", "Another log")).Exit);
        var foreign = scratch.File("foreign.txt", Encoding.UTF8.GetBytes((await Run.CliAsync(other, "log", "checkpoint")).Out));
        var json = scratch.File("checkpoint.json", Encoding.UTF8.GetBytes((await Run.CliAsync(restored, "log", "checkpoint", "--json")).Out));
        var huge = scratch.File("huge.txt", new byte[(64 << 10) + 1]);

        var byAnotherKey = await Run.CliAsync(restored, "verify", "--checkpoint", foreign);
        var ownAsJson = await Run.CliAsync(restored, "verify", "--checkpoint", json);
        var tooBig = await Run.CliAsync(restored, "verify", "--checkpoint", huge);
        var missing = await Run.CliAsync(restored, "verify", "--checkpoint", Path.Combine(scratch.Path, "nope.txt"));
        var proofAlone = await Run.CliAsync(restored, "verify", "--consistency", json);

        Assert.Equal(1, byAnotherKey.Exit);
        Assert.Contains("FINDING checkpoint given checkpoint: expected a checkpoint signed by evidence.local/ledger+", byAnotherKey.Out, StringComparison.Ordinal);
        Assert.True(ownAsJson.Exit == 0, ownAsJson.Out); // its own latest checkpoint, as `log checkpoint --json` gives it
        Assert.Equal(2, tooBig.Exit);
        Assert.Equal(2, missing.Exit);
        Assert.Equal(2, proofAlone.Exit);
    }

    [SqliteFact]
    public async Task Backup_BadInput_RefusedWithNothingWrittenOrRecorded()
    {
        await source.BackupAsync();
        var events = (await EventsAsync(source.Home)).Count;
        var notEmpty = Path.Combine(scratch.Path, "not-empty");
        Directory.CreateDirectory(notEmpty);
        await File.WriteAllTextAsync(Path.Combine(notEmpty, "a.txt"), "a");

        var intoNonEmpty = await Cli.RunAsync(source.Home, "backup", "--out", notEmpty);
        var intoHome = await Cli.RunAsync(source.Home, "backup", "--out", Path.Combine(source.Home, "backup"));
        var shortPassphrase = await Run.CliWithEnvironmentAsync(source.Home, new Dictionary<string, string> { ["EVIDENCE_BACKUP_PASSPHRASE"] = "short" },
            "backup", "--out", Path.Combine(scratch.Path, "b1"));
        var asInvestigator = await Cli.RunAsync(source.Home, "--role", "investigator", "backup", "--out", Path.Combine(scratch.Path, "b2"));
        var noOut = await Cli.RunAsync(source.Home, "backup");

        Assert.Equal(2, intoNonEmpty.Exit);
        Assert.Contains("is not an empty folder; nothing was written", intoNonEmpty.Err, StringComparison.Ordinal);
        Assert.Single(Directory.GetFileSystemEntries(notEmpty));
        Assert.Equal(2, intoHome.Exit);
        Assert.Contains("is inside the home", intoHome.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(source.Home, "backup")));
        Assert.Equal(2, shortPassphrase.Exit);
        Assert.Contains("at least 12 characters", shortPassphrase.Err, StringComparison.Ordinal);
        Assert.Equal(2, asInvestigator.Exit);
        Assert.Equal(2, noOut.Exit);
        Assert.False(Directory.Exists(Path.Combine(scratch.Path, "b1")));
        Assert.False(Directory.Exists(Path.Combine(scratch.Path, "b2")));
        // The refused investigator is recorded (AccessDenied), nothing else.
        var after = await EventsAsync(source.Home);
        Assert.DoesNotContain(after.Skip(events), e => e.Contains("\"BackedUp\"", StringComparison.Ordinal));
    }

    private async Task<string> CopyOfBackupAsync()
    {
        var backup = await source.BackupAsync();
        var copy = Path.Combine(scratch.Path, "backup-copy");
        foreach (var file in Directory.EnumerateFiles(backup.Folder, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(backup.Folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    private static void Flip(string path, int at = 0)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[at] ^= 0x01;
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllBytes(path, bytes);
    }

    internal static async Task<List<string>> EventsAsync(string home)
    {
        var (exit, stdout, stderr) = await Run.CliAsync(home, "log", "events");
        Assert.True(exit == 0, stderr);
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    /// <summary>Every file under <paramref name="folder"/> by its relative path, with its SHA-256.</summary>
    internal static SortedDictionary<string, string> Files(string folder) =>
        new(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))), StringComparer.Ordinal);
}

/// <summary>The command line with the backup passphrase in its environment, acting as the backup operator.</summary>
internal static class Cli
{
    public const string Passphrase = "correct horse battery staple";

    public static Task<(int Exit, string Out, string Err)> RunAsync(string home, params string[] args) =>
        Run.CliWithEnvironmentAsync(home, new Dictionary<string, string> { ["EVIDENCE_BACKUP_PASSPHRASE"] = Passphrase }, ["--as", "backup-operator", .. args]);
}

/// <summary>
/// A home with evidence (a marker text and random bytes), an incident, a tag, a child's sealed identity and a referral package
/// in its package folder, backed up once for the tests of a class (made on first use: a skipped class makes none).
/// </summary>
public sealed class BackedUpHome : IDisposable
{
    private readonly TestHome temp = new();
    private readonly Lazy<Task<Made>> made;

    public BackedUpHome() => made = new(MakeAsync);

    public string Home => Path.Combine(temp.Path, "home");

    public sealed record Made(string Home, string Folder, string ManifestSha256, long LedgerSize, string VerifierKey, string Incident);

    public Task<Made> BackupAsync() => made.Value;

    private async Task<Made> MakeAsync()
    {
        async Task<JsonElement> Json(params string[] args)
        {
            var (exit, stdout, stderr) = await Cli.RunAsync(Home, [.. args, "--json"]);
            Assert.True(exit == 0, $"{string.Join(' ', args)}: {stderr}");
            return JsonDocument.Parse(stdout).RootElement;
        }
        var incident = (await Json("incident", "add", "--title", "Transfer", "--kind", "deportation", "--from", "2022-10", "--place", "Kherson",
            "--article", "8(2)(a)(vii)-1")).GetProperty("id").GetString()!;
        var item = (await Json("ingest", temp.File("statement.txt", "BACKUP-MARKER witness statement"u8.ToArray()), temp.File("photo.bin", RandomNumberGenerator.GetBytes(300_000)),
            "--collector", "Olena K."))[0].GetProperty("id").GetString()!;
        await Json("victim", "add", "--age", "9", "--name", "Synthetic Child");
        await Json("tag", item, "--incident", incident, "--element", "8(2)(a)(vii)-1:1");
        await Json("package", "--incident", incident, "--recipient", "icc", "--out", Path.Combine(Home, "packages", "icc.zip"), "--role", "prosecutor");
        var folder = Path.Combine(temp.Path, "backup");
        var report = await Json("backup", "--out", folder);
        return new Made(Home, folder, report.GetProperty("manifestSha256").GetString()!, report.GetProperty("ledgerSize").GetInt64(),
            (await Run.CliAsync(Home, "log", "key")).Out.Trim(), incident);
    }

    public void Dispose() => temp.Dispose();
}
