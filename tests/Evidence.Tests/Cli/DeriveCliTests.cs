using System.Text.Json;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Cli;

/// <summary>`derive` (issue 17, item 4): a translation or a redaction is an item of its own, linked to its original.</summary>
public sealed class DeriveCliTests : IDisposable
{
    private readonly TestHome home = new();
    private string Home => Path.Combine(home.Path, "home");

    public void Dispose() => home.Dispose();

    [Fact]
    public async Task Translation_IsAnItemLinkedToItsOriginal_BadKindOrUnknownOriginalRefused()
    {
        var original = JsonDocument.Parse((await Run.CliAsync(Home, "ingest", home.File("statement-uk.txt", "Свідчення W-017"u8.ToArray()),
            "--collector", "Olena K.", "--language", "uk", "--json")).Out).RootElement[0].GetProperty("id").GetString()!;

        var derived = await Run.CliAsync(Home, "derive", original, home.File("statement-en.txt", "Statement of W-017"u8.ToArray()),
            "--kind", "translation", "--language", "en", "--collector", "Translator T.", "--json");
        var badKind = await Run.CliAsync(Home, "derive", original, home.File("x.txt", "x"u8.ToArray()), "--kind", "poem", "--collector", "T.");
        var unknown = await Run.CliAsync(Home, "derive", Guid.NewGuid().ToString(), home.File("y.txt", "y"u8.ToArray()), "--kind", "ocr", "--collector", "T.");
        var shown = JsonDocument.Parse((await Run.CliAsync(Home, "show", JsonDocument.Parse(derived.Out).RootElement[0].GetProperty("id").GetString()!, "--json")).Out).RootElement;

        Assert.True(derived.Exit == 0, derived.Err);
        Assert.Equal(("derived", original, "translation", "en"), (shown.GetProperty("generation").GetString(), shown.GetProperty("derivedFrom").GetString(),
            shown.GetProperty("derivedKind").GetString(), shown.GetProperty("languages")[0].GetString()));
        // The original lists what was made from it, in its JSON and in its text.
        var originalShown = JsonDocument.Parse((await Run.CliAsync(Home, "show", original, "--json")).Out).RootElement;
        var listed = Assert.Single(originalShown.GetProperty("derived").EnumerateArray());
        Assert.Equal((shown.GetProperty("id").GetString(), "translation", "en", "statement-en.txt"), (listed.GetProperty("id").GetString(),
            listed.GetProperty("kind").GetString(), listed.GetProperty("languages")[0].GetString(), listed.GetProperty("originalName").GetString()));
        Assert.Contains($"derived {shown.GetProperty("id").GetString()}  translation en  statement-en.txt", (await Run.CliAsync(Home, "show", original)).Out, StringComparison.Ordinal);
        Assert.Equal(2, badKind.Exit);
        Assert.Contains("kind must be translation, transcript, redaction, summary or ocr", badKind.Err, StringComparison.Ordinal);
        Assert.Equal(2, unknown.Exit);
        Assert.Contains("to derive from", unknown.Err, StringComparison.Ordinal);
        Assert.Equal(0, (await Run.CliAsync(Home, "verify")).Exit);
    }
}
