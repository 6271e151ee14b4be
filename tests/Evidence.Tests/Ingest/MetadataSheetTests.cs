using System.Text;
using System.Text.Json;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Ingest;

/// <summary>
/// `ingest FOLDER --metadata sheet.csv` (issue 17, item 2): each row's fields reach the item (show --json); a row naming a
/// file outside the folder or not in it, or with a bad value, refuses that file with its line number and records nothing
/// for it; an unknown column refuses the whole sheet.
/// </summary>
public sealed class MetadataSheetTests : IDisposable
{
    private readonly TestHome home = new();
    private string Home => Path.Combine(home.Path, "home");
    private string Folder => Path.Combine(home.Path, "in");

    public void Dispose() => home.Dispose();

    private string Sheet(string text)
    {
        var path = Path.Combine(home.Path, "sheet.csv");
        // As a spreadsheet program saves it: a byte order mark and CRLF line ends.
        File.WriteAllText(path, text.ReplaceLineEndings("\r\n"), new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        return path;
    }

    private void Files(params string[] names)
    {
        foreach (var name in names)
        {
            var path = Path.Combine(Folder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "content of " + name);
        }
    }

    private async Task<JsonElement> ShowAsync(string id)
    {
        var (exit, stdout, stderr) = await Run.CliAsync(Home, "show", id, "--json");
        Assert.True(exit == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement;
    }

    [Fact]
    public async Task EveryRow_ReachesItsItem_BadRowsRefusedByLine_NothingRecordedForThem()
    {
        Files("a.jpg.txt", "sub/b.txt", "c.txt", "d.txt", "фото.txt");
        var sheet = Sheet("""
            file,collector,capturedAt,place,coordinates,language,copyOf,sourceUrl,retrievedAt,device,consent,consentScope,willingToTestify,confidentiality
            a.jpg.txt,Olena K.,2022-10-14,"Kherson, home No. 1","46.6354,32.6169",uk ru,"Phone of W-017",https://t.me/x/1,2022-10-15,Samsung,given,"court only",yes,strictly-confidential
            sub/b.txt,Taras,,Mariupol,,ru,,,,,not-required,,no,public
            c.txt,Anna,,,,"xx-!!",,,,,,,,
            ../outside.txt,Anna,,,,,,,,,,,,
            missing.txt,Anna,,,,,,,,,,,,
            фото.txt,Оксана,,Херсон,,uk,,,,,,,,
            фото.txt,Оксана,,Київ,,uk,,,,,,,,
            """);

        var (exit, stdout, stderr) = await Run.CliAsync(Home, "ingest", Folder, "--metadata", sheet, "--collector", "Default", "--json");

        Assert.Equal(2, exit);
        var ingested = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToDictionary(i => i.GetProperty("originalName").GetString()!, i => i.GetProperty("id").GetString()!);
        Assert.Equal(["a.jpg.txt", "b.txt", "d.txt"], ingested.Keys.Order());
        Assert.Contains("line 4: language 'xx-!!' is not a BCP 47 tag", stderr, StringComparison.Ordinal);
        Assert.Contains("line 5: ../outside.txt is not inside the folder", stderr, StringComparison.Ordinal);
        Assert.Contains("line 6: missing.txt is not in the folder", stderr, StringComparison.Ordinal);
        Assert.Contains("line 8: фото.txt has another row above", stderr, StringComparison.Ordinal);
        var a = await ShowAsync(ingested["a.jpg.txt"]);
        Assert.Equal(("Olena K.", "2022-10-14", "Kherson, home No. 1", 46.6354, "copy", "Phone of W-017"),
            (a.GetProperty("collector").GetString(), a.GetProperty("capturedAt").GetString(), a.GetProperty("place").GetString(),
             a.GetProperty("latitude").GetDouble(), a.GetProperty("generation").GetString(), a.GetProperty("originalHeldAt").GetString()));
        Assert.Equal(("https://t.me/x/1", "2022-10-15", "Samsung", "given", "court only", true, "strictly-confidential"),
            (a.GetProperty("sourceUrl").GetString(), a.GetProperty("retrievedAt").GetString(), a.GetProperty("device").GetString(), a.GetProperty("consent").GetString(),
             a.GetProperty("consentScope").GetString(), a.GetProperty("willingToTestify").GetBoolean(), a.GetProperty("confidentiality").GetString()));
        Assert.Equal(["uk", "ru"], a.GetProperty("languages").EnumerateArray().Select(l => l.GetString()));
        var b = await ShowAsync(ingested["b.txt"]);
        Assert.Equal(("Taras", "Mariupol", "public", false), (b.GetProperty("collector").GetString(), b.GetProperty("place").GetString(),
            b.GetProperty("confidentiality").GetString(), b.GetProperty("willingToTestify").GetBoolean()));
        // A file the sheet does not name gets the command line's values.
        Assert.Equal(("Default", "confidential"), ((await ShowAsync(ingested["d.txt"])).GetProperty("collector").GetString(), (await ShowAsync(ingested["d.txt"])).GetProperty("confidentiality").GetString()));
        Assert.Equal(0, (await Run.CliAsync(Home, "verify")).Exit);
    }

    [Theory]
    [InlineData("file,colour\na.txt,red\n", "colour")]
    [InlineData("file,place,Place\na.txt,x,y\n", "once each")]
    [InlineData("place\nKherson\n", "'file' column")]
    public async Task BadHeader_RefusesTheWholeSheet_NothingIngested(string text, string said)
    {
        Files("a.txt");

        var (exit, _, stderr) = await Run.CliAsync(Home, "ingest", Folder, "--metadata", Sheet(text), "--collector", "Olena K.");

        Assert.Equal(2, exit);
        Assert.Contains(said, stderr, StringComparison.Ordinal);
        Assert.Contains("Nothing was ingested", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Home, "evidence.db")) && (await Run.CliAsync(Home, "search", "--json")).Out.Contains("a.txt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HeaderOnly_IngestsWithTheCommandLinesValues_AndASheetNeedsOneFolder()
    {
        Files("a.txt");

        var (exit, _, stderr) = await Run.CliAsync(Home, "ingest", Folder, "--metadata", Sheet("file,place\n"), "--collector", "Olena K.", "--place", "Kherson");
        var twoFolders = await Run.CliAsync(Home, "ingest", Folder, Folder, "--metadata", Sheet("file\n"), "--collector", "Olena K.");
        var noCollector = await Run.CliAsync(Home, "ingest", Folder, "--metadata", Sheet("file,place\na.txt,Kyiv\n"));

        Assert.True(exit == 0, stderr);
        Assert.Equal(2, twoFolders.Exit);
        Assert.Contains("exactly one folder", twoFolders.Err, StringComparison.Ordinal);
        Assert.Equal(2, noCollector.Exit);
        Assert.Contains("collector", noCollector.Err, StringComparison.Ordinal);
    }

    // A sheet row names its file as a person types it ("./a.txt", "sub//b.txt"), and the folder may be given with a
    // trailing slash or through a symbolic link: the row must still reach its file, and a refused row must still keep its
    // file out; otherwise a file the sheet marks strictly confidential is ingested as plain confidential.

    private async Task<Dictionary<string, string>> IngestAsync(string folder, string sheet)
    {
        var (_, stdout, stderr) = await Run.CliAsync(Home, "ingest", folder, "--metadata", sheet, "--collector", "Default", "--json");
        Assert.True(stdout.Length > 0, stderr);
        var ingested = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToDictionary(i => i.GetProperty("originalName").GetString()!, i => i.GetProperty("id").GetString()!);
        var result = new Dictionary<string, string>();
        foreach (var (name, id) in ingested)
        {
            var (exit, shown, error) = await Run.CliAsync(Home, "show", id, "--json");
            Assert.True(exit == 0, error);
            result[name] = JsonDocument.Parse(shown).RootElement.GetProperty("confidentiality").GetString()!;
        }
        return result;
    }

    [Fact]
    public async Task RowsWithDotSegments_ReachTheirFile_AndARefusedOneKeepsItsFileOut()
    {
        Files("a.txt", "sub/b.txt", "c.txt");
        var sheet = Sheet("""
            file,confidentiality
            ./a.txt,strictly-confidential
            sub//b.txt,strictly-confidential
            ./c.txt,top-secret
            """);

        var items = await IngestAsync(Folder, sheet);

        Assert.Equal("strictly-confidential", items["a.txt"]);
        Assert.Equal("strictly-confidential", items["b.txt"]);
        Assert.False(items.ContainsKey("c.txt"), "c.txt's row was refused, yet it was ingested with the command line's values");
    }

    [Fact]
    public async Task FolderWithTrailingSlash_OrThroughASymlink_StillUsesTheSheet()
    {
        Files("a.txt");
        var sheet = Sheet("""
            file,confidentiality
            a.txt,strictly-confidential
            """);
        var link = Path.Combine(home.Path, "link");
        File.CreateSymbolicLink(link, Folder);

        Assert.Equal("strictly-confidential", (await IngestAsync(link, sheet))["a.txt"]);
        Files("b.txt");
        sheet = Sheet("""
            file,confidentiality
            b.txt,strictly-confidential
            """);
        Assert.Equal("strictly-confidential", (await IngestAsync(Folder + "/", sheet))["b.txt"]);
    }

    /// <summary>
    /// A row naming a symbolic link that leads out of the folder: the walk never follows it, and the sheet's author hears
    /// that their row was not used, with its line, instead of silence.
    /// </summary>
    [Fact]
    public async Task RowNamingALinkOutOfTheFolder_IsReportedWithItsLine_AndNothingIsRecordedForIt()
    {
        Files("a.txt");
        var secret = Path.Combine(home.Path, "secret.txt");
        File.WriteAllText(secret, "not for the folder");
        File.CreateSymbolicLink(Path.Combine(Folder, "out.txt"), secret);
        var sheet = Sheet("""
            file,place
            a.txt,Kherson
            out.txt,Kyiv
            """);

        var (exit, stdout, stderr) = await Run.CliAsync(Home, "ingest", Folder, "--metadata", sheet, "--collector", "Olena K.", "--json");

        Assert.Equal(2, exit);
        Assert.Equal(["a.txt"], JsonDocument.Parse(stdout).RootElement.EnumerateArray().Select(i => i.GetProperty("originalName").GetString()));
        Assert.Contains("line 3: out.txt was not ingested (the folder's walk skipped it", stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 17's "done when": a folder ingested with a sheet shows every field in `show --json` (above), and in the
    /// package: in items.csv and in the Concordance load file, read back here as a review platform reads them.
    /// </summary>
    [Fact]
    public async Task SheetFields_ReachThePackagesItemsCsv_AndItsLoadFile()
    {
        Files("w017.txt");
        var sheet = Sheet("""
            file,collector,capturedAt,place,coordinates,language,copyOf,sourceUrl,retrievedAt,device,consent,consentScope,willingToTestify,confidentiality
            w017.txt,Olena K.,2022-10-14,"Kherson, home No. 1","46.6354,32.6169",uk ru,Phone of W-017,https://t.me/x/1,2022-10-15,Samsung SM-A515F,given,court only,yes,public
            """);
        var id = JsonDocument.Parse((await Run.CliAsync(Home, "ingest", Folder, "--metadata", sheet, "--json")).Out).RootElement[0].GetProperty("id").GetString()!;
        var incident = JsonDocument.Parse((await Run.CliAsync(Home, "incident", "add", "--title", "Transfer", "--kind", "deportation", "--from", "2022-10",
            "--place", "Kherson", "--article", "8(2)(a)(vii)-1", "--json")).Out).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(0, (await Run.CliAsync(Home, "tag", id, "--incident", incident)).Exit);
        var zip = Path.Combine(home.Path, "package.zip");
        var packaged = await Run.CliAsync(Home, "package", "--incident", incident, "--recipient", "icc", "--out", zip);
        Assert.True(packaged.Exit == 0, packaged.Err);

        using var archive = System.IO.Compression.ZipFile.OpenRead(zip);
        string Entry(string suffix) => new StreamReader(archive.Entries.Single(e => e.FullName.EndsWith(suffix, StringComparison.Ordinal)).Open()).ReadToEnd();
        string[] expected = ["Kherson, home No. 1", "46.6354", "32.6169", "uk ru", "copy", "Phone of W-017", "https://t.me/x/1", "2022-10-15", "Samsung SM-A515F",
            "given", "court only", "yes", "public", "Olena K.", "2022-10-14"];
        var csv = Entry("data/metadata/items.csv");
        Assert.All(expected, value => Assert.Contains(value, csv, StringComparison.Ordinal));
        // The load file: þ around each field, DC4 between them, a header row naming them.
        var rows = Entry("data/metadata/loadfile.dat").TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(r => r.Split('\u0014').Select(f => f.Trim('\u00FE')).ToArray()).ToList();
        var row = rows[0].Zip(rows[1]).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(("Kherson, home No. 1", "46.6354", "32.6169", "uk ru", "copy", "Phone of W-017"),
            (row["PLACE"], row["LATITUDE"], row["LONGITUDE"], row["LANGUAGE"], row["GENERATION"], row["ORIGINALHELDAT"]));
        Assert.Equal(("https://t.me/x/1", "2022-10-15", "Samsung SM-A515F", "given", "court only", "yes", "public"),
            (row["SOURCEURL"], row["RETRIEVEDAT"], row["DEVICE"], row["CONSENT"], row["CONSENTSCOPE"], row["WILLINGTOTESTIFY"], row["CONFIDENTIALITY"]));
        Assert.Equal(("Olena K.", "2022-10-14", id), (row["COLLECTOR"], row["CAPTUREDAT"], row["EVIDENCEID"]));
    }
}
