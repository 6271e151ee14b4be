using System.Text.Json;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Backup;

/// <summary>
/// A home whose blobs are in Azure (a real Azurite): the backup holds the records, the packages and the sealed keys, and
/// lists the blobs, which Azure's own tools copy; a restore pointed at the container verifies clean.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BackupOnAzuriteTests(AzuriteFixture azurite) : IDisposable
{
    private readonly TestHome temp = new();

    public void Dispose() => temp.Dispose();

    [SqliteFact]
    public async Task Backup_OnAzure_ListsTheBlobsWithoutCopyingThem_RestoreOntoTheContainerVerifiesClean()
    {
        var azure = new Dictionary<string, string>
        {
            ["EVIDENCE_AZURE_BLOB"] = azurite.Server.ConnectionString,
            ["EVIDENCE_AZURE_CONTAINER"] = "backup" + Guid.NewGuid().ToString("N")[..12],
            ["EVIDENCE_BACKUP_PASSPHRASE"] = Cli.Passphrase,
        };
        var home = Path.Combine(temp.Path, "home");
        var ingest = await Run.CliWithEnvironmentAsync(home, azure, "ingest", temp.File("note.txt", "AZURE-MARKER statement"u8.ToArray()), "--collector", "A", "--json");
        Assert.True(ingest.Exit == 0, ingest.Err);
        var sha256 = JsonDocument.Parse(ingest.Out).RootElement[0].GetProperty("sha256").GetString()!;
        var folder = Path.Combine(temp.Path, "backup");

        var backup = await Run.CliWithEnvironmentAsync(home, azure, "backup", "--out", folder);
        var restored = Path.Combine(temp.Path, "restored");
        var restore = await Run.CliWithEnvironmentAsync(restored, azure, "restore", folder);
        var verify = await Run.CliWithEnvironmentAsync(restored, azure, "verify");
        var folderBackupOntoAzure = await Run.CliWithEnvironmentAsync(Path.Combine(temp.Path, "other"), azure, "restore", await FolderBackupAsync());

        Assert.True(backup.Exit == 0, backup.Err);
        Assert.Contains("NOTE: The blobs stay in the Azure container", backup.Out, StringComparison.Ordinal);
        Assert.Equal(sha256 + "\n", await File.ReadAllTextAsync(Path.Combine(folder, "azure-blobs.txt")));
        Assert.False(Directory.Exists(Path.Combine(folder, "blobs")));
        Assert.Contains("\nblobs azure\n", await File.ReadAllTextAsync(Path.Combine(folder, "manifest.txt")), StringComparison.Ordinal);
        Assert.True(restore.Exit == 0, restore.Out + restore.Err);
        Assert.Contains("NOTE: The blobs are in the Azure container", restore.Out, StringComparison.Ordinal);
        Assert.True(verify.Exit == 0, verify.Out);
        Assert.Contains("1 blobs re-hashed", verify.Out, StringComparison.Ordinal);
        Assert.Equal(2, folderBackupOntoAzure.Exit);
        Assert.Contains("Unset EVIDENCE_AZURE_BLOB", folderBackupOntoAzure.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "other")));
    }

    private async Task<string> FolderBackupAsync()
    {
        var home = Path.Combine(temp.Path, "folder-home");
        Assert.Equal(0, (await Run.CliAsync(home, "case", "add", "--title", "Folder home")).Exit);
        var folder = Path.Combine(temp.Path, "folder-backup");
        Assert.Equal(0, (await Cli.RunAsync(home, "backup", "--out", folder)).Exit);
        return folder;
    }
}
