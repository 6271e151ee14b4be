using System.Text.Json;
using Evidence.Cli;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Cli;

/// <summary>The command line as auditors' scripts use it: JSON on stdout, messages on stderr, exit codes 0 / 2.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TestHome home = new();

    private string EvidenceHome => Path.Combine(home.Path, "home");

    private Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => Run.CliAsync(EvidenceHome, args);

    [Fact]
    public async Task Ingest_Folder_PrintsOneJsonRecordPerItem_MatchingSha256sum()
    {
        home.File("upload/a.txt", "first"u8.ToArray());
        home.File("upload/sub/b.bin", [0, 1, 2, 3]);
        home.File("upload/sub/copy-of-a.txt", "first"u8.ToArray());

        var (exit, stdout, stderr) = await RunAsync("ingest", Path.Combine(home.Path, "upload"), "--collector", "Olena K.", "--json");

        Assert.True(exit == 0, stderr);
        var records = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(3, records.Count);
        var sha256sum = await Sha256sumAsync(Path.Combine(home.Path, "upload", "a.txt"), Path.Combine(home.Path, "upload", "sub", "b.bin"));
        Assert.Equal(sha256sum, records.Take(2).Select(r => r.GetProperty("sha256").GetString()));
        Assert.Equal(records[0].GetProperty("id").GetString(), records[2].GetProperty("duplicateOf").GetString());
        Assert.Equal(JsonValueKind.Null, records[0].GetProperty("duplicateOf").ValueKind);
        Assert.Equal(4, records[1].GetProperty("size").GetInt64());
    }

    [Fact]
    public async Task Ingest_SomeFilesRefused_IngestsTheRestAndExits2()
    {
        var good = home.File("good.txt", "x"u8.ToArray());
        var empty = home.File("empty.txt", []);

        var (exit, stdout, stderr) = await RunAsync("ingest", good, empty, Path.Combine(home.Path, "missing.jpg"), "--collector", "A", "--json");

        Assert.Equal(2, exit);
        Assert.Single(JsonDocument.Parse(stdout).RootElement.EnumerateArray());
        Assert.Contains("empty (0 bytes)", stderr, StringComparison.Ordinal);
        Assert.Contains("missing.jpg does not exist", stderr, StringComparison.Ordinal);
        Assert.Contains("1 ingested, 2 refused", stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// A third party re-derives the evidence table from `log events` alone: each Ingested line carries the item's size,
    /// media type and capture date as they are, and its original name and collector as SHA-256 of what the table says.
    /// </summary>
    [Fact]
    public async Task LogEvents_EveryLeafOneLine_RederivesTheItemsFromTheLedger()
    {
        var file = home.File("звіт свідка.txt", "Witness: the bus left at 08:30."u8.ToArray());
        Assert.Equal(0, (await RunAsync("ingest", file, "--collector", "Olena K.", "--captured-at", "2022-10-14")).Exit);
        Assert.Equal(0, (await RunAsync("case", "add", "--title", "Kherson")).Exit);

        var (exit, stdout, stderr) = await RunAsync("log", "events");

        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var ingested = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal(("Ingested", 0), (ingested.GetProperty("action").GetString(), ingested.GetProperty("index").GetInt32()));
        var details = ingested.GetProperty("details");
        Assert.Equal(("31", "text/plain", "2022-10-14"), (details.GetProperty("size").GetString(), details.GetProperty("mediaType").GetString(), details.GetProperty("capturedAt").GetString()));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("звіт свідка.txt"u8)), details.GetProperty("nameSha256").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("Olena K."u8)), details.GetProperty("collectorSha256").GetString());
        Assert.DoesNotContain("Olena", stdout, StringComparison.Ordinal);
        Assert.Equal("CaseOpened", JsonDocument.Parse(lines[1]).RootElement.GetProperty("action").GetString());
    }

    [Theory]
    [InlineData(new[] { "ingest", "x.txt" }, "--collector is required")]
    [InlineData(new[] { "ingest", "--collector", "A" }, "at least one file")]
    [InlineData(new[] { "ingest", "x.txt", "--collector", "A", "--bogus" }, "Unknown option --bogus")]
    [InlineData(new[] { "ingest", "x.txt", "--collector", "A", "--case", "nope" }, "is not a case id")]
    [InlineData(new[] { "frobnicate" }, "Unknown command 'frobnicate'")]
    public async Task BadUsage_Exits2WithAMessage(string[] args, string expected)
    {
        var (exit, stdout, stderr) = await RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_HostileName_IsEscapedOnTheTerminal()
    {
        var path = home.File("evil\u001b[31mred\u202Etxt.exe", "x"u8.ToArray());

        var (exit, stdout, _) = await RunAsync("ingest", path, "--collector", "A");

        Assert.Equal(0, exit);
        Assert.DoesNotContain('\u001b', stdout);
        Assert.DoesNotContain('\u202E', stdout);
        Assert.Contains("evil\\u001B[31mred\\u202Etxt.exe", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_FileNamedLikeAnOption_IsIngestedAfterDoubleDash()
    {
        var path = home.File("--json", "x"u8.ToArray());

        var (exit, stdout, _) = await RunAsync("ingest", "--collector", "A", "--", path);

        Assert.Equal(0, exit);
        Assert.Contains("--json", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaseAdd_ThenIngestIntoIt()
    {
        var (exit, stdout, _) = await RunAsync("case", "add", "--title", "Kherson", "--json");
        Assert.Equal(0, exit);
        var caseId = JsonDocument.Parse(stdout).RootElement.GetProperty("id").GetString()!;

        var ingest = await RunAsync("ingest", home.File("p.txt", [65]), "--collector", "A", "--case", caseId);

        Assert.Equal(0, ingest.Exit);
    }

    [Fact]
    public async Task Demo_IngestsSyntheticFilesIntoAFreshHome()
    {
        var (exit, stdout, stderr) = await RunAsync("demo");

        Assert.True(exit == 0, stderr);
        Assert.Contains("Ingested photo-bus-at-departure-point.png", stdout, StringComparison.Ordinal);
        Assert.Contains("stored once", stdout, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(EvidenceHome, "blobs", "sha256"), "*", SearchOption.AllDirectories), f => f.EndsWith(
            "99c65ad2b83b5ebd6edb73c73c344e0d43afea57ca3eedd15c7b98defa6d6983", StringComparison.Ordinal));
        Assert.Contains("verify-package: OK", stdout, StringComparison.Ordinal);
        // The demo's ICC package, as its recipient would check it with standard tools.
        var unzipped = Path.Combine(home.Path, "unzipped");
        System.IO.Compression.ZipFile.ExtractToDirectory(Path.Combine(EvidenceHome, "referral-icc.zip"), unzipped);
        var bag = Directory.GetDirectories(unzipped).Single();
        var check = await StandardTools.BagCheckAsync(bag);
        Assert.True(check.Exit == 0, check.Out + check.Err);
        var openssl = await StandardTools.CmsVerifyAsync(bag);
        Assert.True(openssl.Exit == 0, openssl.Err);
        // The court-ready items (issue 17): a GPS-tagged photo whose position Evidence reads as exiftool does, a photo with
        // valid Content Credentials, and a Ukrainian testimony with its English translation derived from it.
        var items = JsonDocument.Parse(File.ReadAllText(Path.Combine(bag, "data", "metadata", "items.json"))).RootElement.EnumerateArray()
            .ToDictionary(i => i.GetProperty("originalName").GetString()!);
        var ferry = items["photo-ferry-crossing.png"];
        var exiftool = await Run.ProcessAsync("exiftool", "-json", "-n", "-GPSLatitude", "-GPSLongitude", "-DateTimeOriginal", "-OffsetTimeOriginal",
            Path.Combine(bag, ferry.GetProperty("file").GetString()!));
        Assert.True(exiftool.Exit == 0, exiftool.Err);
        var read = JsonDocument.Parse(exiftool.Out).RootElement[0];
        Assert.Equal((read.GetProperty("GPSLatitude").GetDouble(), read.GetProperty("GPSLongitude").GetDouble()),
            (ferry.GetProperty("fileLatitude").GetDouble(), ferry.GetProperty("fileLongitude").GetDouble()));
        var exifTime = DateTime.ParseExact(read.GetProperty("DateTimeOriginal").GetString()!, "yyyy:MM:dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(exifTime.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + read.GetProperty("OffsetTimeOriginal").GetString(),
            ferry.GetProperty("fileCapturedAt").GetString());
        Assert.Equal(("valid", "copy"), (items["c2pa-signed-photo.jpg"].GetProperty("c2pa").GetString(), items["c2pa-signed-photo.jpg"].GetProperty("generation").GetString()));
        var translation = items["testimony-witness-W-030-en.txt"];
        Assert.Equal(("derived", "en"), (translation.GetProperty("generation").GetString(), translation.GetProperty("language").GetString()));
        Assert.Equal(items["testimony-witness-W-030-uk.txt"].GetProperty("evidenceId").GetString(), translation.GetProperty("derivedFrom").GetString());
        Assert.Equal(items["testimony-witness-W-030-uk.txt"].GetProperty("ern").GetString() + "-T01", translation.GetProperty("ern").GetString());

        var again = await RunAsync("demo");
        Assert.Equal(2, again.Exit);
        Assert.Contains("needs a fresh home", again.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_IngestJson_StdoutIsPureJsonAndExitCodesHold()
    {
        var file = home.File("w.txt", "testimony"u8.ToArray());
        var cli = Path.Combine(AppContext.BaseDirectory, "Evidence.Cli.dll");

        var ok = await Run.ProcessAsync("dotnet", cli, "--home", EvidenceHome, "ingest", file, "--collector", "A", "--json");
        var bad = await Run.ProcessAsync("dotnet", cli, "--home", EvidenceHome, "ingest", file + ".missing", "--collector", "A", "--json");

        Assert.Equal(0, ok.Exit);
        Assert.Equal((await Sha256sumAsync(file))[0], JsonDocument.Parse(ok.Out).RootElement[0].GetProperty("sha256").GetString());
        Assert.Equal(2, bad.Exit);
        Assert.Contains("does not exist", bad.Err, StringComparison.Ordinal);
    }

    private static async Task<List<string>> Sha256sumAsync(params string[] files)
    {
        var (exit, stdout, _) = await Run.ProcessAsync("sha256sum", files);
        Assert.Equal(0, exit);
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..64]).ToList();
    }


    public void Dispose() => home.Dispose();
}
