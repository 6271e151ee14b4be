using System.Text;
using System.Text.Json;
using Evidence.Tests.Fixtures;
using Microsoft.Data.Sqlite;

namespace Evidence.Tests.Cli;

/// <summary>
/// `evidence ingest FOLDER` sends its files a few dozen per request (IngestEvidenceFiles). What a user sees must not change
/// with that: one record per file in the folder's order, each file recorded whole or not at all, and one file's failure
/// never taking its neighbours down, also when it is the database that refuses it.
/// </summary>
public sealed class BulkIngestCliTests : IDisposable
{
    private readonly TestHome home = new();

    private string EvidenceHome => Path.Combine(home.Path, "home");

    public void Dispose() => home.Dispose();

    [Fact]
    public async Task AFolderOfManyFiles_OneRecordEach_InTheFoldersOrder_DuplicatesNameTheFirstInTheFolder()
    {
        // 100 files make several requests; file 90 has the bytes of file 3, in another request.
        for (var i = 0; i < 100; i++)
        {
            home.File($"upload/f{i:D3}.txt", Encoding.UTF8.GetBytes($"statement {(i == 90 ? 3 : i)}"));
        }

        var (exit, stdout, stderr) = await Run.CliAsync(EvidenceHome, "ingest", Path.Combine(home.Path, "upload"), "--collector", "Olena K.", "--json");

        Assert.True(exit == 0, stderr);
        var records = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"f{i:D3}.txt"), records.Select(r => r.GetProperty("originalName").GetString()));
        Assert.Equal(records[3].GetProperty("id").GetString(), records[90].GetProperty("duplicateOf").GetString());
        Assert.Equal(99, records.Count(r => r.GetProperty("duplicateOf").ValueKind == JsonValueKind.Null));
        // Recorded in the folder's order too: the custody log numbers them as the folder lists them.
        var (_, events, _) = await Run.CliAsync(EvidenceHome, "log", "events");
        var ingested = events.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.GetProperty("action").GetString() == "Ingested").Select(e => e.GetProperty("evidence").GetString()).ToList();
        Assert.Equal(records.Select(r => r.GetProperty("id").GetString()), ingested);
        Assert.Equal(0, (await Run.CliAsync(EvidenceHome, "verify")).Exit);
    }

    [SqliteFact]
    public async Task TheDatabaseRefusingOneFile_ItAloneIsRefused_ItsNeighboursInTheSameRequestAreRecorded()
    {
        await FortyFilesAndADatabaseThatRefusesAsync("= 'f010.txt'");

        var (exit, stdout, stderr) = await Run.CliAsync(EvidenceHome, "ingest", Path.Combine(home.Path, "upload"), "--collector", "A", "--json");

        Assert.Equal(2, exit);
        var names = JsonDocument.Parse(stdout).RootElement.EnumerateArray().Select(r => r.GetProperty("originalName").GetString()).ToList();
        Assert.Equal(Enumerable.Range(0, 40).Where(i => i != 10).Select(i => $"f{i:D3}.txt"), names);
        Assert.Contains("the database refuses this one", stderr, StringComparison.Ordinal);
        Assert.Contains("39 ingested, 1 refused", stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await Run.CliAsync(EvidenceHome, "verify")).Exit);
    }

    [SqliteFact]
    public async Task TheDatabaseRefusingTwoFiles_AlikeWithoutASheet_EachIsNamed_AndCounted()
    {
        // The same refusal for two files (no field problem, which would be the same for every file and is said once): the
        // investigator must learn which files were not recorded, and how many.
        await FortyFilesAndADatabaseThatRefusesAsync("IN ('f010.txt', 'f020.txt')");

        var (exit, _, stderr) = await Run.CliAsync(EvidenceHome, "ingest", Path.Combine(home.Path, "upload"), "--collector", "A", "--json");

        Assert.Equal(2, exit);
        Assert.Contains("f010.txt", stderr, StringComparison.Ordinal);
        Assert.Contains("f020.txt", stderr, StringComparison.Ordinal);
        Assert.Contains("38 ingested, 2 refused", stderr, StringComparison.Ordinal);
    }

    /// <summary>A home whose database refuses the items named by <paramref name="names"/> (an SQL condition), and 40 files to ingest.</summary>
    private async Task FortyFilesAndADatabaseThatRefusesAsync(string names)
    {
        Assert.Equal(0, (await Run.CliAsync(EvidenceHome, "case", "add", "--title", "Kherson")).Exit);
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(EvidenceHome, "evidence.db")};Pooling=False"))
        {
            await db.OpenAsync();
            await using var poison = db.CreateCommand();
            poison.CommandText = $"""
                CREATE TRIGGER poison BEFORE INSERT ON evidence_items WHEN NEW."OriginalName" {names}
                BEGIN SELECT RAISE(ABORT, 'the database refuses this one'); END;
                """;
            await poison.ExecuteNonQueryAsync();
        }
        for (var i = 0; i < 40; i++)
        {
            home.File($"upload/f{i:D3}.txt", Encoding.UTF8.GetBytes($"photo {i}"));
        }
    }
}
