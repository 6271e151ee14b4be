using System.Security.Cryptography;
using System.Text;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Attack20;

/// <summary>
/// The chain of ledger keys where backup, restore and `verify --checkpoint` meet it, on real SQLite homes through the command
/// line: an auditor who pinned the first key restores a backup signed after rotations; a chain not signed by the pinned key,
/// or another ledger's, is refused with nothing written; a backup overtaken by a rotation is refused; and a rotation its
/// checkpoint does not prove vouches for no checkpoint given to verify.
/// </summary>
public sealed class KeyChainCustodyTests : IDisposable
{
    private const string Passphrase = "correct horse battery staple";
    private static readonly Dictionary<string, string> WithPassphrase = new() { ["EVIDENCE_BACKUP_PASSPHRASE"] = Passphrase };
    private readonly TestHome temp = new();

    public void Dispose() => temp.Dispose();

    private static Task<(int Exit, string Out, string Err)> CliAsync(string home, params string[] args) =>
        Run.CliWithEnvironmentAsync(home, WithPassphrase, ["--as", "operator", .. args]);

    private static async Task<string> OkAsync(string home, params string[] args)
    {
        var (exit, stdout, stderr) = await CliAsync(home, args);
        Assert.True(exit == 0, $"{string.Join(' ', args)}: exit {exit}: {stderr}{stdout}");
        return stdout;
    }

    private async Task IngestAsync(string home, string text) =>
        await OkAsync(home, "ingest", temp.File($"{Guid.NewGuid():N}.txt", Encoding.UTF8.GetBytes(text)), "--collector", "Olena K.");

    private void AssertNothingWritten(string restored)
    {
        Assert.False(Directory.Exists(restored));
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(restored)!, ".*"));
    }

    /// <summary>
    /// Two rotations after the first key was published; the backup is signed by the third key. Pinned to the first (or the
    /// second) key, the restore follows the rotations in the backup's own ledger to the key that signed it, and the restored
    /// home verifies from the first key.
    /// </summary>
    [SqliteFact]
    public async Task Restore_PinnedToAnEarlierKey_FollowsTheRotations_ToTheKeyThatSignedTheBackup()
    {
        var home = Path.Combine(temp.Path, "home");
        await IngestAsync(home, "ROTATION-CHAIN testimony one");
        var first = (await OkAsync(home, "log", "key")).Trim();
        await OkAsync(home, "log", "rotate-key");
        var second = (await OkAsync(home, "log", "key")).Trim();
        await IngestAsync(home, "ROTATION-CHAIN testimony two");
        await OkAsync(home, "log", "rotate-key");
        var third = (await OkAsync(home, "log", "key")).Trim();
        var backup = Path.Combine(temp.Path, "backup");
        await OkAsync(home, "backup", "--out", backup);
        Assert.Contains("\nkey " + third + "\n", await File.ReadAllTextAsync(Path.Combine(backup, "manifest.txt")), StringComparison.Ordinal);

        var fromFirst = Path.Combine(temp.Path, "from-first");
        var fromSecond = Path.Combine(temp.Path, "from-second");
        var restored = await OkAsync(fromFirst, "restore", backup, "--key", first);
        await OkAsync(fromSecond, "restore", backup, "--key", second);
        await OkAsync(Path.Combine(temp.Path, "from-third"), "restore", backup, "--key", third);

        Assert.Contains($"Its ledger key is {third}", restored, StringComparison.Ordinal);
        var verify = await Run.CliAsync(fromFirst, "verify", "--key", first);
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        Assert.Equal(third, (await OkAsync(fromSecond, "log", "key")).Trim());
    }

    /// <summary>
    /// An insider who holds the current key but not the first (destroyed by the rotation) removes the first key's signature
    /// from the rotation's checkpoint in the backup's database, lists the new database's hash and signs the manifest again:
    /// the chain no longer starts at the pinned key. And the backup of another installation, whose own first key rotated to
    /// its second, leads nowhere from ours. Both refused, nothing written.
    /// </summary>
    [SqliteFact]
    public async Task Restore_PinnedKey_ChainItDidNotSign_OrAnotherLedgersChain_RefusedNothingWritten()
    {
        var home = Path.Combine(temp.Path, "home");
        await IngestAsync(home, "testimony before the rotation");
        var first = NoteVerifier.Parse((await OkAsync(home, "log", "key")).Trim());
        await OkAsync(home, "log", "rotate-key");
        await IngestAsync(home, "testimony after the rotation");
        var backup = Path.Combine(temp.Path, "backup");
        await OkAsync(home, "backup", "--out", backup);

        // The insider's copy.
        var forged = Path.Combine(temp.Path, "forged");
        foreach (var file in Directory.EnumerateFiles(backup, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(forged, Path.GetRelativePath(backup, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var database = Path.Combine(forged, "evidence.db");
        File.SetUnixFileMode(database, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            await connection.OpenAsync();
            var command = connection.CreateCommand();
            command.CommandText = "SELECT c.\"Id\", c.\"Text\" FROM checkpoints c WHERE c.\"Size\" > (SELECT \"Sequence\" FROM custody_events WHERE \"Action\" = 'KeyRotated') " +
                                  "ORDER BY c.\"Size\", c.\"Id\" LIMIT 1";
            long id;
            string text;
            await using (var reader = await command.ExecuteReaderAsync())
            {
                Assert.True(await reader.ReadAsync());
                id = reader.GetInt64(0);
                text = reader.GetString(1);
            }
            Assert.True(first.Verify(text, out _));
            // The append-only triggers dropped and put back, as anyone holding the file can.
            var triggers = new List<(string Name, string Sql)>();
            var list = connection.CreateCommand();
            list.CommandText = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'checkpoints'";
            await using (var reader = await list.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    triggers.Add((reader.GetString(0), reader.GetString(1)));
                }
            }
            var update = connection.CreateCommand();
            update.CommandText = string.Concat(triggers.Select(t => $"DROP TRIGGER \"{t.Name}\";")) +
                                 "UPDATE checkpoints SET \"Text\" = $text WHERE \"Id\" = $id;" + string.Concat(triggers.Select(t => t.Sql + ";"));
            update.Parameters.AddWithValue("$text", WithoutSignatureBy(text, first));
            update.Parameters.AddWithValue("$id", id);
            Assert.True(await update.ExecuteNonQueryAsync() >= 1);
        }
        var manifest = await File.ReadAllTextAsync(Path.Combine(forged, "manifest.txt"));
        var body = manifest[..(manifest.LastIndexOf("\n\n", StringComparison.Ordinal) + 1)];
        var line = body.Split('\n').Single(l => l.EndsWith("  evidence.db", StringComparison.Ordinal));
        body = body.Replace(line, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(database))) + "  evidence.db", StringComparison.Ordinal);
        var current = NoteSigner.Load(Path.Combine(home, "keys", LedgerKeys.FileName), "evidence.local/ledger");
        await File.WriteAllTextAsync(Path.Combine(forged, "manifest.txt"), current.Sign(body));

        // Another installation of the same name, rotated once, backed up.
        var other = Path.Combine(temp.Path, "other");
        await IngestAsync(other, "nothing happened");
        await OkAsync(other, "log", "rotate-key");
        await IngestAsync(other, "still nothing");
        var otherBackup = Path.Combine(temp.Path, "other-backup");
        await OkAsync(other, "backup", "--out", otherBackup);

        var restoredForged = Path.Combine(temp.Path, "restored-forged");
        var restoredOther = Path.Combine(temp.Path, "restored-other");
        var refusedForged = await CliAsync(restoredForged, "restore", forged, "--key", first.VerifierKey);
        var refusedOther = await CliAsync(restoredOther, "restore", otherBackup, "--key", first.VerifierKey);

        Assert.True(refusedForged.Exit == 1, refusedForged.Out + refusedForged.Err);
        Assert.Contains($"FINDING backup manifest.txt key: expected the pinned key {first.VerifierKey}, or a key its rotations lead to", refusedForged.Out, StringComparison.Ordinal);
        Assert.Contains($"its checkpoint carries no valid signature by {first.VerifierKey}, the key trusted before it", refusedForged.Out, StringComparison.Ordinal);
        Assert.Contains("REFUSED", refusedForged.Out, StringComparison.Ordinal);
        AssertNothingWritten(restoredForged);
        Assert.True(refusedOther.Exit == 1, refusedOther.Out + refusedOther.Err);
        Assert.Contains($"FINDING backup manifest.txt key: expected the pinned key {first.VerifierKey}", refusedOther.Out, StringComparison.Ordinal);
        AssertNothingWritten(restoredOther);
        // The untouched backup restores from the first key.
        await OkAsync(Path.Combine(temp.Path, "restored"), "restore", backup, "--key", first.VerifierKey);
    }

    /// <summary>
    /// A rotation commits while a backup runs, after its database snapshot: the only blob is a FIFO, so the backup waits
    /// there, past its snapshot, until the test has rotated the key and then writes the blob's bytes. The snapshot's latest
    /// checkpoint is the old key's, the key folder holds only the new one: refused whole, nothing kept, no BackedUp event;
    /// run again, the backup holds the rotation and restores from the first key.
    /// </summary>
    [SqliteFact]
    public async Task Backup_OvertakenByAKeyRotation_IsRefusedWhole_AndTheNextBackupHoldsTheRotation()
    {
        var home = Path.Combine(temp.Path, "home");
        await IngestAsync(home, "RACE-MARKER testimony");
        var first = (await OkAsync(home, "log", "key")).Trim();
        var blob = Directory.EnumerateFiles(Path.Combine(home, "blobs"), "*", SearchOption.AllDirectories).Single();
        var stored = await File.ReadAllBytesAsync(blob);
        var mode = File.GetUnixFileMode(blob);
        File.SetUnixFileMode(Path.GetDirectoryName(blob)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.Delete(blob);
        Assert.Equal(0, (await Run.ProcessAsync("mkfifo", "-m", "600", blob)).Exit);
        var backup = Path.Combine(temp.Path, "backup");

        // The backup blocks on opening the FIFO, on a thread of its own.
        var running = Task.Run(() => CliAsync(home, "backup", "--out", backup));
        // Opening the FIFO to write returns once the backup has opened it to read: its snapshot is taken.
        var writer = await Task.Run(() => new FileStream(blob, FileMode.Open, FileAccess.Write)).WaitAsync(TimeSpan.FromMinutes(2));
        await using (writer)
        {
            var rotated = await CliAsync(home, "log", "rotate-key").WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(rotated.Exit == 0, rotated.Err);
            await writer.WriteAsync(stored);
        }
        var (exit, stdout, stderr) = await running.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(exit == 2, $"exit {exit}: {stdout}{stderr}");
        Assert.Contains("The ledger key was rotated while the backup was running (`log rotate-key`)", stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was kept. Run the backup again.", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(backup));
        Assert.DoesNotContain("\"BackedUp\"", (await OkAsync(home, "log", "events")), StringComparison.Ordinal);

        // The blob put back as it was stored: the next backup holds the rotation, and restores from the first key.
        File.Delete(blob);
        await File.WriteAllBytesAsync(blob, stored);
        File.SetUnixFileMode(blob, mode);
        await OkAsync(home, "backup", "--out", backup);
        var restored = Path.Combine(temp.Path, "restored");
        await OkAsync(restored, "restore", backup, "--key", first);
        var verify = await Run.CliAsync(restored, "verify", "--key", first);
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
    }

    /// <summary>
    /// `verify --checkpoint` trusts a key only where the checkpoints' check proved its rotation. With the old key's signature
    /// removed from the rotation's checkpoint (a rotation the old key never handed over), the new key vouches for nothing:
    /// a checkpoint signed by it alone is refused, where before it was taken as this ledger's.
    /// </summary>
    [Fact]
    public async Task VerifyCheckpoint_SignedByAKeyWhoseRotationIsNotProven_IsRefused()
    {
        await using var slice = await Slice.StartAsync();
        await slice.SendAsync(new IngestEvidence(slice.File("one.txt", "one"u8.ToArray()), "Investigator A"));
        var first = NoteVerifier.Parse((await slice.SendAsync(new GetVerifierKey(), Role.Auditor)).Trim());
        var second = NoteVerifier.Parse((await slice.SendAsync(new RotateLedgerKey(), Role.Admin, "admin")).NewKey);
        await slice.SendAsync(new IngestEvidence(slice.File("two.txt", "two"u8.ToArray()), "Investigator A"));
        var latest = (await slice.SendAsync(new GetLatestCheckpoint(), Role.Auditor)).Text;
        Assert.True(second.Verify(latest, out _));
        Assert.False(first.Verify(latest, out _));
        static bool Given(Finding f) => f.Kind == "checkpoint" && f.Subject.StartsWith("given checkpoint", StringComparison.Ordinal);

        var proven = await slice.SendAsync(new VerifyCustody(first.VerifierKey, latest), Role.Auditor, "auditor");
        Assert.True(proven.Clean, string.Join("\n", proven.Findings));

        var index = await slice.QueryAsync(db => db.CustodyEvents.Where(e => e.Action == KeyRotation.Action).Select(e => e.Sequence).SingleAsync());
        var rotation = await slice.QueryAsync(db => db.Checkpoints.Where(c => c.Size > index).OrderBy(c => c.Size).FirstAsync());
        await slice.TamperAsync($"UPDATE checkpoints SET \"Text\" = '{WithoutSignatureBy(rotation.Text, first)}' WHERE \"Id\" = {rotation.Id};");

        var report = await slice.SendAsync(new VerifyCustody(first.VerifierKey, latest), Role.Auditor, "auditor");
        var unpinned = await slice.SendAsync(new VerifyCustody(null, latest), Role.Auditor, "auditor");

        Assert.Contains(report.Findings, f => f.Kind == "key" && f.Subject == $"#{index}");
        var given = Assert.Single(report.Findings, Given);
        Assert.Equal($"a checkpoint signed by {first.VerifierKey}", given.Expected);
        Assert.Equal("no valid signature by those keys", given.Found);
        Assert.Single(unpinned.Findings, Given);
    }

    private static string WithoutSignatureBy(string text, NoteVerifier key)
    {
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var lines = text[(split + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !Convert.FromBase64String(l.Split(' ')[2]).AsSpan(0, 4).SequenceEqual(key.KeyId));
        return text[..(split + 2)] + string.Concat(lines.Select(l => l + "\n"));
    }
}
