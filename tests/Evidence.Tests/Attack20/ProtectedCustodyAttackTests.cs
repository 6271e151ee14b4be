using System.Text;
using System.Text.Json;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Storage;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Referrals;
using Microsoft.Data.Sqlite;

namespace Evidence.Tests.Attack20;

/// <summary>
/// The hostile review of issue 20 (protected custody) at the seams between its parts, through the command line on real
/// SQLite homes: a backup taken after a key rotation, and a database replaced by a DBA with another installation's ledger
/// whose own rotation names a key of the DBA's.
/// </summary>
public sealed class ProtectedCustodyAttackTests : IDisposable
{
    private const string Passphrase = "correct horse battery staple";
    private static readonly Dictionary<string, string> WithPassphrase = new() { ["EVIDENCE_BACKUP_PASSPHRASE"] = Passphrase };
    private readonly TestHome temp = new();

    public void Dispose() => temp.Dispose();

    private static async Task<string> OkAsync(string home, params string[] args)
    {
        var (exit, stdout, stderr) = await Run.CliWithEnvironmentAsync(home, WithPassphrase, ["--as", "operator", .. args]);
        Assert.True(exit == 0, $"{string.Join(' ', args)}: {stderr}{stdout}");
        return stdout;
    }

    /// <summary>
    /// A backup made after `log rotate-key` is signed by the key in force (the new one, which the sealed key folder holds),
    /// restores, and the restored home verifies clean from the first key an auditor pinned. Before the fix the backup
    /// command could not start at all once the ledger key became rotatable (its handler asked for a signer nobody provides).
    /// </summary>
    [SqliteFact]
    public async Task BackupAfterKeyRotation_RestoresAndVerifiesCleanFromTheFirstKey()
    {
        var home = Path.Combine(temp.Path, "home");
        await OkAsync(home, "ingest", temp.File("statement.txt", "ROTATION-BACKUP-MARKER testimony"u8.ToArray()), "--collector", "Olena K.");
        var first = (await OkAsync(home, "log", "key")).Trim();
        await OkAsync(home, "log", "rotate-key");
        var second = (await OkAsync(home, "log", "key")).Trim();
        Assert.NotEqual(first, second);

        var backup = Path.Combine(temp.Path, "backup");
        var report = JsonDocument.Parse(await OkAsync(home, "backup", "--out", backup, "--json")).RootElement;
        var manifest = await File.ReadAllTextAsync(Path.Combine(backup, "manifest.txt"));
        Assert.Contains("\nkey " + second + "\n", manifest, StringComparison.Ordinal);

        var restored = Path.Combine(temp.Path, "restored");
        await OkAsync(restored, "restore", backup);
        var verify = await Run.CliAsync(restored, "verify", "--key", first);
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        Assert.Equal(second, (await OkAsync(restored, "log", "key")).Trim());
        Assert.True(report.GetProperty("ledgerSize").GetInt64() > 0);
    }

    /// <summary>
    /// A DBA (the database, not the key folder) replaces the whole ledger with one of another installation of the same
    /// name, whose first key "rotated" to a second key: every checkpoint verifies under the chain that ledger names for
    /// itself. `verify` without --key must still notice that the chain never reaches the key this installation holds.
    /// </summary>
    [SqliteFact]
    public async Task DatabaseReplacedWithAForeignLedgerThatRotatesItsOwnKeys_UnpinnedVerifyNamesIt()
    {
        var home = Path.Combine(temp.Path, "home");
        var forged = Path.Combine(temp.Path, "forged");
        await OkAsync(home, "incident", "add", "--title", "Transfer", "--kind", "deportation", "--from", "2022-10", "--place", "Kherson",
            "--article", "8(2)(a)(vii)-1");
        Assert.Equal(0, (await Run.CliAsync(home, "verify")).Exit);
        var inHand = (await OkAsync(home, "log", "key")).Trim();
        // The DBA's own installation: the same ledger name, a key of their own, rotated to another of their own.
        await OkAsync(forged, "incident", "add", "--title", "Nothing happened", "--kind", "deportation", "--from", "2022-10", "--place", "Kherson",
            "--article", "8(2)(a)(vii)-1");
        await OkAsync(forged, "log", "rotate-key");
        await OkAsync(forged, "incident", "add", "--title", "Still nothing", "--kind", "deportation", "--from", "2022-11", "--place", "Kherson",
            "--article", "8(2)(a)(vii)-1");
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            var from = Path.Combine(forged, "evidence.db" + suffix);
            var to = Path.Combine(home, "evidence.db" + suffix);
            if (File.Exists(from))
            {
                File.Copy(from, to, overwrite: true);
            }
            else
            {
                File.Delete(to);
            }
        }

        var (exit, stdout, stderr) = await Run.CliAsync(home, "verify");

        Assert.True(exit != 0, stdout + stderr);
        // Named for what it is, not only as a ledger that cannot be appended to (which a server lacking a rotated key also is).
        Assert.Contains($"FINDING key ledger keys: expected a chain of KeyRotated events through {inHand}, the key this installation holds", stdout, StringComparison.Ordinal);
        Assert.Contains("the ledger was signed by keys this installation never held", stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// A package whose key-rotations.jsonl starts with a line that is no rotation (a leaf of another event, or none), followed
    /// by the real rotation to the key the auditor pinned: verify-package must report the line, not crash with a
    /// NullReferenceException (the chain's start was read from the first line's rotation without checking there was one).
    /// </summary>
    [Fact]
    public async Task PackageWhoseFirstRotationLineIsNoRotation_VerifyPackageWithTheNewKeyPinnedReportsIt_DoesNotCrash()
    {
        await using var slice = await Slice.StartAsync();
        var @case = await ReferralCase.CreateAsync(slice);
        var rotated = await slice.SendAsync(new RotateLedgerKey(), Role.Admin, "admin");
        var good = (await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(temp.Path, "good.zip")), Role.Prosecutor)).Path;
        Assert.True(PackageVerifier.Verify(good, rotated.NewKey).Clean);
        var real = Encoding.UTF8.GetString(PackageZip.Read(good)[$"{PackageZip.Root(good)}/data/custody/key-rotations.jsonl"]);
        foreach (var leaf in new[] { "{}", "not json", KeyRotationProof.Parse(real)[0].Leaf.Replace("KeyRotated", "Ingested", StringComparison.Ordinal) })
        {
            var junk = KeyRotationProof.Lines([new KeyRotationProof(0, leaf, "no checkpoint", [])]);
            var hostile = PackageZip.Rewrite(good, Path.Combine(temp.Path, $"hostile-{Guid.NewGuid():N}.zip"),
                (name, bytes) => name.EndsWith("data/custody/key-rotations.jsonl", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(junk + real) : bytes);

            var report = PackageVerifier.Verify(hostile, rotated.NewKey);

            Assert.Contains(report.Findings, f => f.Kind == "key" && f.Subject == "data/custody/key-rotations.jsonl");
        }
    }

    /// <summary>
    /// The field laptop rotates its ledger key (as docs/ledger.md says to do when a key may have leaked) after exporting a
    /// bundle and before the office's receipt comes back: the receipt names the field key that signed the bundle, now retired
    /// but still this ledger's, and must still be confirmed (before, it was refused as "from another field home" for ever, and
    /// the items could neither be confirmed nor handed over again). A receipt of another field home stays refused
    /// (HandoverTests.Confirm_ReceiptForAnotherBundle...).
    /// </summary>
    [Fact]
    public async Task FieldRotatesItsKeyBetweenExportAndReceipt_TheReceiptIsStillConfirmed()
    {
        var field = Path.Combine(temp.Path, "field");
        var office = Path.Combine(temp.Path, "office");
        Task<(int Exit, string Out, string Err)> CliAsync(string evidenceHome, string actor, params string[] args) =>
            Run.CliWithEnvironmentAsync(evidenceHome, new Dictionary<string, string> { ["EVIDENCE_LEDGER_NAME"] = Path.GetFileName(evidenceHome) + ".example/ledger" },
                ["--as", actor, .. args]);
        async Task<JsonElement> JsonAsync(string evidenceHome, string actor, params string[] args)
        {
            var (exit, stdout, stderr) = await CliAsync(evidenceHome, actor, [.. args, "--json"]);
            Assert.True(exit == 0, $"{string.Join(" ", args)}: exit {exit}: {stderr}");
            return JsonDocument.Parse(stdout).RootElement;
        }
        await JsonAsync(field, "Olena K.", "ingest", temp.File("statement.txt", "Свідчення W-018"u8.ToArray()), "--collector", "Olena K.");
        var fieldKey = (await CliAsync(field, "auditor", "log", "key")).Out.Trim();
        var officeKey = (await CliAsync(office, "auditor", "log", "key")).Out.Trim();
        var bundle = Path.Combine(temp.Path, "bundle.zip");
        await JsonAsync(field, "Olena K.", "handover", "export", "--to", "Petro S.", "--out", bundle, "--in-clear");
        var receipt = (await JsonAsync(office, "Petro S.", "handover", "import", bundle, "--key", fieldKey, "--received-by", "Petro S.")).GetProperty("receipt").GetString()!;
        await JsonAsync(field, "admin", "log", "rotate-key");

        var confirmed = await JsonAsync(field, "Olena K.", "handover", "confirm", receipt, "--key", officeKey);

        Assert.Equal(1, confirmed.GetProperty("items").GetInt32());
        Assert.Equal(0, (await CliAsync(field, "auditor", "verify", "--key", fieldKey)).Exit);
    }

    /// <summary>
    /// A DBA replaces an item's sealed extracted text with a text of their own in clear (what a row from before sealing looks
    /// like). `verify` names the row; but an admin who runs `encrypt-existing` first must not seal the planted text and record
    /// it as the item's in a TextSealed event, which would launder it into custody (verify clean, packages carrying it).
    /// </summary>
    [Fact]
    public async Task PlantedClearText_IsNotSealedByEncryptExisting_AndVerifyStillNamesIt()
    {
        await using var slice = await Slice.StartAsync();
        var item = await slice.SendAsync(new IngestEvidence(slice.File("statement.txt", "The bus left school 27 at 08:30 with 14 children"u8.ToArray()), "A"));
        var planted = "The bus never left; nobody was taken";
        await slice.TamperAsync(slice.Settings.PostgresDatabase is null
            ? $"UPDATE evidence_items SET ExtractedText = '{planted}', SearchWords = NULL WHERE Id = {slice.SqlId(item.Id)};"
            : $"UPDATE evidence_items SET \"ExtractedText\" = '{planted}', \"SearchWords\" = NULL WHERE \"Id\" = {slice.SqlId(item.Id)};");
        Assert.Contains((await slice.SendAsync(new Evidence.Custody.VerifyCustody(), Role.Auditor, "auditor")).Findings, f => f.Subject.Contains("ExtractedText", StringComparison.Ordinal));

        var result = await slice.SendAsync(new EncryptExistingBlobs(), Role.Admin, "admin");

        Assert.Equal(0, result.TextsSealed);
        Assert.Equal([item.Id], result.TextsRefused);
        Assert.Equal(0, await slice.QueryAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.CustodyEvents, e => e.Action == "TextSealed", default)));
        var report = await slice.SendAsync(new Evidence.Custody.VerifyCustody(), Role.Auditor, "auditor");
        Assert.Contains(report.Findings, f => f.Subject.Contains("ExtractedText", StringComparison.Ordinal));
    }

    /// <summary>
    /// An insider replaces (or deletes, so that the next start makes a new one) the key that seals extracted texts: every
    /// text sealed before no longer opens, its blind index no longer matches any search, and packages of those items fail.
    /// Nothing the ledger hashes changed (the stored values are the same), so verify must open the texts to notice.
    /// </summary>
    [SqliteFact]
    public async Task TextKeyReplaced_VerifyNamesTheTextsThatNoLongerOpen()
    {
        var home = Path.Combine(temp.Path, "home");
        var item = JsonDocument.Parse(await OkAsync(home, "ingest", temp.File("statement.txt", "The bus left school 27 at 08:30"u8.ToArray()), "--collector", "Olena K.", "--json"))
            .RootElement[0].GetProperty("id").GetString()!;
        Assert.Equal(0, (await Run.CliAsync(home, "verify")).Exit);
        var keyFile = Path.Combine(home, "keys", "text-aes256.key");
        File.Delete(keyFile);
        await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var (exit, stdout, stderr) = await Run.CliAsync(home, "verify");

        Assert.True(exit == 1, stdout + stderr);
        Assert.Contains($"FINDING text {item}", stdout, StringComparison.Ordinal);
    }
}
