using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Web;

/// <summary>
/// Evidence bytes handed out over HTTP, against a real server, when the storage holds other bytes than an item's: another
/// item's version 2 envelope copied over its address (on the folder store and on Azurite), a version 1 envelope of other
/// bytes (which opens: only the hash on the way out notices), other bytes in clear. A download, a preview (whole or in a
/// range), a thumbnail and the evidence page's text never complete with them: refused before the first byte when that is
/// known then (small files, an envelope sealed for another address on the folder store), the connection cut before the last
/// block otherwise. Intact items are served whole, with their length, as before.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TamperedContentWebTests(AzuriteFixture azurite)
{
    private const int Large = 3 * BlobEnvelope.ChunkSize + 100;

    private sealed record Uploaded(Guid Id, string Sha256, byte[] Bytes);

    private static async Task<Uploaded> UploadAsync(HttpClient client, string name, byte[] bytes)
    {
        using var form = WebScenario.Multipart(name, bytes);
        using var response = await client.PostAsync("/api/evidence", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return new Uploaded(JsonDocument.Parse(body).RootElement[0].GetProperty("id").GetGuid(), Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes);
    }

    /// <summary>Random bytes under an MP4 file-type box, so that the item is previewed (as a video) as well as downloaded.</summary>
    private static byte[] Mp4(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        if (size >= 24)
        {
            byte[] box = [0, 0, 0, 0x18, .. "ftypisom"u8.ToArray(), 0, 0, 2, 0, .. "isomiso2"u8.ToArray()];
            box.CopyTo(bytes, 0);
        }
        return bytes;
    }

    private static string BlobPath(WebServer server, string sha256) => Path.Combine(server.Settings.BlobFolder, "sha256", sha256[..2], sha256);

    private static async Task PlantAsync(WebServer server, string sha256, byte[] stored)
    {
        File.Delete(BlobPath(server, sha256));
        await File.WriteAllBytesAsync(BlobPath(server, sha256), stored);
    }

    /// <summary>A response that does not complete: the request fails while its body is read (the connection was cut).</summary>
    private static async Task AssertCutOffAsync(HttpClient client, HttpRequestMessage request)
    {
        var failure = await Record.ExceptionAsync(async () =>
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsByteArrayAsync();
        });
        Assert.True(failure is HttpRequestException or IOException, $"the response completed: {failure}");
    }

    private static async Task AssertDamagedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("damaged-evidence", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task EnvelopeCopiedOverAnotherItem_OnTheFolderStore_IsRefusedByDownloadPreviewRangeAndVerify()
    {
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        using var investigator = server.Client(scenario.Investigator);
        var a = await UploadAsync(investigator, "a.mp4", Mp4(Large));
        var b = await UploadAsync(investigator, "b.mp4", Mp4(Large + 1));
        var small = await UploadAsync(investigator, "small.mp4", Mp4(1000));
        await PlantAsync(server, b.Sha256, await File.ReadAllBytesAsync(BlobPath(server, a.Sha256)));
        await PlantAsync(server, small.Sha256, await File.ReadAllBytesAsync(BlobPath(server, a.Sha256)));

        // The download reads b's stored bytes through to the last chunk, which was sealed for a: cut off before it.
        await AssertCutOffAsync(investigator, new HttpRequestMessage(HttpMethod.Get, $"/api/evidence/{b.Id}/content"));
        // A preview that may be served in ranges checks what its envelope was sealed for first: refused before any byte.
        using (var ranged = new HttpRequestMessage(HttpMethod.Get, $"/api/evidence/{b.Id}/preview"))
        {
            ranged.Headers.Range = new RangeHeaderValue(0, 99);
            await AssertDamagedAsync(await investigator.SendAsync(ranged));
        }
        await AssertDamagedAsync(await investigator.GetAsync($"/api/evidence/{b.Id}/preview"));

        // The intact item is served whole, with its length, and in ranges.
        using (var whole = await investigator.GetAsync($"/api/evidence/{a.Id}/content"))
        {
            Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
            Assert.Equal(a.Bytes.Length, whole.Content.Headers.ContentLength);
            Assert.Equal(a.Bytes, await whole.Content.ReadAsByteArrayAsync());
        }
        using (var ranged = new HttpRequestMessage(HttpMethod.Get, $"/api/evidence/{a.Id}/preview"))
        {
            ranged.Headers.Range = new RangeHeaderValue(BlobEnvelope.ChunkSize - 10, BlobEnvelope.ChunkSize + 9);
            using var part = await investigator.SendAsync(ranged);
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal(a.Bytes[(BlobEnvelope.ChunkSize - 10)..(BlobEnvelope.ChunkSize + 10)], await part.Content.ReadAsByteArrayAsync());
        }

        var report = await VerifyAsync(server);
        Assert.Equal($"Blob {b.Sha256} holds an envelope sealed for another address ({a.Sha256}): another blob's envelope was copied over it.", report[b.Sha256]);
        Assert.Equal($"Blob {small.Sha256} holds an envelope sealed for another address ({a.Sha256}): another blob's envelope was copied over it.", report[small.Sha256]);
        Assert.DoesNotContain(a.Sha256, report.Keys);
    }

    /// <summary>
    /// A version 1 envelope of other bytes, or other bytes in clear, at an item's address: they open, so only the SHA-256 of
    /// what is sent notices. A large file is cut off before its last block; a small one (one block) is refused before any byte.
    /// </summary>
    [Theory]
    [InlineData("version 1 envelope", Large)]
    [InlineData("version 1 envelope", 1000)]
    [InlineData("in clear", Large)]
    [InlineData("in clear", 0)]
    public async Task OtherBytesThatOpen_AreNeverServedWhole(string how, int size)
    {
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        using var investigator = server.Client(scenario.Investigator);
        var item = await UploadAsync(investigator, "item.mp4", Mp4(Math.Max(size, 1)));
        var other = Mp4(size == 0 ? 0 : size + 7);
        await PlantAsync(server, item.Sha256, how == "in clear" ? other : EnvelopeVersion1.Seal(other, server.Services.GetRequiredService<IKeyEncryptionKey>()));

        foreach (var path in size == 0 ? ["content"] : new[] { "content", "preview" })
        {
            if (size > 64 * 1024)
            {
                await AssertCutOffAsync(investigator, new HttpRequestMessage(HttpMethod.Get, $"/api/evidence/{item.Id}/{path}"));
                // A range cannot be hashed: from a blob that is not a version 2 envelope, the whole is sent, checked.
                var ranged = new HttpRequestMessage(HttpMethod.Get, $"/api/evidence/{item.Id}/{path}");
                ranged.Headers.Range = new RangeHeaderValue(0, 99);
                await AssertCutOffAsync(investigator, ranged);
            }
            else
            {
                await AssertDamagedAsync(await investigator.GetAsync($"/api/evidence/{item.Id}/{path}"));
            }
        }
    }

    /// <summary>A thumbnail is made only of the recorded bytes, and a text item's page shows none of other bytes.</summary>
    [Fact]
    public async Task Thumbnail_AndPageText_OfOtherBytes_AreRefused()
    {
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        using var investigator = server.Client(scenario.Investigator);
        var image = await UploadAsync(investigator, "bus.png", PreviewTests.Png(64, 48));
        var text = await UploadAsync(investigator, "statement.txt", "The children were taken on the 14th."u8.ToArray());
        await PlantAsync(server, image.Sha256, PreviewTests.Png(65, 48));
        await PlantAsync(server, text.Sha256, "The children were never taken anywhere."u8.ToArray());

        await AssertDamagedAsync(await investigator.GetAsync($"/api/evidence/{image.Id}/thumbnail"));
        var page = await investigator.GetStringAsync($"/evidence/{text.Id}");
        Assert.DoesNotContain("never taken", page, StringComparison.Ordinal);
    }

    /// <summary>The same copy on Azurite, whose reads do not seek: the download is cut off, the preview too, verify names it.</summary>
    [Fact]
    public async Task EnvelopeCopiedOverAnotherItem_OnAzurite_IsRefusedByDownloadPreviewAndVerify()
    {
        var container = "c" + Guid.NewGuid().ToString("N");
        await using var scenario = await WebScenario.StartAsync(settings => settings with
        {
            AzureBlobConnectionString = azurite.Server.ConnectionString,
            AzureBlobContainer = container,
        });
        var server = scenario.Server;
        using var investigator = server.Client(scenario.Investigator);
        var a = await UploadAsync(investigator, "a.mp4", Mp4(Large));
        var b = await UploadAsync(investigator, "b.mp4", Mp4(Large + 1));
        var blobs = new Azure.Storage.Blobs.BlobContainerClient(azurite.Server.ConnectionString, container);
        var copied = (await blobs.GetBlobClient($"sha256/{a.Sha256[..2]}/{a.Sha256}").DownloadContentAsync()).Value.Content;
        await blobs.GetBlobClient($"sha256/{b.Sha256[..2]}/{b.Sha256}").UploadAsync(copied, overwrite: true);

        await AssertCutOffAsync(investigator, new HttpRequestMessage(HttpMethod.Get, $"/api/evidence/{b.Id}/content"));
        var ranged = new HttpRequestMessage(HttpMethod.Get, $"/api/evidence/{b.Id}/preview");
        ranged.Headers.Range = new RangeHeaderValue(0, 99);
        await AssertCutOffAsync(investigator, ranged);
        using (var whole = await investigator.GetAsync($"/api/evidence/{a.Id}/content"))
        {
            Assert.Equal(a.Bytes, await whole.Content.ReadAsByteArrayAsync());
        }

        var report = await VerifyAsync(server);
        Assert.Equal($"Blob {b.Sha256} holds an envelope sealed for another address ({a.Sha256}): another blob's envelope was copied over it.", report[b.Sha256]);
    }

    private static async Task<Dictionary<string, string>> VerifyAsync(WebServer server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("audrey", Role.Auditor);
        var report = await scope.ServiceProvider.GetRequiredService<MediatR.IMediator>().Send(new VerifyCustody(null));
        return report.Findings.Where(f => f.Kind == "blob").ToDictionary(f => f.Subject, f => f.Found);
    }
}
