using System.Text;
using System.Text.Json;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Referrals;

namespace Evidence.Tests.Cli;

/// <summary>`package --language`: the cover report in Ukrainian from the command line, and a language it is not written in refused.</summary>
public sealed class PackageLanguageCliTests : IDisposable
{
    private readonly TestHome home = new();
    private string Home => Path.Combine(home.Path, "home");

    public void Dispose() => home.Dispose();

    private async Task<JsonElement> JsonAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await Run.CliAsync(Home, [.. args, "--json"]);
        Assert.True(exit == 0, $"{string.Join(" ", args)}: exit {exit}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement;
    }

    [Fact]
    public async Task Package_LanguageUk_UkrainianCoverReportThatVerifies_AndAnUnknownLanguageExitsTwo()
    {
        var incident = (await JsonAsync("incident", "add", "--title", "Transfer", "--kind", "deportation", "--from", "2022-10", "--place", "Kherson",
            "--article", "8(2)(a)(vii)-1")).GetProperty("id").GetString()!;
        var evidence = (await JsonAsync("ingest", home.File("order.txt", "Order on the evacuation of pupils"u8.ToArray()), "--collector", "A"))[0].GetProperty("id").GetString()!;
        await JsonAsync("tag", evidence, "--incident", incident, "--element", "8(2)(a)(vii)-1:1");
        var ukrainian = Path.Combine(home.Path, "uk.zip");
        var refused = Path.Combine(home.Path, "fr.zip");

        await JsonAsync("package", "--incident", incident, "--recipient", "national", "--out", ukrainian, "--language", "uk", "--role", "prosecutor");
        var french = await Run.CliAsync(Home, "package", "--incident", incident, "--recipient", "national", "--out", refused, "--language", "fr", "--role", "prosecutor");
        var key = (await Run.CliAsync(Home, "log", "key")).Out.Trim();
        var verified = await Run.CliAsync(Home, "verify-package", ukrainian, "--key", key);

        var cover = Encoding.UTF8.GetString(PackageZip.Read(ukrainian).Single(e => e.Key.EndsWith("/data/README.html", StringComparison.Ordinal)).Value);
        Assert.Contains("<html lang=\"uk\">", cover, StringComparison.Ordinal);
        Assert.Contains("<h2>Як перевірити цей пакет</h2>", cover, StringComparison.Ordinal);
        Assert.Equal(0, verified.Exit);
        Assert.StartsWith("OK", verified.Out.Trim().Split('\n')[^1], StringComparison.Ordinal);
        Assert.Equal(2, french.Exit);
        Assert.Contains("the cover report's language must be en (English) or uk (Ukrainian)", french.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(refused));
    }
}
