using System.Text.Json;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Web;

namespace Evidence.Tests.Postgres;

/// <summary>
/// `evidence serve` on PostgreSQL + Azurite killed with SIGKILL while clients are uploading (so requests are caught
/// receiving, staging, promoting and committing), then started again: nothing is half-recorded, every answered
/// upload is there, leftovers are gone, `verify` is clean, and uploads work again.
/// </summary>
public sealed class CrashTests
{
    [PostgresFact]
    public async Task ServeKilledMidIngest_RestartsWithNothingHalfRecorded_AndVerifyClean()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var azurite = await AzuriteServer.StartNewAsync();
        using var home = new TestHome();
        var environment = new Dictionary<string, string>
        {
            ["EVIDENCE_DB"] = database.Url,
            ["EVIDENCE_AZURE_BLOB"] = azurite.ConnectionString,
        };
        var token = await ServeProcess.AddUserAsync(home.Path, environment, "olena", "investigator");
        var answered = new System.Collections.Concurrent.ConcurrentBag<Guid>();

        await using (var server = await ServeProcess.StartAsync(home.Path, environment))
        {
            using var stop = new CancellationTokenSource();
            var clients = Enumerable.Range(0, 6).Select(client => Task.Run(async () =>
            {
                using var http = server.Client(token);
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(256 << 10);
                    try
                    {
                        using var response = await http.PostAsync("/api/evidence", WebScenario.Multipart($"video-{client}-{n}.bin", bytes));
                        if (response.IsSuccessStatusCode)
                        {
                            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                            answered.Add(body[0].GetProperty("id").GetGuid());
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // the server is gone
                    }
                }
            })).ToList();
            await Task.Delay(TimeSpan.FromSeconds(4));
            server.Kill();
            stop.Cancel();
            await Task.WhenAll(clients);
        }
        Assert.NotEmpty(answered);

        await using var restarted = await ServeProcess.StartAsync(home.Path, environment);
        var items = await database.ScalarAsync<long>("SELECT count(*) FROM evidence_items");
        var ingested = await database.ScalarAsync<long>("SELECT count(*) FROM custody_events WHERE \"Action\" = 'Ingested'");
        var missing = await database.ScalarAsync<long>($"SELECT count(*) FROM unnest(ARRAY['{string.Join("','", answered)}']::uuid[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM evidence_items e WHERE e.\"Id\" = a.id)");
        var verify = await ServeProcess.CliAsync(home.Path, environment, "--role", "auditor", "verify", "--json");
        using var http = restarted.Client(token);
        var after = await WebScenario.UploadAsync(http, "after.txt", "After the restart"u8.ToArray());

        Assert.Equal(items, ingested);
        Assert.True(items >= answered.Count);
        Assert.Equal(0, missing);
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        Assert.NotEqual(Guid.Empty, after[0].GetProperty("id").GetGuid());
    }
}
