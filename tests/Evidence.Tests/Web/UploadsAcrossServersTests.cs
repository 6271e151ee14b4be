using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Web;

/// <summary>
/// Issue 19, item 5: resumable uploads without sticky routing. Two `evidence serve` processes over one home (one
/// database) and one blob store, Azurite or a shared blob folder (the NFS case), receive alternate chunks of one upload,
/// as a round-robin load balancer would send them. Whatever arrives at either server, in any order, twice, cut short, too
/// long, past the end, at the wrong offset or from another user, the upload ends as one item with the sender's hash,
/// and a refused chunk never costs a chunk already held.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class UploadsAcrossServersTests(AzuriteFixture azurite)
{
    private const int ChunkSize = 4 << 20;

    [Fact]
    public async Task TwoServers_OnAzurite_AlternateChunksOfOneUpload_RecordOneItemWithTheSendersHash() =>
        await AlternateChunksAsync(new Dictionary<string, string>
        {
            ["EVIDENCE_AZURE_BLOB"] = azurite.Server.ConnectionString,
            ["EVIDENCE_AZURE_CONTAINER"] = "c" + Guid.NewGuid().ToString("N"),
        });

    /// <summary>The folder store shared by both servers, as an NFS mount would be.</summary>
    [Fact]
    public async Task TwoServers_OnASharedBlobFolder_AlternateChunksOfOneUpload_RecordOneItemWithTheSendersHash() =>
        await AlternateChunksAsync([]);

    /// <summary>
    /// The deployment of docs/deploy.md: PostgreSQL and Azure Storage, and each server with a home of its own (only the
    /// keys copied), so nothing but the database and the blob store is shared.
    /// </summary>
    [PostgresFact]
    public async Task TwoServers_OnPostgresAndAzuriteWithHomesOfTheirOwn_AlternateChunksOfOneUpload_RecordOneItemWithTheSendersHash()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var environment = ServeProcess.EnvironmentFor(database.Url, azurite.Server);
        environment["EVIDENCE_AZURE_CONTAINER"] = "c" + Guid.NewGuid().ToString("N");
        await AlternateChunksAsync(environment, homesOfTheirOwn: true);
    }

    private async Task AlternateChunksAsync(Dictionary<string, string> environment, bool homesOfTheirOwn = false)
    {
        using var home = new TestHome();
        using var otherHome = new TestHome();
        var olenaToken = await ServeProcess.AddUserAsync(home.Path, environment, "olena", "investigator");
        var malloryToken = await ServeProcess.AddUserAsync(home.Path, environment, "mallory", "investigator");
        if (homesOfTheirOwn)
        {
            // As deploy.md says: the keys folder copied with its modes, the rest of each home the server's own.
            Assert.Equal(0, (await ServeProcess.CliAsync(home.Path, environment, "log", "key")).Exit);
            CopyFolder(Path.Combine(home.Path, "keys"), Path.Combine(otherHome.Path, "keys"));
        }
        await using var first = await ServeProcess.StartAsync(home.Path, environment);
        await using var second = await ServeProcess.StartAsync(homesOfTheirOwn ? otherHome.Path : home.Path, environment);
        using var a = first.Client(olenaToken);
        using var b = second.Client(olenaToken);
        using var mallory = second.Client(malloryToken);
        var bytes = RandomNumberGenerator.GetBytes(3 * ChunkSize + 1234);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        ByteArrayContent Chunk(int i) => new(bytes[(i * ChunkSize)..Math.Min(bytes.Length, (i + 1) * ChunkSize)]);

        var begun = await a.PostAsJsonAsync("/api/uploads", new { fileName = "відео з автобуса.mp4", size = bytes.Length, collector = "Olena", sha256 });
        Assert.True(begun.IsSuccessStatusCode, await begun.Content.ReadAsStringAsync());
        var id = (await begun.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var chunks = $"/api/uploads/{id}/chunks";

        // Out of order, through both servers.
        await OkAsync(await b.PutAsync($"{chunks}/3", Chunk(3)));
        await OkAsync(await a.PutAsync($"{chunks}/1", Chunk(1)));
        // The upload is in the blob store, not in a server's home.
        var midway = await HeldAsync(home.Path, environment);
        Assert.Contains(midway, name => name.EndsWith($"{id:N}/upload.json", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(home.Path, "uploads")));
        // Another investigator, with the right bytes, on the server that did not begin the upload: as if it did not exist.
        using var stranger = await mallory.PutAsync($"{chunks}/0", Chunk(0));
        using var strangerLooks = await mallory.GetAsync($"/api/uploads/{id}");
        using var strangerCompletes = await mallory.PostAsync($"/api/uploads/{id}/complete", null);
        // Hostile and broken chunks: each refused, none of them costs chunk 1 or 3.
        using var tooLong = await a.PutAsync($"{chunks}/0", new ByteArrayContent(RandomNumberGenerator.GetBytes(ChunkSize + 1)));
        using var pastTheEnd = await b.PutAsync($"{chunks}/4", new ByteArrayContent([1, 2, 3]));
        using var negative = await b.PutAsync($"{chunks}/-1", new ByteArrayContent([1, 2, 3]));
        using var lastTooLong = await a.PutAsync($"{chunks}/3", new ByteArrayContent(RandomNumberGenerator.GetBytes(1235)));
        using var cutShort = await b.PutAsync($"{chunks}/1", new ByteArrayContent(bytes[ChunkSize..(2 * ChunkSize - 5000)]));
        using var wrongOffset = await a.PutAsync($"{chunks}/2", WithRange(Chunk(2), $"bytes 0-{ChunkSize - 1}/{bytes.Length}"));
        using var wrongTotal = await b.PutAsync($"{chunks}/2", WithRange(Chunk(2), $"bytes {2 * ChunkSize}-{3 * ChunkSize - 1}/{bytes.Length + 1}"));
        using var malformedRange = await a.PutAsync($"{chunks}/2", WithRange(Chunk(2), "bytes two-three/lots"));
        using var unknownUpload = await a.PutAsync($"/api/uploads/{Guid.NewGuid()}/chunks/0", Chunk(0));
        // A connection that drops half-way through chunk 0.
        var dropped = await Assert.ThrowsAnyAsync<Exception>(() => b.PutAsync($"{chunks}/0", new DroppingContent(bytes[..ChunkSize], ChunkSize / 2)));
        var afterTheDrop = await a.GetFromJsonAsync<JsonElement>($"/api/uploads/{id}");

        // The resume: the client asks what arrived and sends the rest, chunk 1 once more for good measure.
        await OkAsync(await a.PutAsync($"{chunks}/0", Chunk(0)));
        await OkAsync(await b.PutAsync($"{chunks}/1", Chunk(1)));
        await OkAsync(await b.PutAsync($"{chunks}/2", WithRange(Chunk(2), $"bytes {2 * ChunkSize}-{3 * ChunkSize - 1}/{bytes.Length}")));
        var whole = await b.GetFromJsonAsync<JsonElement>($"/api/uploads/{id}");
        // Both servers asked to complete at the same moment: one records, the other is told there is nothing to complete.
        var completions = await Task.WhenAll(a.PostAsync($"/api/uploads/{id}/complete", null), b.PostAsync($"/api/uploads/{id}/complete", null));

        Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, strangerLooks.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, strangerCompletes.StatusCode);
        await RefusedAsync(tooLong, "longer than the 4194304 bytes");
        await RefusedAsync(pastTheEnd, "does not exist");
        await RefusedAsync(negative, "does not exist");
        await RefusedAsync(lastTooLong, "longer than the 1234 bytes");
        await RefusedAsync(cutShort, "arrived with 4189304 of its 4194304 bytes");
        await RefusedAsync(wrongOffset, $"starts at byte {2 * ChunkSize}, not at 0");
        await RefusedAsync(wrongTotal, $"announced with {bytes.Length} bytes");
        await RefusedAsync(malformedRange, "Content-Range");
        Assert.Equal(HttpStatusCode.NotFound, unknownUpload.StatusCode);
        Assert.NotNull(dropped);
        Assert.Equal([1, 3], Indexes(afterTheDrop, "received"));
        Assert.Equal([0, 1, 2, 3], Indexes(whole, "received"));
        Assert.Empty(Indexes(whole, "missing"));

        Assert.Single(completions, c => c.StatusCode == HttpStatusCode.OK);
        Assert.Single(completions, c => c.StatusCode == HttpStatusCode.NotFound);
        var recorded = await completions.Single(c => c.IsSuccessStatusCode).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(sha256, recorded.GetProperty("sha256").GetString());
        Assert.Equal(bytes.Length, recorded.GetProperty("size").GetInt64());
        Assert.Equal("відео з автобуса.mp4", recorded.GetProperty("originalName").GetString());
        var items = await a.GetFromJsonAsync<JsonElement[]>($"/api/evidence?sha256={sha256}");
        Assert.Single(items!);
        using var content = await b.GetAsync($"/api/evidence/{recorded.GetProperty("id").GetGuid()}/content");
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(await content.Content.ReadAsByteArrayAsync())));
        using var gone = await a.GetAsync($"/api/uploads/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Empty(await HeldAsync(home.Path, environment));
        var verify = await ServeProcess.CliAsync(home.Path, environment, "--role", "auditor", "verify", "--json");
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        foreach (var completion in completions)
        {
            completion.Dispose();
        }
    }

    /// <summary>What is left of uploads in the blob store: nothing, once the upload is recorded.</summary>
    private async Task<List<string>> HeldAsync(string home, Dictionary<string, string> environment)
    {
        if (environment.TryGetValue("EVIDENCE_AZURE_CONTAINER", out var container))
        {
            var names = new List<string>();
            var client = new Azure.Storage.Blobs.BlobContainerClient(azurite.Server.ConnectionString, container);
            await foreach (var blob in client.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "staging/" }))
            {
                names.Add(blob.Name);
            }
            return names;
        }
        var folder = Path.Combine(home, "blobs", "staging", "uploads");
        return Directory.Exists(folder) ? [.. Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)] : [];
    }

    private static void CopyFolder(string from, string to)
    {
        Evidence.Storage.OwnerOnly.CreateFolder(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            var copy = Path.Combine(to, Path.GetFileName(file));
            File.Copy(file, copy);
            File.SetUnixFileMode(copy, File.GetUnixFileMode(file));
        }
    }

    private static HttpContent WithRange(HttpContent content, string range)
    {
        content.Headers.TryAddWithoutValidation("Content-Range", range);
        return content;
    }

    private static async Task OkAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task RefusedAsync(HttpResponseMessage response, string reason)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        Assert.Contains(reason, body, StringComparison.Ordinal);
    }

    private static List<int> Indexes(JsonElement state, string property) => [.. state.GetProperty(property).EnumerateArray().Select(i => i.GetInt32())];

    /// <summary>A body that announces all its bytes and breaks the connection after <c>cut</c> of them.</summary>
    private sealed class DroppingContent(byte[] bytes, int cut) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(bytes.AsMemory(0, cut));
            await stream.FlushAsync();
            throw new IOException("The connection dropped (test).");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}
