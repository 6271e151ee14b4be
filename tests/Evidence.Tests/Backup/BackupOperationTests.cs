using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Evidence.Cli;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Backup;

/// <summary>
/// Backups as operators run them: the command line as a process of its own, killed half-way (kill -9) or given the
/// passphrase on standard input; a backup taken while investigators go on ingesting; and the stores whose copy is not the
/// backup's to make (PostgreSQL, which pg_dump copies, and an Azure container).
/// </summary>
public sealed class BackupOperationTests : IDisposable
{
    private readonly TestHome temp = new();

    public void Dispose() => temp.Dispose();

    private string Home => Path.Combine(temp.Path, "home");

    [SqliteFact]
    public async Task Backup_KilledMidway_LeavesNoManifest_RestoreRefusesIt_AndTheHomeRecordedNothing()
    {
        Assert.Equal(0, (await Run.CliAsync(Home, "ingest", temp.File("video.bin", RandomNumberGenerator.GetBytes(64 << 20)), temp.File("note.txt", "note"u8.ToArray()),
            "--collector", "A")).Exit);
        var events = (await BackupRestoreTests.EventsAsync(Home)).Count;
        var folder = Path.Combine(temp.Path, "backup");

        using (var process = Start(Home, Cli.Passphrase + "\n", "backup", "--out", folder))
        {
            // Killed as soon as the database copy appears: the blobs, the sealed keys and the manifest are still to come. Watched
            // from this thread, not awaited: parallel tests can starve the thread pool for longer than the backup takes.
            var watch = Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(folder, "evidence.db")) && !process.HasExited && watch.Elapsed < TimeSpan.FromSeconds(120))
            {
                Thread.Sleep(1);
            }
            process.Kill(entireProcessTree: true); // SIGKILL: no clean-up runs
            Assert.False(File.Exists(Path.Combine(folder, "manifest.txt")), "the backup ended before it could be killed: " + await process.StandardError.ReadToEndAsync());
            await process.WaitForExitAsync();
        }
        var restored = Path.Combine(temp.Path, "restored");
        var restore = await Cli.RunAsync(restored, "restore", folder);
        var verify = await Run.CliAsync(Home, "verify");

        Assert.True(Directory.Exists(folder));
        Assert.False(File.Exists(Path.Combine(folder, "manifest.txt")));
        Assert.Equal(1, restore.Exit);
        Assert.Contains("the backup is incomplete (it stopped before it finished)", restore.Out, StringComparison.Ordinal);
        Assert.False(Directory.Exists(restored));
        Assert.True(verify.Exit == 0, verify.Out);
        Assert.DoesNotContain((await BackupRestoreTests.EventsAsync(Home)).Skip(events), e => e.Contains("\"BackedUp\"", StringComparison.Ordinal));
    }

    /// <summary>The passphrase as the first line of standard input (never an argument): the backup and its restore, each a process of its own.</summary>
    [SqliteFact]
    public async Task BackupAndRestore_PassphraseOnStandardInput_AsProcesses()
    {
        Assert.Equal(0, (await Run.CliAsync(Home, "ingest", temp.File("note.txt", "note"u8.ToArray()), "--collector", "A")).Exit);
        var folder = Path.Combine(temp.Path, "backup");
        var restored = Path.Combine(temp.Path, "restored");

        var backup = await RunAsync(Home, "typed on stdin, long enough\n", "backup", "--out", folder);
        var wrong = await RunAsync(restored, "another passphrase entirely\n", "restore", folder);
        var none = await RunAsync(restored, "", "restore", folder);
        var restore = await RunAsync(restored, "typed on stdin, long enough\n", "restore", folder);
        var verify = await Run.CliAsync(restored, "verify");

        Assert.True(backup.Exit == 0, backup.Err);
        Assert.Equal(2, wrong.Exit);
        Assert.Contains("The passphrase does not open the backup's keys", wrong.Err, StringComparison.Ordinal);
        Assert.Equal(2, none.Exit);
        Assert.Contains("No passphrase: set EVIDENCE_BACKUP_PASSPHRASE", none.Err, StringComparison.Ordinal);
        Assert.True(restore.Exit == 0, restore.Err);
        Assert.True(verify.Exit == 0, verify.Out);
    }

    /// <summary>
    /// Investigators keep ingesting while the backup runs: the backup holds exactly the blobs its database snapshot names, so
    /// the restored home verifies clean (no blob missing, none unrecorded), whatever was stored during the copy.
    /// </summary>
    [SqliteFact]
    public async Task Backup_WhileIngesting_RestoredHomeVerifiesClean()
    {
        Assert.Equal(0, (await Run.CliAsync(Home, "ingest", temp.File("first.bin", RandomNumberGenerator.GetBytes(8 << 20)), "--collector", "A")).Exit);
        var folder = Path.Combine(temp.Path, "backup");
        using var stop = new CancellationTokenSource();
        var ingesting = Task.Run(async () =>
        {
            var count = 0;
            while (!stop.IsCancellationRequested)
            {
                var (exit, _, stderr) = await Run.CliAsync(Home, "ingest", temp.File($"during-{count}.bin", RandomNumberGenerator.GetBytes(256 << 10)), "--collector", "B");
                Assert.True(exit == 0, stderr);
                count++;
            }
            return count;
        });

        var backup = await Cli.RunAsync(Home, "backup", "--out", folder, "--json");
        await stop.CancelAsync();
        var ingested = await ingesting;
        var restored = Path.Combine(temp.Path, "restored");
        var restore = await Cli.RunAsync(restored, "restore", folder);
        var verify = await Run.CliAsync(restored, "verify", "--json");

        Assert.True(backup.Exit == 0, backup.Err);
        Assert.True(restore.Exit == 0, restore.Out + restore.Err);
        Assert.True(verify.Exit == 0, verify.Out);
        var report = JsonDocument.Parse(verify.Out).RootElement;
        var blobsCopied = JsonDocument.Parse(backup.Out).RootElement.GetProperty("blobCount").GetInt32();
        Assert.Equal(report.GetProperty("items").GetInt32(), blobsCopied);
        Assert.InRange(blobsCopied, 1, ingested + 1);
    }

    [PostgresFact]
    public async Task Backup_OnPostgres_SaysToPgDump_AndADumpPlusTheBackupRestoreAHomeThatVerifies()
    {
        await using var database = await PostgresDatabase.CreateMigratedAsync();
        await using var empty = await PostgresDatabase.CreateAsync();
        var source = new Dictionary<string, string> { ["EVIDENCE_DB"] = database.Url, ["EVIDENCE_BACKUP_PASSPHRASE"] = Cli.Passphrase };
        Assert.Equal(0, (await OnAsync(Home, source, "ingest", temp.File("note.txt", "note on postgres"u8.ToArray()), "--collector", "A")).Exit);
        var dump = Path.Combine(temp.Path, "evidence.pgdump");
        var folder = Path.Combine(temp.Path, "backup");

        var pgDump = await Run.ProcessAsync("pg_dump", "--format=custom", $"--file={dump}", database.Url);
        var backup = await OnAsync(Home, source, "backup", "--out", folder);
        var pgRestore = await Run.ProcessAsync("pg_restore", "--no-owner", $"--dbname={empty.Url}", dump);
        var target = new Dictionary<string, string> { ["EVIDENCE_DB"] = empty.Url, ["EVIDENCE_BACKUP_PASSPHRASE"] = Cli.Passphrase };
        var restored = Path.Combine(temp.Path, "restored");
        var restore = await OnAsync(restored, target, "restore", folder);
        var verify = await OnAsync(restored, target, "verify");

        Assert.True(pgDump.Exit == 0, pgDump.Err);
        Assert.True(backup.Exit == 0, backup.Err);
        Assert.Contains("NOTE: The records are in PostgreSQL, which this command does not copy", backup.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "evidence.db")));
        Assert.Contains("\ndatabase postgres\n", await File.ReadAllTextAsync(Path.Combine(folder, "manifest.txt")), StringComparison.Ordinal);
        Assert.True(pgRestore.Exit == 0, pgRestore.Err);
        Assert.True(restore.Exit == 0, restore.Out + restore.Err);
        Assert.Contains("pg_restore", restore.Out, StringComparison.Ordinal);
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
    }

    /// <summary>The in-process command line with exactly these EVIDENCE_* variables (not the PostgreSQL pass's own database per home).</summary>
    private static async Task<(int Exit, string Out, string Err)> OnAsync(string home, Dictionary<string, string> environment, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var cli = new CliApp(stdout, stderr, interactive: false, name => environment.TryGetValue(name, out var value) ? value
            : name.StartsWith("EVIDENCE_", StringComparison.Ordinal) ? null : Environment.GetEnvironmentVariable(name));
        var exit = await cli.RunAsync(["--home", home, .. args], CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>`evidence` as a process of its own, <paramref name="stdin"/> its whole standard input; no EVIDENCE_BACKUP_PASSPHRASE.</summary>
    private static Process Start(string home, string stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Evidence.Cli.dll"));
        start.ArgumentList.Add("--home");
        start.ArgumentList.Add(home);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("EVIDENCE_BACKUP_PASSPHRASE");
        var process = Process.Start(start)!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        return process;
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string home, string stdin, params string[] args)
    {
        using var process = Start(home, stdin, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
