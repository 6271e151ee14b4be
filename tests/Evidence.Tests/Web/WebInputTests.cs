using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Web;

/// <summary>Bad and hostile input over HTTP: each is refused with a clear ProblemDetails, and nothing is recorded for it.</summary>
public sealed partial class WebInputTests
{
    [Fact]
    public async Task ResumableUpload_ChunksTwiceOutOfOrderAndOneDropped_RecordsTheWholeFileOnce()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        var bytes = RandomNumberGenerator.GetBytes((4 << 20) * 2 + 1000);
        var upload = await (await client.PostAsJsonAsync("/api/uploads", new { fileName = "../../etc/відео.mp4", size = bytes.Length, collector = "Olena", sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)) }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var id = upload.GetProperty("id").GetGuid();
        HttpContent Chunk(int i, int cut = 0) => new ByteArrayContent(bytes[(i * (4 << 20))..Math.Min(bytes.Length, (i + 1) * (4 << 20) - cut)]);

        using var dropped = await client.PutAsync($"/api/uploads/{id}/chunks/1", Chunk(1, cut: 5000));
        using var early = await client.PostAsync($"/api/uploads/{id}/complete", null);
        foreach (var i in new[] { 2, 0, 1, 1 })
        {
            (await client.PutAsync($"/api/uploads/{id}/chunks/{i}", Chunk(i))).EnsureSuccessStatusCode();
        }
        using var outOfRange = await client.PutAsync($"/api/uploads/{id}/chunks/3", new ByteArrayContent([1]));
        using var stranger = await scenario.Server.Client(await scenario.Server.AddUserAsync("other", Requests.Role.Investigator)).GetAsync($"/api/uploads/{id}");
        var recorded = await (await client.PostAsync($"/api/uploads/{id}/complete", null)).Content.ReadFromJsonAsync<JsonElement>();
        using var again = await client.PostAsync($"/api/uploads/{id}/complete", null);

        Assert.Equal(HttpStatusCode.BadRequest, dropped.StatusCode);
        Assert.Contains("missing", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, outOfRange.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), recorded.GetProperty("sha256").GetString());
        Assert.Equal("відео.mp4", recorded.GetProperty("originalName").GetString());
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Empty(Directory.GetFileSystemEntries(scenario.Server.Settings.UploadFolder));
    }

    [Fact]
    public async Task ResumableUpload_HashTheSenderDidNotSend_RecordsNothing()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        var before = await client.GetFromJsonAsync<JsonElement[]>("/api/evidence");
        var upload = await (await client.PostAsJsonAsync("/api/uploads", new { fileName = "a.bin", size = 3, collector = "Olena", sha256 = new string('0', 64) }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var id = upload.GetProperty("id").GetGuid();
        (await client.PutAsync($"/api/uploads/{id}/chunks/0", new ByteArrayContent([1, 2, 3]))).EnsureSuccessStatusCode();

        using var complete = await client.PostAsync($"/api/uploads/{id}/complete", null);

        Assert.Equal(HttpStatusCode.BadRequest, complete.StatusCode);
        Assert.Contains("damaged", await complete.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before!.Length, (await client.GetFromJsonAsync<JsonElement[]>("/api/evidence"))!.Length);
    }

    [Fact]
    public async Task Uploads_OverTheLimit_Get413AndNothingIsRecorded()
    {
        await using var scenario = await WebScenario.StartAsync(s => s with { MaxUploadBytes = 1 << 20 });
        using var client = scenario.Server.Client(scenario.Investigator);
        // As curl does for large bodies: the server refuses on Content-Length before any byte is sent. Without it the
        // client may still be writing when the server answers and closes, and the test would see a broken pipe.
        client.DefaultRequestHeaders.ExpectContinue = true;

        using var multipart = await client.PostAsync("/api/evidence", WebScenario.Multipart("big.bin", new byte[(1 << 20) + (2 << 20)]));
        using var resumable = await client.PostAsJsonAsync("/api/uploads", new { fileName = "big.mp4", size = (1 << 20) + 1, collector = "Olena" });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, multipart.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, resumable.StatusCode);
        Assert.Contains("at most", await resumable.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Multipart_ForgedTypeEmptyFileAndHostileName_AreHandledByTheBytes()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);

        var forged = await WebScenario.UploadAsync(client, "..\\..\\photo.png", "<html><script>alert(1)</script></html>"u8.ToArray(), contentType: "image/png");
        using var empty = await client.PostAsync("/api/evidence", WebScenario.Multipart("empty.jpg", []));
        using var content = await client.GetAsync($"/api/evidence/{forged[0].GetProperty("id").GetGuid()}/content");

        Assert.Equal("photo.png", forged[0].GetProperty("originalName").GetString());
        Assert.NotEqual("image/png", forged[0].GetProperty("mediaType").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        // Served as a sandboxed download, never as a page of this site.
        Assert.Equal("application/octet-stream", content.Content.Headers.ContentType?.MediaType);
        Assert.Contains("sandbox", content.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"title":"Transfer","kind":"Deportation","periodFrom":"2022-10","place":"Kherson"}""", "articles")]
    [InlineData("""{"title":null,"kind":"Deportation","periodFrom":"2022-10","place":"Kherson","articles":["8(2)(a)(vii)-1"]}""", "title")]
    [InlineData("""{"kind":"Deportation","periodFrom":"2022-10","place":"Kherson","articles":["8(2)(a)(vii)-1"]}""", "title")]
    [InlineData("""{"title":"Transfer","kind":"Deportation","periodFrom":"2022-10","place":"Kherson","articles":[null]}""", "not an article")]
    public async Task Json_RequiredFieldMissingOrNull_400NamingIt_NothingRecorded(string body, string field)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        var before = (await client.GetFromJsonAsync<JsonElement[]>("/api/incidents"))!.Length;

        using var response = await client.PostAsync("/api/incidents", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.True(problem.Contains(field, StringComparison.OrdinalIgnoreCase), problem);
        Assert.Equal(before, (await client.GetFromJsonAsync<JsonElement[]>("/api/incidents"))!.Length);
    }

    [Fact]
    public async Task Json_TagWithANullElement_400_NothingRecorded()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        var before = (await client.GetFromJsonAsync<JsonElement>($"/api/evidence/{scenario.Item}")).ToString();

        using var response = await client.PostAsync($"/api/evidence/{scenario.Item}/tags",
            new StringContent($$"""{"incidentId":"{{scenario.Incident}}","elements":[null]}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before, (await client.GetFromJsonAsync<JsonElement>($"/api/evidence/{scenario.Item}")).ToString());
    }

    [Theory]
    [InlineData("not-a-guid", HttpStatusCode.BadRequest)]
    [InlineData("00000000-0000-0000-0000-000000000001", HttpStatusCode.NotFound)]
    public async Task Multipart_MistypedOrUnknownCase_RecordsNothing(string caseId, HttpStatusCode expected)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        var before = (await client.GetFromJsonAsync<JsonElement[]>("/api/evidence"))!.Length;
        using var form = WebScenario.Multipart("statement.txt", "A statement for a case that is not there"u8.ToArray());
        form.Add(new StringContent(caseId), "caseId");

        using var response = await client.PostAsync("/api/evidence", form);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(before, (await client.GetFromJsonAsync<JsonElement[]>("/api/evidence"))!.Length);
    }

    [Fact]
    public async Task CookieSession_ApiWriteWithoutAntiforgeryToken_IsRefused_AndFormsNeedTheirToken()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = scenario.Server.Client();
        await SignInAsync(browser, scenario.Investigator.Name, scenario.Investigator.Password);

        using var forged = await browser.PostAsJsonAsync("/api/incidents", new { title = "x", kind = "Camp", periodFrom = "2023", place = "y", articles = new[] { "8(2)(a)(vii)-1" } });
        using var formWithoutToken = await browser.PostAsync("/Account/ChangePassword", new FormUrlEncodedContent([new("Current", "x"), new("New", "y")]));
        var page = await browser.GetStringAsync("/Account/ChangePassword");
        var token = CsrfMeta().Match(page).Groups[1].Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/victims") { Content = JsonContent.Create(new { ageAtIncident = 7 }) };
        request.Headers.Add("X-CSRF-TOKEN", token);
        using var withToken = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, formWithoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
    }

    [Fact]
    public async Task FiveWrongPasswords_LockTheAccount_AndADeletedUsersTokenStopsWorking()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = scenario.Server.Client();
        for (var i = 0; i < 5; i++)
        {
            await SignInAsync(browser, scenario.Investigator.Name, "wrong password " + i);
        }
        var locked = await SignInAsync(browser, scenario.Investigator.Name, scenario.Investigator.Password);
        using var admin = scenario.Server.Client(scenario.Admin);
        (await admin.DeleteAsync($"/api/users/{scenario.Auditor.Name}")).EnsureSuccessStatusCode();
        using var deleted = await scenario.Server.Client(scenario.Auditor).PostAsync("/api/verify", null);
        using var headers = await scenario.Server.Client().GetAsync("/Account/SignIn");

        Assert.Contains("locked", locked, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, deleted.StatusCode);
        Assert.Equal("DENY", headers.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", headers.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("frame-ancestors 'none'", headers.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterTheWebFlow_VerifyIsClean()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var auditor = scenario.Server.Client(scenario.Auditor);
        using var prosecutor = scenario.Server.Client(scenario.IccProsecutor);
        (await prosecutor.GetAsync($"/api/packages/{scenario.Package}/download")).EnsureSuccessStatusCode();

        var report = await (await auditor.PostAsync("/api/verify", null)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(report.GetProperty("clean").GetBoolean(), report.ToString());
    }

    /// <summary>Signs in through the form, as a browser does; returns the page the server answered with.</summary>
    private static async Task<string> SignInAsync(HttpClient browser, string name, string password)
    {
        var form = await browser.GetStringAsync("/Account/SignIn");
        var token = FormToken().Match(form).Groups[1].Value;
        using var response = await browser.PostAsync("/Account/SignIn", new FormUrlEncodedContent(
            [new("UserName", name), new("Password", password), new("__RequestVerificationToken", token)]));
        return await response.Content.ReadAsStringAsync();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\">")]
    private static partial Regex CsrfMeta();
}
