using System.Text.Json;
using Evidence.Crypto;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Custody;

/// <summary>
/// `verify` holds the home's package folder (what prosecutors download) to the PackageBuilt and PackageSealed events, through
/// the command line on a real SQLite home: a package kept there that was altered, swapped for another, put back in clear,
/// removed, or a file planted beside them, each is a finding of kind <c>package</c>; a package exported elsewhere is the
/// user's and no finding when it goes.
/// </summary>
public sealed class PackageFolderVerifyTests : IDisposable
{
    private readonly TestHome temp = new();

    public void Dispose() => temp.Dispose();

    private string Home => Path.Combine(temp.Path, "home");

    private async Task<JsonElement> JsonAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await Run.CliAsync(Home, [.. args, "--json"]);
        Assert.True(exit == 0, $"{string.Join(' ', args)}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement;
    }

    private async Task<List<(string Kind, string Subject, string Found)>> VerifyAsync()
    {
        var (_, stdout, stderr) = await Run.CliAsync(Home, "verify", "--json");
        var report = JsonDocument.Parse(stdout.Length > 0 ? stdout : throw new InvalidOperationException(stderr)).RootElement;
        return [.. report.GetProperty("findings").EnumerateArray()
            .Select(f => (f.GetProperty("kind").GetString()!, f.GetProperty("subject").GetString()!, f.GetProperty("found").GetString()!))];
    }

    [SqliteFact]
    public async Task Verify_PackageFolder_AlteredSwappedInClearRemovedOrPlanted_EachIsAPackageFinding()
    {
        var incident = (await JsonAsync("incident", "add", "--title", "Transfer", "--kind", "deportation", "--from", "2022-10", "--place", "Kherson",
            "--article", "8(2)(a)(vii)-1")).GetProperty("id").GetString()!;
        var item = (await JsonAsync("ingest", temp.File("statement.txt", "PACKAGE-FOLDER witness statement"u8.ToArray()), "--collector", "Olena K."))[0]
            .GetProperty("id").GetString()!;
        await JsonAsync("tag", item, "--incident", incident, "--element", "8(2)(a)(vii)-1:1");
        var packages = Path.Combine(Home, "packages");
        var icc = Path.Combine(packages, "icc.zip");
        var national = Path.Combine(packages, "national.zip");
        var exported = Path.Combine(temp.Path, "exported.zip");
        var iccSha256 = (await JsonAsync("package", "--incident", incident, "--recipient", "icc", "--out", icc, "--role", "prosecutor"))
            .GetProperty("sha256").GetString()!;
        await JsonAsync("package", "--incident", incident, "--recipient", "national", "--out", national, "--role", "prosecutor");
        await JsonAsync("package", "--incident", incident, "--recipient", "icc", "--out", exported, "--role", "prosecutor");
        Assert.Empty(await VerifyAsync());
        var built = (await Run.CliAsync(Home, "log", "events")).Out.Split('\n').Where(l => l.Contains("\"PackageBuilt\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, built.Count(l => l.Contains("\"kept\":\"sealed\"", StringComparison.Ordinal))); // the export is the user's: no "kept"
        var original = await File.ReadAllBytesAsync(icc);
        File.SetUnixFileMode(icc, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // An exported package that goes is no finding; the folder's own are.
        File.Delete(exported);
        Assert.Empty(await VerifyAsync());

        // Altered: one byte of the sealed file.
        var altered = (byte[])original.Clone();
        altered[^40] ^= 0x01;
        await File.WriteAllBytesAsync(icc, altered);
        var finding = Assert.Single(await VerifyAsync());
        Assert.Equal(("package", "icc.zip"), (finding.Kind, finding.Subject));
        Assert.StartsWith("a file that does not open", finding.Found, StringComparison.Ordinal);

        // Swapped: another package of this home, sealed here, under the name of the first. Its envelope was sealed for the
        // other package's SHA-256, so it does not open under this one's.
        await File.WriteAllBytesAsync(icc, await File.ReadAllBytesAsync(national));
        finding = Assert.Single(await VerifyAsync());
        Assert.Equal(("package", "icc.zip"), (finding.Kind, finding.Subject));
        Assert.Contains("sealed for another address", finding.Found, StringComparison.Ordinal);

        // The right package, but in clear where it was kept sealed.
        var kek = KeyEncryptionKeyFile.LoadOrCreate(Path.Combine(Home, "keys", "blobs-kek-aes256.key"));
        using (var clear = new MemoryStream())
        {
            await using (var opened = (await BlobEnvelope.OpenAsync(new MemoryStream(original), iccSha256, kek, CancellationToken.None)).Content)
            {
                await opened.CopyToAsync(clear);
            }
            await File.WriteAllBytesAsync(icc, clear.ToArray());
        }
        finding = Assert.Single(await VerifyAsync());
        Assert.Equal(("package", "icc.zip", "its bytes stored in clear"), finding);

        // Removed.
        File.Delete(icc);
        finding = Assert.Single(await VerifyAsync());
        Assert.Equal(("package", "icc.zip", "no such file: it was removed"), finding);

        // A link in its place (here to a file that never ends), and an empty file: named, never read.
        File.CreateSymbolicLink(icc, "/dev/zero");
        var linked = await VerifyAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(("package", "icc.zip", "a link: the package folder holds files"), Assert.Single(linked));
        File.Delete(icc);
        await File.WriteAllBytesAsync(icc, []);
        Assert.Equal(("package", "icc.zip", "an empty file, or no plain file"), Assert.Single(await VerifyAsync()));
        File.Delete(icc);

        // Put back as it was: clean again.
        await File.WriteAllBytesAsync(icc, original);
        Assert.Empty(await VerifyAsync());

        // Planted: files no event records, one of them empty. A package-named one (.zip, .p7m) start-up removes before
        // verify looks (Recovery/UnrecordedPackages.cs); any other is named. A file written just now may be a package whose
        // commit is recording it: not yet a finding.
        var planted = Path.Combine(packages, "planted.zip");
        var notes = Path.Combine(packages, "notes.pdf");
        var empty = Path.Combine(packages, "empty");
        foreach (var (path, bytes) in new[] { (planted, original), (notes, original), (empty, Array.Empty<byte>()) })
        {
            await File.WriteAllBytesAsync(path, bytes);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-1));
        }
        await File.WriteAllBytesAsync(Path.Combine(packages, "fresh.pdf"), original);
        var planting = await VerifyAsync();
        Assert.False(File.Exists(planted));
        Assert.Equal(["empty", "notes.pdf"], planting.Select(f => f.Subject));
        Assert.All(planting, f => Assert.Equal(("package", "a file no custody event records"), (f.Kind, f.Found)));
    }
}
