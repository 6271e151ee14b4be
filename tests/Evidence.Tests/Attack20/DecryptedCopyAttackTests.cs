using System.Text.Json;
using Evidence.Storage;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Attack20;

/// <summary>
/// Another account on the host (no access to the home, which is owner-only) reads the evidence an investigator took out
/// with `evidence content ID --out FILE`: the only copy of a child's testimony in clear that the command line writes. It
/// was created with the process's umask (0644 on most hosts), readable by every account, while packages, handover bundles
/// and everything in the home are created owner-only. Real SQLite home, through the command line.
/// </summary>
public sealed class DecryptedCopyAttackTests : IDisposable
{
    private readonly TestHome temp = new();

    public void Dispose() => temp.Dispose();

    [SqliteFact]
    public async Task Content_WritesTheDecryptedCopyOwnerOnly()
    {
        var home = Path.Combine(temp.Path, "home");
        var (exit, stdout, stderr) = await Run.CliAsync(home, "ingest", temp.File("statement.txt", "A child's testimony, decrypted for a reader"u8.ToArray()),
            "--collector", "Olena K.", "--json");
        Assert.True(exit == 0, stderr);
        var id = JsonDocument.Parse(stdout).RootElement[0].GetProperty("id").GetString()!;
        var output = Path.Combine(temp.Path, "out", "statement.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);

        (exit, _, stderr) = await Run.CliAsync(home, "content", id, "--out", output);

        Assert.True(exit == 0, stderr);
        Assert.Equal(OwnerOnly.FilePermissions, File.GetUnixFileMode(output));
    }
}
