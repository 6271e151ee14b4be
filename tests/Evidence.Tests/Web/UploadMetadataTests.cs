using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Evidence.Tests.Web;

/// <summary>
/// The web upload takes the court metadata (issue 17, items 2 and 8), over real HTTP: the form's fields, a sheet with a
/// row per file (its values over the form's), and a resumable upload that carries its file's statement from the start
/// to the record. A refused row records nothing.
/// </summary>
public sealed class UploadMetadataTests
{
    private static MultipartFormDataContent Form(params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }
        return form;
    }

    private static void AddFile(MultipartFormDataContent form, string name, string text) =>
        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(text)), "file", name);

    private static async Task<JsonElement> ShowAsync(HttpClient client, JsonElement recorded) =>
        await client.GetFromJsonAsync<JsonElement>($"/api/evidence/{recorded.GetProperty("id").GetGuid()}");

    [Fact]
    public async Task MultipartUpload_TakesTheFields_AndASheetRowPerFile_OverThem()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        using var form = Form(("collector", "Olena K."), ("place", "Kherson"), ("language", "uk"), ("language", "ru"), ("consent", "given"),
            ("confidentiality", "strictly-confidential"), ("willingToTestify", "yes"));
        AddFile(form, "фото 1.txt", "first upload with metadata");
        AddFile(form, "b.txt", "second upload with metadata");
        form.Add(new StringContent("file,place,coordinates,copyOf\nb.txt,\"Mariupol, drama theatre\",\"47.0958,37.5494\",Phone of W-3\n"), "sheet", "sheet.csv");

        using var response = await client.PostAsync("/api/evidence", form);

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var recorded = await response.Content.ReadFromJsonAsync<JsonElement[]>();
        var first = await ShowAsync(client, recorded![0]);
        var second = await ShowAsync(client, recorded[1]);
        Assert.Equal(("Kherson", "given", "strictly-confidential", true), (first.GetProperty("place").GetString(), first.GetProperty("consent").GetString(),
            first.GetProperty("confidentiality").GetString(), first.GetProperty("willingToTestify").GetBoolean()));
        Assert.Equal(["uk", "ru"], first.GetProperty("languages").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(("Mariupol, drama theatre", 47.0958, "copy", "Phone of W-3", "given"), (second.GetProperty("place").GetString(),
            second.GetProperty("latitude").GetDouble(), second.GetProperty("generation").GetString(), second.GetProperty("originalHeldAt").GetString(),
            second.GetProperty("consent").GetString()));
    }

    [Theory]
    [InlineData("file,place\nb.txt,Kherson\nelsewhere.txt,Kyiv\n", "line 3: elsewhere.txt is not among the files uploaded")]
    [InlineData("file,consent\nb.txt,maybe\n", "line 2:")]
    [InlineData("file,owner\nb.txt,me\n", "not: owner")]
    [InlineData("file,place\n../../b.txt,Kherson\n", "is not among the files uploaded")]
    public async Task ABadSheet_OrABadField_RecordsNothing(string sheet, string said)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        var before = (await client.GetFromJsonAsync<JsonElement[]>("/api/evidence"))!.Length;
        using var form = Form(("collector", "Olena K."));
        AddFile(form, "b.txt", "refused with its sheet " + Guid.NewGuid());
        form.Add(new StringContent(sheet), "sheet", "sheet.csv");

        using var response = await client.PostAsync("/api/evidence", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(said, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, (await client.GetFromJsonAsync<JsonElement[]>("/api/evidence"))!.Length);

        using var badField = Form(("collector", "Olena K."), ("willingToTestify", "perhaps"));
        AddFile(badField, "c.txt", "refused for its field " + Guid.NewGuid());
        using var refused = await client.PostAsync("/api/evidence", badField);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(before, (await client.GetFromJsonAsync<JsonElement[]>("/api/evidence"))!.Length);
    }

    /// <summary>The upload page's way: check the sheet against the chosen names, then each resumable upload carries its row.</summary>
    [Fact]
    public async Task ResumableUpload_CarriesItsStatement_AndTheSheetCheckSaysWhichRowsHold()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        using var check = new MultipartFormDataContent
        {
            { new StringContent("file,place,consent\nvideo.mp4,Kherson,given\nother.mp4,Kyiv,perhaps\n"), "sheet", "sheet.csv" },
            { new StringContent("video.mp4"), "name" },
            { new StringContent("other.mp4"), "name" },
        };
        var checkedSheet = await (await client.PostAsync("/api/uploads/sheet", check)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["other.mp4"], checkedSheet.GetProperty("refused").EnumerateArray().Select(f => f.GetString()));
        Assert.Contains("line 3:", checkedSheet.GetProperty("refusals")[0].GetString(), StringComparison.Ordinal);
        var row = checkedSheet.GetProperty("rows").EnumerateArray().Single();
        Assert.Equal(("video.mp4", "Kherson"), (row.GetProperty("file").GetString(), row.GetProperty("metadata").GetProperty("place").GetString()));

        var bytes = Encoding.UTF8.GetBytes("a video, resumably " + Guid.NewGuid());
        using var begin = await client.PostAsJsonAsync("/api/uploads", new
        {
            fileName = "video.mp4", size = bytes.Length, collector = "Olena K.", sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            metadata = row.GetProperty("metadata"),
        });
        var id = (await begin.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        (await client.PutAsync($"/api/uploads/{id}/chunks/0", new ByteArrayContent(bytes))).EnsureSuccessStatusCode();
        var recorded = await (await client.PostAsync($"/api/uploads/{id}/complete", null)).Content.ReadFromJsonAsync<JsonElement>();

        var item = await ShowAsync(client, recorded);
        Assert.Equal(("Kherson", "given"), (item.GetProperty("place").GetString(), item.GetProperty("consent").GetString()));

        using var badBegin = await client.PostAsJsonAsync("/api/uploads", new { fileName = "x.mp4", size = 10, collector = "Olena K.", metadata = new { coordinates = "north" } });
        Assert.Equal(HttpStatusCode.BadRequest, badBegin.StatusCode);
    }
}

/// <summary>
/// Review of issue 17 (outsider with an investigator account): a sheet is bounded before it is read row by row. A 600 KB
/// sheet of 300,000 one-letter rows made the check answer 300,000 refusals in a 25 MB body (a row of 2 bytes cost a
/// refusal string of about 200 bytes on the heap, and again in the JSON), so a sheet of some tens of MB held gigabytes of
/// the server's memory; a sheet of one line without an end (or an unterminated quote) was read until Sep's own 16M-character
/// bound threw, which answered 500 instead of refusing the sheet.
/// </summary>
public sealed class UploadSheetBoundsTests
{
    [Fact]
    public async Task SheetOfMoreRowsThanAnUploadCarries_IsRefusedWhole_NotAnsweredRowByRow()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        var sheet = new StringBuilder("file\n");
        for (var i = 0; i < 300_000; i++)
        {
            sheet.Append("x\n");
        }
        using var check = new MultipartFormDataContent
        {
            { new StringContent(sheet.ToString()), "sheet", "sheet.csv" },
            { new StringContent("video.mp4"), "name" },
        };

        using var response = await client.PostAsync("/api/uploads/sheet", check);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(body.Length < 4096, $"{body.Length} characters answered");
        Assert.Contains("rows", body, StringComparison.Ordinal);
    }

    /// <summary>
    /// The check takes up to 10,000 names (CheckMetadataSheet.MaxFiles), one form field each; ASP.NET Core's form reader
    /// stops at 1,024 fields by default, which answered 500 for an upload page with more files chosen.
    /// </summary>
    [Fact]
    public async Task SheetCheck_OfMoreThan1024Files_IsAnswered()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        using var check = new MultipartFormDataContent { { new StringContent("file,place\nphoto-0.jpg,Kherson\n"), "sheet", "sheet.csv" } };
        for (var i = 0; i < 2000; i++)
        {
            check.Add(new StringContent($"photo-{i}.jpg"), "name");
        }

        using var response = await client.PostAsync("/api/uploads/sheet", check);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {body[..Math.Min(500, body.Length)]}");
        Assert.Contains("Kherson", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SheetOfOneEndlessLine_IsRefused_WithoutReadingItWhole()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        using var check = new MultipartFormDataContent
        {
            { new ByteArrayContent(Encoding.ASCII.GetBytes("file,place\nvideo.mp4," + new string('a', 48 << 20))), "sheet", "sheet.csv" },
            { new StringContent("video.mp4"), "name" },
        };

        using var response = await client.PostAsync("/api/uploads/sheet", check);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {body[..Math.Min(2000, body.Length)]}");
        Assert.Contains("was not used", body, StringComparison.Ordinal);
    }
}
