using System.Net;
using System.Net.Http.Json;
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
        var environment = ServeProcess.EnvironmentFor(database.Url, azurite);
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

    [PostgresFact]
    public async Task ServeKilledMidPackage_RestartsWithEveryPackageRecordedAndOnDisk_NoStrayFile_AndVerifyClean()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var azurite = await AzuriteServer.StartNewAsync();
        using var home = new TestHome();
        var environment = ServeProcess.EnvironmentFor(database.Url, azurite);
        var investigatorToken = await ServeProcess.AddUserAsync(home.Path, environment, "olena", "investigator");
        var prosecutorToken = await ServeProcess.AddUserAsync(home.Path, environment, "icc-prosecutor", "prosecutor", "icc");
        var answered = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        Guid incident;

        await using (var server = await ServeProcess.StartAsync(home.Path, environment))
        {
            // Enough bytes that a build takes a while: most kills land while a package is being written.
            using var investigator = server.Client(investigatorToken);
            incident = await WebScenario.IdOf(await investigator.PostAsJsonAsync("/api/incidents", new
            {
                title = "Transfer from the Kherson children's home", kind = "Deportation", periodFrom = "2022-10", place = "Kherson", articles = new[] { "8(2)(a)(vii)-1" },
            }));
            for (var n = 0; n < 8; n++)
            {
                var item = (await WebScenario.UploadAsync(investigator, $"video-{n}.bin", System.Security.Cryptography.RandomNumberGenerator.GetBytes(2 << 20)))[0].GetProperty("id").GetGuid();
                (await investigator.PostAsJsonAsync($"/api/evidence/{item}/tags", new { incidentId = incident })).EnsureSuccessStatusCode();
            }
            (await investigator.PostAsJsonAsync($"/api/incidents/{incident}/referrals", new { office = "Icc" })).EnsureSuccessStatusCode();

            using var stop = new CancellationTokenSource();
            var clients = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
            {
                using var prosecutor = server.Client(prosecutorToken);
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        using var response = await prosecutor.PostAsJsonAsync("/api/packages", new { incidentId = incident, recipient = "Icc" });
                        if (response.IsSuccessStatusCode)
                        {
                            answered.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid());
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // the server is gone
                    }
                }
            })).ToList();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (answered.IsEmpty && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(700));
            server.Kill();
            stop.Cancel();
            await Task.WhenAll(clients);
        }
        Assert.NotEmpty(answered);
        var packageFolder = Path.Combine(home.Path, "packages");
        var leftBehind = Directory.GetFiles(packageFolder).Length;

        await using var restarted = await ServeProcess.StartAsync(home.Path, environment);
        var rows = await database.ScalarAsync<long>("SELECT count(*) FROM referral_packages");
        var built = await database.ScalarAsync<long>("SELECT count(*) FROM custody_events WHERE \"Action\" = 'PackageBuilt'");
        var files = Directory.GetFiles(packageFolder).Select(path => Path.GetFileName(path)).Order().ToList();
        var recordedFiles = (await database.ScalarAsync<string>("SELECT coalesce(string_agg(\"FileName\", '/' ORDER BY \"FileName\" COLLATE \"C\"), '') FROM referral_packages"))
            .Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        using var prosecutorAfter = restarted.Client(prosecutorToken);
        var downloads = new List<HttpStatusCode>();
        foreach (var id in answered)
        {
            using var download = await prosecutorAfter.GetAsync($"/api/packages/{id}/download");
            downloads.Add(download.StatusCode);
        }
        var verify = await ServeProcess.CliAsync(home.Path, environment, "--role", "auditor", "verify", "--json");
        using var after = await prosecutorAfter.PostAsJsonAsync("/api/packages", new { incidentId = incident, recipient = "Icc" });

        Assert.Equal(rows, built);
        Assert.True(rows >= answered.Count);
        Assert.Equal(recordedFiles, files); // every record has its file, and no file is without a record
        Assert.True(leftBehind >= files.Count, "the restart removed recorded package files");
        Assert.All(downloads, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        Assert.True(after.IsSuccessStatusCode, await after.Content.ReadAsStringAsync());
    }
}
