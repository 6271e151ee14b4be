using System.Text;
using System.Text.Json;
using Evidence.Tests.Fixtures;

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
}
