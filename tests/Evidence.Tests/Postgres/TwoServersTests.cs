using System.Net.Http.Json;
using System.Text.Json;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Web;

namespace Evidence.Tests.Postgres;

/// <summary>
/// Issue 7's proof: two `evidence serve` processes on different ports share one PostgreSQL database and one Azurite
/// account, and clients ingest through both at once. Afterwards the ledger is one gap-free sequence, nothing is lost
/// or recorded twice, and `verify` (which checks every checkpoint against the one before) is clean.
/// </summary>
public sealed class TwoServersTests
{
    private const int ClientsPerServer = 6;
    private const int UploadsPerClient = 5;

    [PostgresFact]
    public async Task TwoServeProcesses_IngestingAtOnce_KeepOneUnforkedLedger()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var azurite = await AzuriteServer.StartNewAsync();
        using var home = new TestHome();
        var environment = ServeProcess.EnvironmentFor(database.Url, azurite);
        environment["EVIDENCE_AZURE_CONTAINER"] = "evidence";
        var token = await ServeProcess.AddUserAsync(home.Path, environment, "olena", "investigator");
        await using var first = await ServeProcess.StartAsync(home.Path, environment);
        await using var second = await ServeProcess.StartAsync(home.Path, environment);

        var uploads = Enumerable.Range(0, 2 * ClientsPerServer).Select(client => Task.Run(async () =>
        {
            using var http = (client % 2 == 0 ? first : second).Client(token);
            var ids = new List<Guid>();
            for (var n = 0; n < UploadsPerClient; n++)
            {
                var recorded = await WebScenario.UploadAsync(http, $"statement-{client}-{n}.txt", System.Text.Encoding.UTF8.GetBytes($"Statement {client}/{n}: the children were taken at night."));
                ids.Add(recorded[0].GetProperty("id").GetGuid());
            }
            return ids;
        }));
        var ids = (await Task.WhenAll(uploads)).SelectMany(i => i).ToList();

        const int total = 2 * ClientsPerServer * UploadsPerClient;
        Assert.Equal(total, ids.Distinct().Count());
        Assert.Equal(total, await database.ScalarAsync<long>("SELECT count(*) FROM evidence_items"));
        // Leaf indexes 0..n-1, each once: no gap, no fork.
        var events = await database.ScalarAsync<long>("SELECT count(*) FROM custody_events");
        Assert.Equal(events, await database.ScalarAsync<long>("SELECT count(DISTINCT \"Sequence\") FROM custody_events"));
        Assert.Equal(events - 1, await database.ScalarAsync<long>("SELECT max(\"Sequence\") - min(\"Sequence\") FROM custody_events"));
        Assert.Equal(events, await database.ScalarAsync<long>("SELECT max(\"Size\") FROM checkpoints"));
        Assert.Equal(await database.ScalarAsync<long>("SELECT count(*) FROM checkpoints"), await database.ScalarAsync<long>("SELECT count(DISTINCT \"Size\") FROM checkpoints"));
        using var olena = first.Client(token);
        Assert.Equal(total, (await olena.GetFromJsonAsync<JsonElement[]>("/api/evidence?limit=1000"))!.Length);

        var verify = await ServeProcess.CliAsync(home.Path, environment, "--role", "auditor", "verify", "--json");
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        Assert.Equal(0, JsonDocument.Parse(verify.Out).RootElement.GetProperty("findings").GetArrayLength());
    }
}
