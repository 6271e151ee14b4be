using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Web;

namespace Evidence.Tests.Postgres;

/// <summary>
/// `evidence serve` on PostgreSQL + Azurite while what it depends on fails: the blob store stopped in the middle of an
/// upload, PostgreSQL crashed and restarted while clients upload. Requests fail with a clear 503, nothing is
/// half-recorded, and the server recovers by itself once the dependency is back.
/// </summary>
public sealed class FaultTests
{
    [PostgresFact]
    public async Task AzuriteStoppedMidUpload_503SayingSo_NothingRecorded_AndARetryAfterItsBackSucceeds()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var azurite = await AzuriteServer.StartNewAsync();
        using var home = new TestHome();
        var environment = ServeProcess.EnvironmentFor(database.Url, azurite);
        var token = await ServeProcess.AddUserAsync(home.Path, environment, "olena", "investigator");
        await using var server = await ServeProcess.StartAsync(home.Path, environment);
        using var http = server.Client(token);
        await WebScenario.UploadAsync(http, "before.txt", "Recorded before the outage"u8.ToArray());
        // Azurite writes its metadata every few seconds: let it keep what was recorded before it is killed.
        await Task.Delay(TimeSpan.FromSeconds(6));
        var eventsBefore = await database.ScalarAsync<long>("SELECT count(*) FROM custody_events");

        var video = RandomNumberGenerator.GetBytes(20 << 20);
        var paused = new TaskCompletionSource();
        var resume = new TaskCompletionSource();
        var upload = http.PostAsync("/api/evidence", WebScenario.Multipart("video.mp4", new PausingContent(video, 10 << 20, paused, resume.Task), contentType: "video/mp4"));
        await paused.Task;
        await Task.Delay(TimeSpan.FromSeconds(1)); // the first 8 MiB block is staged in Azurite by now
        azurite.Stop();
        resume.SetResult();
        using var failed = await upload;
        var problem = await failed.Content.ReadAsStringAsync();
        var itemsDuringOutage = await database.ScalarAsync<long>("SELECT count(*) FROM evidence_items");
        var eventsDuringOutage = await database.ScalarAsync<long>("SELECT count(*) FROM custody_events");

        await azurite.StartAsync();
        using var retried = await http.PostAsync("/api/evidence", WebScenario.Multipart("video.mp4", video));
        var verify = await ServeProcess.CliAsync(home.Path, environment, "--role", "auditor", "verify", "--json");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Contains("blob store", problem, StringComparison.Ordinal);
        Assert.Contains("nothing was recorded", problem, StringComparison.Ordinal);
        Assert.Equal(1, itemsDuringOutage);
        Assert.Equal(eventsBefore, eventsDuringOutage);
        Assert.True(retried.IsSuccessStatusCode, await retried.Content.ReadAsStringAsync());
        Assert.Equal(2, await database.ScalarAsync<long>("SELECT count(*) FROM evidence_items"));
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
    }

    [PostgresFact]
    public async Task PostgresCrashedAndRestartedUnderLoad_RequestsFailWith503_ThenRecover_NothingLostOrHalfRecorded()
    {
        await using var cluster = await PostgresCluster.StartNewAsync();
        await using var azurite = await AzuriteServer.StartNewAsync();
        using var home = new TestHome();
        var environment = ServeProcess.EnvironmentFor(cluster.Url, azurite);
        var token = await ServeProcess.AddUserAsync(home.Path, environment, "olena", "investigator");
        await using var server = await ServeProcess.StartAsync(home.Path, environment);
        var answered = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        var afterRestart = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        var restarted = false;

        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 4).Select(client => Task.Run(async () =>
        {
            using var http = server.Client(token);
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var started = Volatile.Read(ref restarted);
                using var response = await http.PostAsync("/api/evidence", WebScenario.Multipart($"photo-{client}-{n}.jpg", RandomNumberGenerator.GetBytes(64 << 10)));
                statuses.Add(response.StatusCode);
                if (response.IsSuccessStatusCode)
                {
                    var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement[0].GetProperty("id").GetGuid();
                    answered.Add(id);
                    if (started)
                    {
                        afterRestart.Add(id);
                    }
                }
                else
                {
                    await Task.Delay(100);
                }
            }
        })).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await cluster.CrashAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await cluster.StartAsync();
        Volatile.Write(ref restarted, true);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (afterRestart.Count < 8 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        stop.Cancel();
        await Task.WhenAll(clients);

        var verify = await ServeProcess.CliAsync(home.Path, environment, "--role", "auditor", "verify", "--json");
        var items = await cluster.ScalarAsync<long>("SELECT count(*) FROM evidence_items");
        var ingested = await cluster.ScalarAsync<long>("SELECT count(*) FROM custody_events WHERE \"Action\" = 'Ingested'");
        var missing = await cluster.ScalarAsync<long>($"SELECT count(*) FROM unnest(ARRAY['{string.Join("','", answered)}']::uuid[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM evidence_items e WHERE e.\"Id\" = a.id)");

        Assert.Contains(HttpStatusCode.ServiceUnavailable, statuses);
        Assert.All(statuses, status => Assert.True(status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{status}"));
        Assert.True(afterRestart.Count >= 8, $"only {afterRestart.Count} uploads succeeded after PostgreSQL came back");
        Assert.Equal(items, ingested);
        Assert.Equal(0, missing);
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
    }

    /// <summary>Sends the first <paramref name="pauseAt"/> bytes, says so, and sends the rest when told.</summary>
    private sealed class PausingContent(byte[] bytes, int pauseAt, TaskCompletionSource paused, Task resume) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(bytes.AsMemory(0, pauseAt));
            await stream.FlushAsync();
            paused.SetResult();
            await resume;
            await stream.WriteAsync(bytes.AsMemory(pauseAt));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}
