using System.Text;
using Evidence.Backup;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>
/// `backup --out DIR` and `restore DIR --home NEW` (src/Evidence/Backup). The passphrase that seals the keys is never an
/// argument (every user of the machine sees arguments in `ps`): it is EVIDENCE_BACKUP_PASSPHRASE, else typed at the
/// terminal without echo, else the first line of standard input.
/// </summary>
internal static class BackupCommands
{
    public const string PassphraseVariable = "EVIDENCE_BACKUP_PASSPHRASE";

    public static async Task<int> BackupAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--out"], []);
        if (line.Positionals.Count > 1)
        {
            throw new UsageException($"backup takes no words after it: '{Text.Display.Text(line.Positionals[1])}'.");
        }
        var folder = line.Required("--out");
        var passphrase = ReadPassphrase(app, confirm: true);
        await using var session = await Session.OpenAsync(app, line, Role.Admin, cancellationToken);
        var report = await session.SendAsync(new BackUpHome(folder, passphrase), cancellationToken);
        if (line.Has("--json"))
        {
            app.WriteJson(report);
            return CliApp.Ok;
        }
        await app.Out.WriteLineAsync($"Backed up {report.LedgerSize} custody events, {report.BlobCount} blobs{(report.Blobs == "azure" ? " (listed, in Azure)" : "")}, " +
                                     $"{report.PackageCount} packages and the keys (sealed under the passphrase) to {Text.Display.Path(report.Folder)}: " +
                                     $"{report.Files} files and the manifest, {report.Bytes:N0} bytes.");
        await app.Out.WriteLineAsync($"manifest.txt SHA-256 {report.ManifestSha256}, recorded in a BackedUp custody event.");
        foreach (var missing in report.MissingBlobs)
        {
            await app.Error.WriteLineAsync($"evidence: warning: blob {missing} is named by the records but is not in the store; the backup lacks it (run `evidence verify`).");
        }
        foreach (var instruction in report.Instructions)
        {
            await app.Out.WriteLineAsync($"NOTE: {instruction}");
        }
        return CliApp.Ok;
    }

    public static async Task<int> RestoreAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--key"], []);
        if (line.Positionals is not [_, var backup])
        {
            throw new UsageException("restore takes one backup folder: evidence restore DIR --home NEW.");
        }
        var settings = app.Settings(line);
        var passphrase = ReadPassphrase(app, confirm: false);
        var actor = new Actor(line.Value("--as") ?? Environment.UserName, Role.Admin);
        var report = await RestoreHome.RunAsync(backup, passphrase, line.Value("--key"), settings, actor, cancellationToken);
        if (line.Has("--json"))
        {
            app.WriteJson(report);
        }
        else if (!report.Restored)
        {
            await VerifyCommand.WriteFindingsAsync(app, report.Findings);
            await app.Out.WriteLineAsync($"REFUSED: the backup in {Text.Display.Path(Path.GetFullPath(backup))} is not restorable ({report.Findings.Count} findings); nothing was written.");
        }
        else
        {
            await app.Out.WriteLineAsync($"Restored the backup of {report.LedgerSize} custody events into {Text.Display.Path(report.Home)}: {report.Files} files and the manifest, {report.Bytes:N0} bytes.");
            await app.Out.WriteLineAsync($"Its ledger key is {report.VerifierKey}: compare it with the key you published. Then run `evidence --home {report.Home} verify`.");
            foreach (var instruction in report.Instructions)
            {
                await app.Out.WriteLineAsync($"NOTE: {instruction}");
            }
        }
        return report.Restored ? CliApp.Ok : CliApp.Problem;
    }

    /// <summary>EVIDENCE_BACKUP_PASSPHRASE, else typed at the terminal (twice for a new backup), else the first line of standard input.</summary>
    private static string ReadPassphrase(CliApp app, bool confirm)
    {
        if (app.Variable(PassphraseVariable) is { Length: > 0 } set)
        {
            return set;
        }
        string? passphrase;
        if (!Console.IsInputRedirected)
        {
            passphrase = Typed(app, "Passphrase for the backup's keys: ");
            if (confirm && passphrase.Length > 0 && Typed(app, "The same passphrase again: ") != passphrase)
            {
                throw new UsageException("The two passphrases differ; nothing was written.");
            }
        }
        else
        {
            passphrase = Console.In.ReadLine();
        }
        return string.IsNullOrEmpty(passphrase)
            ? throw new UsageException($"No passphrase: set {PassphraseVariable}, type it when asked, or give it as the first line of standard input.")
            : passphrase;
    }

    private static string Typed(CliApp app, string prompt)
    {
        app.Error.Write(prompt);
        var typed = new StringBuilder();
        while (Console.ReadKey(intercept: true) is var key && key.Key != ConsoleKey.Enter)
        {
            if (key.Key == ConsoleKey.Backspace)
            {
                typed.Length = Math.Max(0, typed.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }
        app.Error.WriteLine();
        return typed.ToString();
    }
}
