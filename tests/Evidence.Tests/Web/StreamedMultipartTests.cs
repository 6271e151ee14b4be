using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Web;

/// <summary>
/// Issue 19, item 5: <c>POST /api/evidence</c> reads its multipart body as it arrives and streams each file part straight
/// into the blob store's staging area while hashing it, with no temporary file of ASP.NET Core's on the server. Broken and
/// hostile bodies get a clear answer, record nothing and leave nothing staged.
/// </summary>
public sealed class StreamedMultipartTests
{
    [Fact]
    public async Task Multipart_FileBeforeItsFields_IsInStagingWhileItArrives_AndRecordedWithTheFieldsAfterIt()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        var bytes = RandomNumberGenerator.GetBytes(12 << 20);
        var paused = new TaskCompletionSource();
        var resume = new TaskCompletionSource();
        var form = new MultipartFormDataContent
        {
            { new PausingContent(bytes, 6 << 20, paused, resume.Task), "file", "interview.mp4" },
            { new StringContent("Olena K."), "collector" },
            { new StringContent("Phone of the witness, copied at the shelter"), "source" },
        };

        var upload = client.PostAsync("/api/evidence", form);
        await paused.Task;
        var stagedWhilePaused = await WaitForStagedBytesAsync(scenario.Server.Settings.BlobFolder, atLeast: 4 << 20);
        resume.SetResult();
        using var response = await upload;
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(stagedWhilePaused >= 4 << 20, $"only {stagedWhilePaused} bytes were in staging while the body was paused at 6 MiB");
        Assert.True(response.IsSuccessStatusCode, body);
        var recorded = JsonSerializer.Deserialize<JsonElement[]>(body)!.Single();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), recorded.GetProperty("sha256").GetString());
        var item = await client.GetFromJsonAsync<JsonElement>($"/api/evidence/{recorded.GetProperty("id").GetGuid()}");
        Assert.Equal("Phone of the witness, copied at the shelter", item.GetProperty("source").GetString());
        Assert.Empty(StagedFiles(scenario.Server.Settings.BlobFolder));
    }

    [Theory]
    // The body ends in the middle of the file part: no closing boundary.
    [InlineData("cut", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhalf a file", 400, "could not be read")]
    // A part without a Content-Disposition.
    [InlineData("no disposition", "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n", 400, "Content-Disposition")]
    // Only fields, no file.
    [InlineData("no file", "--b\r\nContent-Disposition: form-data; name=\"collector\"\r\n\r\nOlena\r\n--b--\r\n", 400, "No 'file' part")]
    // A file whose collector is missing: staged, then refused, then discarded.
    [InlineData("no collector", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nstatement\r\n--b--\r\n", 400, "collector")]
    // An empty body.
    [InlineData("empty", "", 400, "could not be read")]
    public async Task Multipart_BrokenBody_ClearAnswer_NothingRecordedOrStaged(string what, string body, int status, string reason)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        var before = (await client.GetFromJsonAsync<JsonElement[]>("/api/evidence"))!.Length;

        using var response = await client.PostAsync("/api/evidence", Raw(body, "b"));

        var answer = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{what}: {(int)response.StatusCode} {answer}");
        Assert.Contains(reason, answer, StringComparison.Ordinal);
        Assert.Equal(before, (await client.GetFromJsonAsync<JsonElement[]>("/api/evidence"))!.Length);
        Assert.Empty(StagedFiles(scenario.Server.Settings.BlobFolder));
    }

    [Fact]
    public async Task Multipart_HostileSizes_AreRefused_NothingRecordedOrStaged()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        var before = (await client.GetFromJsonAsync<JsonElement[]>("/api/evidence"))!.Length;

        using var longBoundary = await client.PostAsync("/api/evidence", Raw("--x\r\n", new string('b', 71)));
        using var hugeHeader = await client.PostAsync("/api/evidence", Raw(
            $"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nX-Padding: {new string('p', 20_000)}\r\n\r\nx\r\n--b--\r\n", "b"));
        using var hugeField = await client.PostAsync("/api/evidence", new MultipartFormDataContent
        {
            { new ByteArrayContent("statement"u8.ToArray()), "file", "a.txt" },
            { new StringContent(new string('s', (4 << 20) + 1)), "source" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, longBoundary.StatusCode);
        Assert.Contains("boundary", await longBoundary.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, hugeHeader.StatusCode);
        Assert.Contains("could not be read", await hugeHeader.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, hugeField.StatusCode);
        Assert.Contains("longer than 4 MiB", await hugeField.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, (await client.GetFromJsonAsync<JsonElement[]>("/api/evidence"))!.Length);
        Assert.Empty(StagedFiles(scenario.Server.Settings.BlobFolder));
    }

    /// <summary>A role that may not ingest is refused before its body is read: with Expect: 100-continue, the body is never even sent.</summary>
    [Fact]
    public async Task Multipart_FromAnAuditor_Is403_NothingStaged()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var auditor = scenario.Server.Client(scenario.Auditor);
        auditor.DefaultRequestHeaders.ExpectContinue = true;

        using var response = await auditor.PostAsync("/api/evidence", WebScenario.Multipart("a.bin", RandomNumberGenerator.GetBytes(8 << 20)));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("IngestUpload may be sent only by Investigator", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(StagedFiles(scenario.Server.Settings.BlobFolder));
    }

    private static List<string> StagedFiles(string blobFolder)
    {
        var staging = Path.Combine(blobFolder, "staging");
        return Directory.Exists(staging) ? [.. Directory.EnumerateFiles(staging, "*.part")] : [];
    }

    private static async Task<long> WaitForStagedBytesAsync(string blobFolder, long atLeast)
    {
        long staged = 0;
        for (var tries = 0; tries < 100 && staged < atLeast; tries++)
        {
            await Task.Delay(100);
            staged = StagedFiles(blobFolder).Select(f => new FileInfo(f).Length).DefaultIfEmpty(0).Max();
        }
        return staged;
    }

    private static ByteArrayContent Raw(string body, string boundary)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");
        return content;
    }

    /// <summary>Sends the first <paramref name="pauseAt"/> bytes, says so, and sends the rest when told.</summary>
    private sealed class PausingContent(byte[] bytes, int pauseAt, TaskCompletionSource paused, Task resume) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(bytes.AsMemory(0, pauseAt));
            await stream.FlushAsync();
            paused.TrySetResult();
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
