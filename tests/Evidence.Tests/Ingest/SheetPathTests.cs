using System.Text;
using System.Text.Json;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Ingest;

/// <summary>
/// A sheet row names its file as a person types it: "./a.txt", "sub//b.txt", or the folder is given with a trailing
/// slash or through a symbolic link. The row must still reach its file, and a refused row must still keep its file out;
/// otherwise a file the sheet marks strictly confidential is ingested as plain confidential.
/// </summary>
public sealed class SheetPathTests : IDisposable
{
    private readonly TestHome home = new();
    private string Home => Path.Combine(home.Path, "home");
    private string Folder => Path.Combine(home.Path, "in");

    public void Dispose() => home.Dispose();

    private string Sheet(string text)
    {
        var path = Path.Combine(home.Path, "sheet.csv");
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
}
