using System.Security.Cryptography;
using System.Text.Json;
using Evidence.Crypto;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Storage;

namespace Evidence.Tests.Attack20;

/// <summary>
/// A storage administrator (the blob and package folders, not the key folder) puts sealed evidence back as it was before:
/// in clear, or in a version 1 envelope, from a snapshot or an old copy of the folder. Verify names each such file and says
/// to run `evidence encrypt-existing`; that remedy must then seal it again, even when an earlier run already sealed the
/// same blob or package and recorded so. Real SQLite home, through the command line.
/// </summary>
public sealed class EnvelopeDowngradeAttackTests : IDisposable
{
    private static readonly byte[] Marker = "MARKER-child-testimony-downgrade-71c3"u8.ToArray();
    private readonly TestHome temp = new();

    public void Dispose() => temp.Dispose();

    private string Home => Path.Combine(temp.Path, "home");

    private Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => Run.CliAsync(Home, args);

    private async Task<JsonElement> JsonAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await Run.CliAsync(Home, [.. args, "--json"]);
        Assert.True(exit == 0, $"{string.Join(' ', args)}: {stderr}{stdout}");
        return JsonDocument.Parse(stdout).RootElement;
    }

    private async Task<List<string>> FoundAsync()
    {
        var (_, stdout, stderr) = await RunAsync("verify", "--json");
        var report = JsonDocument.Parse(stdout.Length > 0 ? stdout : throw new InvalidOperationException(stderr)).RootElement;
        return [.. report.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("found").GetString()!)];
    }

    private static List<string> FilesHolding(string folder, byte[] needle) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(f => File.ReadAllBytes(f).AsSpan().IndexOf(needle) >= 0)];

    private static async Task PlantAsync(string path, byte[] bytes)
    {
        File.Delete(path);
        await File.WriteAllBytesAsync(path, bytes);
    }

    private IKeyEncryptionKey Kek => KeyEncryptionKeyFile.LoadOrCreate(Path.Combine(Home, "keys", "blobs-kek-aes256.key"));

    /// <summary>
    /// A blob sealed by `encrypt-existing` (its Encrypted event recorded), then put back in a version 1 envelope, then in clear.
    /// Each time verify names it and encrypt-existing seals it again for its address; before, encrypt-existing skipped every
    /// blob an Encrypted event had named, reported nothing to do, and the blob stayed readable on disk for good.
    /// </summary>
    [SqliteFact]
    public async Task Blob_PutBackInClearOrVersion1_AfterItsEncryptedEvent_IsSealedAgainByEncryptExisting()
    {
        byte[] photo = [0xFF, 0xD8, 0xFF, .. Enumerable.Repeat(Marker, 3_000).SelectMany(m => m), 0xFF, 0xD9];
        await JsonAsync("ingest", temp.File("in/photo.jpg", photo), "--collector", "Olena K.");
        File.Delete(Path.Combine(temp.Path, "in", "photo.jpg"));
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(photo));
        var path = Path.Combine(Home, "blobs", "sha256", sha256[..2], sha256);
        // A home from before encryption: the blob in clear, sealed by encrypt-existing with an Encrypted event.
        await PlantAsync(path, photo);
        Assert.Equal(1, (await JsonAsync("--role", "admin", "encrypt-existing")).GetProperty("encrypted").GetInt32());
        Assert.Empty(await FoundAsync());

        foreach (var (downgrade, named) in new[]
                 {
                     (EnvelopeVersion1.Seal(photo, Kek), "a version 1 envelope, not sealed for its address: run `evidence encrypt-existing`"),
                     (photo, "its bytes stored in clear: run `evidence encrypt-existing`"),
                 })
        {
            await PlantAsync(path, downgrade);
            Assert.Equal([named], await FoundAsync());

            var report = await JsonAsync("--role", "admin", "encrypt-existing");

            Assert.Equal(1, report.GetProperty("encrypted").GetInt32());
            Assert.Equal(Convert.FromHexString(sha256), File.ReadAllBytes(path)[^32..]);
            Assert.Empty(await FoundAsync());
            Assert.Empty(FilesHolding(Home, Marker));
        }
        var again = await JsonAsync("--role", "admin", "encrypt-existing");
        Assert.Equal((0, 1), (again.GetProperty("encrypted").GetInt32(), again.GetProperty("alreadyEncrypted").GetInt32()));
    }

    /// <summary>A package built into the home's package folder (kept sealed there), its path, delivered SHA-256 and the zip it holds.</summary>
    private async Task<(string Package, string Delivered, byte[] Zip)> BuildKeptPackageAsync()
    {
        var incident = (await JsonAsync("incident", "add", "--title", "Transfer", "--kind", "deportation", "--from", "2022-10", "--place", "Kherson",
            "--article", "8(2)(a)(vii)-1")).GetProperty("id").GetString()!;
        var item = (await JsonAsync("ingest", temp.File("in/statement.txt", [.. "Witness statement "u8, .. Marker]), "--collector", "Olena K."))[0]
            .GetProperty("id").GetString()!;
        File.Delete(Path.Combine(temp.Path, "in", "statement.txt"));
        await JsonAsync("tag", item, "--incident", incident, "--element", "8(2)(a)(vii)-1:1");
        var package = Path.Combine(Home, "packages", "icc.zip");
        var built = await JsonAsync("package", "--incident", incident, "--recipient", "icc", "--out", package, "--role", "prosecutor");
        var delivered = built.GetProperty("sha256").GetString()!;
        using var clear = new MemoryStream();
        await using (var opened = (await BlobEnvelope.OpenAsync(new MemoryStream(await File.ReadAllBytesAsync(package)), delivered, Kek, CancellationToken.None)).Content)
        {
            await opened.CopyToAsync(clear);
        }
        Assert.Equal(delivered, Convert.ToHexStringLower(SHA256.HashData(clear.ToArray())));
        return (package, delivered, clear.ToArray());
    }

    /// <summary>
    /// A package kept in the home's package folder, sealed by `encrypt-existing` (a PackageSealed event), then put back in
    /// clear: verify names it, and encrypt-existing must seal it again (before, it skipped every package a PackageSealed event
    /// named). And one put back in a version 1 envelope (how packages were sealed before version 2): verify names it, and
    /// encrypt-existing seals it again for the SHA-256 it was delivered with (before, any envelope counted as sealed).
    /// </summary>
    [SqliteFact]
    public async Task Package_PutBackInClearOrVersion1_IsNamedAndSealedAgainByEncryptExisting()
    {
        var (package, delivered, zip) = await BuildKeptPackageAsync();
        // Sealed once by encrypt-existing, as a package kept in clear before sealing is: its PackageSealed event recorded.
        await PlantAsync(package, zip);
        Assert.Equal(1, (await JsonAsync("--role", "admin", "encrypt-existing")).GetProperty("packagesSealed").GetInt32());
        Assert.Empty(await FoundAsync());

        foreach (var (downgrade, named) in new[]
                 {
                     (zip, "its bytes stored in clear"),
                     (EnvelopeVersion1.Seal(zip, Kek), "a version 1 envelope, not sealed for the package it holds: run `evidence encrypt-existing`"),
                 })
        {
            await PlantAsync(package, downgrade);
            Assert.Equal([named], await FoundAsync());

            var report = await JsonAsync("--role", "admin", "encrypt-existing");

            Assert.Equal(1, report.GetProperty("packagesSealed").GetInt32());
            Assert.Equal(Convert.FromHexString(delivered), File.ReadAllBytes(package)[^32..]);
            Assert.Empty(await FoundAsync());
            Assert.Empty(FilesHolding(Home, Marker));
        }
        Assert.Equal(0, (await JsonAsync("--role", "admin", "encrypt-existing")).GetProperty("packagesSealed").GetInt32());
    }

    /// <summary>
    /// A package kept in clear, sealed by `encrypt-existing`: its PackageSealed event must say how it is sealed. It said
    /// "EVBLOB 1" for files sealed as version 2 (sealed for the package's SHA-256), so the custody record misstated the format.
    /// </summary>
    [SqliteFact]
    public async Task PackageSealedEvent_NamesTheEnvelopeVersionTheFileIsSealedIn()
    {
        var (package, _, zip) = await BuildKeptPackageAsync();
        await PlantAsync(package, zip);

        Assert.Equal(1, (await JsonAsync("--role", "admin", "encrypt-existing")).GetProperty("packagesSealed").GetInt32());

        Assert.True(File.ReadAllBytes(package).AsSpan().StartsWith(BlobEnvelope.Signature));
        var (_, events, _) = await RunAsync("log", "events");
        var sealedEvent = events.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).Single(e => e.GetProperty("action").GetString() == "PackageSealed");
        Assert.StartsWith("EVBLOB 2", sealedEvent.GetProperty("details").GetProperty("format").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A DBA (the database, not the key folder) points a package row at a file outside the package folder whose bytes are
    /// public, the office's handover certificate (`../keys/handover-certificate.pem`), with its SHA-256 and size. The next
    /// `encrypt-existing` took the row's name as a package file kept in clear, found it to be "the package", and replaced the
    /// certificate in the key folder with an envelope of it: handover imports, and for an office's registered certificate
    /// every package to it, then fail. A package's file is a plain name in the package folder, never a path: refused.
    /// </summary>
    [SqliteFact]
    public async Task EncryptExisting_PackageRowNamingAFileOutsideThePackageFolder_LeavesThatFileAlone()
    {
        await BuildKeptPackageAsync();
        Assert.Equal(0, (await RunAsync("--role", "admin", "handover", "certificate")).Exit);
        var certificate = Path.Combine(Home, "keys", "handover-certificate.pem");
        var original = await File.ReadAllBytesAsync(certificate);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Home, "evidence.db")}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DROP TRIGGER referral_packages_no_update; UPDATE referral_packages SET FileName = '../keys/handover-certificate.pem', " +
                                  $"Sha256 = '{Convert.ToHexStringLower(SHA256.HashData(original))}', Bytes = {original.Length};";
            await command.ExecuteNonQueryAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var (exit, stdout, stderr) = await RunAsync("--role", "admin", "encrypt-existing", "--json");

        Assert.True(exit == 1, stdout + stderr);
        Assert.Equal(0, JsonDocument.Parse(stdout).RootElement.GetProperty("packagesSealed").GetInt32());
        Assert.Single(JsonDocument.Parse(stdout).RootElement.GetProperty("damagedPackages").EnumerateArray());
        Assert.Equal(original, await File.ReadAllBytesAsync(certificate));
        Assert.Equal(0, (await RunAsync("--role", "admin", "handover", "certificate")).Exit);
        Assert.DoesNotContain("PackageSealed", (await RunAsync("log", "events")).Out, StringComparison.Ordinal);
    }
}
