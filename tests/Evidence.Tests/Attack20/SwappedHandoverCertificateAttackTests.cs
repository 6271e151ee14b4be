using System.Text.Json;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Attack20;

/// <summary>
/// An outsider on the way between the office and a field laptop (the stick or the mail that carries the office's handover
/// certificate) puts in a certificate of their own: every bundle exported to it is theirs to read once they get the stick.
/// docs/handover.md has the office read the fingerprint out by another way "so that a certificate swapped on the way is
/// noticed before anything is encrypted to it", but export took any certificate and printed its fingerprint only after
/// encrypting. `--fingerprint` gives export the read-out value: another certificate is refused, nothing written or recorded.
/// Real SQLite homes (office, field, the outsider's), through the command line.
/// </summary>
public sealed class SwappedHandoverCertificateAttackTests : IDisposable
{
    private readonly TestHome temp = new();

    public void Dispose() => temp.Dispose();

    private async Task<JsonElement> JsonAsync(string home, string actor, params string[] args)
    {
        var (exit, stdout, stderr) = await Run.CliAsync(home, ["--as", actor, .. args, "--json"]);
        Assert.True(exit == 0, $"{string.Join(' ', args)}: {stderr}{stdout}");
        return JsonDocument.Parse(stdout).RootElement;
    }

    [SqliteFact]
    public async Task Export_ToACertificateSwappedOnTheWay_IsRefusedByTheReadOutFingerprint_NothingWritten()
    {
        var office = Path.Combine(temp.Path, "office");
        var field = Path.Combine(temp.Path, "field");
        var outsider = Path.Combine(temp.Path, "outsider");
        var real = Path.Combine(temp.Path, "office-handover.pem");
        var fingerprint = (await JsonAsync(office, "admin", "--role", "admin", "handover", "certificate", "--out", real)).GetProperty("fingerprint").GetString()!;
        var swapped = Path.Combine(temp.Path, "swapped.pem");
        await JsonAsync(outsider, "mallory", "--role", "admin", "handover", "certificate", "--out", swapped);
        await JsonAsync(field, "Olena K.", "ingest", temp.File("statement.txt", "Field statement"u8.ToArray()), "--collector", "Olena K.");
        var events = (await Run.CliAsync(field, "log", "events")).Out;
        var bundle = Path.Combine(temp.Path, "bundle.zip");
        // As read out over the phone: upper case, in groups.
        var readOut = string.Join(' ', fingerprint.ToUpperInvariant().Chunk(4).Select(g => new string(g)));

        var (exit, stdout, stderr) = await Run.CliAsync(field, "--as", "Olena K.", "handover", "export", "--to", "Petro S.", "--out", bundle,
            "--encrypt-to", swapped, "--fingerprint", readOut);

        Assert.True(exit == 2, stdout + stderr);
        Assert.Contains($"not {fingerprint}, the one the office read out", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(bundle + ".p7m"));
        Assert.Empty(Directory.GetFiles(temp.Path, "bundle.zip*"));
        Assert.Equal(events, (await Run.CliAsync(field, "log", "events")).Out);

        // A fingerprint that is no SHA-256, one without --encrypt-to, or none at all, is refused as such.
        Assert.Equal(2, (await Run.CliAsync(field, "--as", "Olena K.", "handover", "export", "--to", "Petro S.", "--out", bundle,
            "--encrypt-to", real)).Exit);
        Assert.Equal(2, (await Run.CliAsync(field, "--as", "Olena K.", "handover", "export", "--to", "Petro S.", "--out", bundle,
            "--encrypt-to", real, "--fingerprint", fingerprint[..63])).Exit);
        Assert.Equal(2, (await Run.CliAsync(field, "--as", "Olena K.", "handover", "export", "--to", "Petro S.", "--out", bundle,
            "--in-clear", "--fingerprint", fingerprint)).Exit);

        // The office's own certificate, with the fingerprint read out, exports as before.
        var exported = await JsonAsync(field, "Olena K.", "handover", "export", "--to", "Petro S.", "--out", bundle, "--encrypt-to", real, "--fingerprint", readOut);
        Assert.Equal(fingerprint, exported.GetProperty("encrypted").GetProperty("certificate").GetString());
        Assert.True(File.Exists(bundle + ".p7m"));
    }
}
