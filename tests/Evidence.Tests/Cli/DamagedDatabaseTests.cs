using Evidence.Requests;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Cli;

/// <summary>
/// A truncated evidence.db (a disk that filled, a copy cut short): every command and the web app refuse it with one
/// clear sentence and exit 2, never an unhandled SqliteException and its stack trace (exit 134).
/// </summary>
public sealed class DamagedDatabaseTests : IDisposable
{
    private readonly TestHome home = new();

    private string Home => Path.Combine(home.Path, "home");

    public void Dispose() => home.Dispose();

    [SqliteFact]
    public async Task Commands_TruncatedDatabase_Exit2SayingItIsDamaged()
    {
        await TruncatedHomeAsync();

        var verify = await Run.CliAsync(Home, "verify");
        var ingest = await Run.CliAsync(Home, "ingest", home.File("b.txt", "second"u8.ToArray()), "--collector", "A");

        foreach (var (exit, _, stderr) in new[] { verify, ingest })
        {
            Assert.Equal(2, exit);
            Assert.Contains("evidence.db is damaged", stderr, StringComparison.Ordinal);
            Assert.Contains("restore it from the last backup", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        }
    }

    [SqliteFact]
    public async Task WebApp_TruncatedDatabase_DoesNotStartAndSaysWhy()
    {
        await TruncatedHomeAsync();

        var refused = await Assert.ThrowsAsync<UnavailableException>(() => global::Evidence.Web.WebApp.BuildAsync(new EvidenceSettings { Home = Home }, "http://127.0.0.1:0"));

        Assert.Contains("evidence.db is damaged", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A home with one item whose database file then lost its second half.</summary>
    private async Task TruncatedHomeAsync()
    {
        var ingested = await Run.CliAsync(Home, "ingest", home.File("a.txt", "first"u8.ToArray()), "--collector", "A");
        Assert.True(ingested.Exit == 0, ingested.Err);
        var database = Path.Combine(Home, "evidence.db");
        Assert.False(File.Exists(database + "-wal"));
        using var file = new FileStream(database, FileMode.Open, FileAccess.Write);
        file.SetLength(file.Length / 2);
    }
}
