using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Evidence.Data;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SixLabors.ImageSharp;

namespace Evidence.Tests.Web;

/// <summary>
/// Previews and thumbnails (issue 18, item 3) over real HTTP: every one is a <c>Viewed</c> custody event naming what was
/// seen; auditors never see content, not even a thumbnail; a strictly confidential item is nobody's outside its case;
/// thumbnails are small, decodable and carry no metadata (read by exiftool, an independent tool); hostile images give
/// no thumbnail and no server error; a video's byte ranges are served under one event; an uploaded page or SVG is
/// never served as one.
/// </summary>
public sealed class PreviewTests
{
    private static readonly string Photo = Path.Combine(Repo.Root, "tests/Evidence.Tests/TestData/provenance/P1000827.jpg");

    [Fact]
    public async Task Thumbnail_OfAGeotaggedRotatedPhoto_IsSmallUprightAndHasNoMetadata()
    {
        await using var scenario = await WebScenario.StartAsync();
        // A real camera photo (1024×759), given a GPS position and "rotate 90° clockwise to view" by exiftool.
        var path = scenario.Server.Home.File("input/geotagged.jpg", await File.ReadAllBytesAsync(Photo));
        var (exit, _, err) = await Run.ProcessAsync("exiftool", "-q", "-overwrite_original", "-GPSLatitude=46.6354", "-GPSLatitudeRef=N",
            "-GPSLongitude=32.6169", "-GPSLongitudeRef=E", "-Orientation#=6", path);
        Assert.True(exit == 0, err);
        using var investigator = scenario.Server.Client(scenario.Investigator);
        var id = await UploadAsync(investigator, "geotagged.jpg", await File.ReadAllBytesAsync(path));

        using var response = await investigator.GetAsync($"/api/evidence/{id}/thumbnail");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(bytes.Length < 64 * 1024, $"a thumbnail of {bytes.Length} bytes");
        using (var image = Image.Load(bytes))
        {
            // Upright: the landscape photo turned a quarter, so taller than wide, and within the 320-pixel box.
            Assert.Equal((237, 320), (image.Width, image.Height)); // 759 × 1024 upright, scaled by 320/1024
        }
        var thumbnail = scenario.Server.Home.File("output/thumbnail.jpg", bytes);
        var (read, tags, readErr) = await Run.ProcessAsync("exiftool", "-json", "-a", "-G1", thumbnail);
        Assert.True(read == 0, readErr);
        var groups = JsonDocument.Parse(tags).RootElement[0].EnumerateObject().Select(p => p.Name.Split(':')[0]).Distinct().ToList();
        Assert.DoesNotContain(groups, g => g is "GPS" or "IFD0" or "ExifIFD" or "XMP-exif" or "ICC-header" or "IPTC" || g.StartsWith("XMP", StringComparison.Ordinal));
        Assert.DoesNotContain("46.63", tags, StringComparison.Ordinal);
        Assert.DoesNotContain("Panasonic", tags, StringComparison.Ordinal);
        Assert.Equal(["thumbnail"], await ViewsAsync(scenario.Server, id));
    }

    [Fact]
    public async Task EveryThumbnail_IsAViewedEvent_EvenFromTheCache()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        var id = await UploadAsync(investigator, "bus.png", Png(64, 48));

        for (var i = 0; i < 3; i++)
        {
            using var response = await investigator.GetAsync($"/api/evidence/{id}/thumbnail");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(["thumbnail", "thumbnail", "thumbnail"], await ViewsAsync(scenario.Server, id));
    }

    [Fact]
    public async Task Auditor_GetsNoThumbnailAndNoPreview_AndTheRefusalsAreRecorded()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        var id = await UploadAsync(investigator, "bus.png", Png(64, 48));
        using var auditor = scenario.Server.Client(scenario.Auditor);

        using var thumbnail = await auditor.GetAsync($"/api/evidence/{id}/thumbnail");
        using var preview = await auditor.GetAsync($"/api/evidence/{id}/preview");

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (thumbnail.StatusCode, preview.StatusCode));
        Assert.Equal("application/problem+json", thumbnail.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await ViewsAsync(scenario.Server, id));
        var denials = await EventsAsync(scenario.Server, id, "AccessDenied");
        Assert.Equal([("audrey", "thumbnail"), ("audrey", "preview")], denials.Select(d => (d.Actor, d.Details["view"])));
        // And the auditor's evidence page offers neither.
        var page = await auditor.GetStringAsync($"/evidence/{id}");
        Assert.DoesNotContain("/thumbnail", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/preview", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StrictlyConfidentialItem_IsNotShown_ToAColleagueOutsideItsCase()
    {
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        var colleague = await server.AddUserAsync("taras", Role.Investigator);
        using var investigator = server.Client(scenario.Investigator);
        (await investigator.PostAsJsonAsync($"/api/cases/{scenario.Case}/members", new { member = "taras" })).EnsureSuccessStatusCode();
        var incident = await WebScenario.IdOf(await investigator.PostAsJsonAsync("/api/incidents", new
        {
            title = "Transfer to Anapa", kind = "Deportation", periodFrom = "2022-10", place = "Kherson", articles = new[] { "8(2)(a)(vii)-1" }, caseId = scenario.Case,
        }));
        // Both outside the case, both tagged to its incident: the colleague sees the ordinary one through the incident, never the other.
        var secret = await UploadAsync(investigator, "child.png", Png(40, 40), ("confidentiality", "strictly-confidential"));
        var ordinary = await UploadAsync(investigator, "bus.png", Png(41, 40));
        foreach (var item in new[] { secret, ordinary })
        {
            (await investigator.PostAsJsonAsync($"/api/evidence/{item}/tags", new { incidentId = incident, elements = new[] { "8(2)(a)(vii)-1:1" } })).EnsureSuccessStatusCode();
        }
        using var other = server.Client(colleague);

        foreach (var route in new[] { "thumbnail", "preview" })
        {
            using var refused = await other.GetAsync($"/api/evidence/{secret}/{route}");
            using var shown = await other.GetAsync($"/api/evidence/{ordinary}/{route}");
            Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.OK), (refused.StatusCode, shown.StatusCode));
            Assert.DoesNotContain("strictly", await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }
        Assert.Empty(await ViewsAsync(server, secret));
        Assert.Equal(["thumbnail", "preview"], await ViewsAsync(server, ordinary));
    }

    [Fact]
    public async Task Preview_ServesByteRanges_UnderOneViewedEvent_AndAnotherReaderGetsTheirOwn()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        var video = FakeMp4(200_000);
        var id = await UploadAsync(investigator, "interview.mp4", video);

        using var whole = await investigator.GetAsync($"/api/evidence/{id}/preview");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
        Assert.Equal("video/mp4", whole.Content.Headers.ContentType?.MediaType);
        Assert.Equal("inline", whole.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(video, await whole.Content.ReadAsByteArrayAsync());
        foreach (var (from, to) in new[] { (1000L, 1999L), (150_000L, 199_999L), (7L, 7L) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/evidence/{id}/preview");
            request.Headers.Range = new RangeHeaderValue(from, to);
            using var part = await investigator.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal($"bytes {from}-{to}/{video.Length}", part.Content.Headers.ContentRange?.ToString());
            Assert.Equal(video[(int)from..(int)(to + 1)], await part.Content.ReadAsByteArrayAsync());
        }
        Assert.Equal(["preview"], await ViewsAsync(scenario.Server, id));

        // A prosecutor of the office the incident went to, on an item tagged to it: their first range is their own event.
        (await investigator.PostAsJsonAsync($"/api/evidence/{id}/tags", new { incidentId = scenario.Incident, elements = new[] { "8(2)(a)(vii)-1:1" } })).EnsureSuccessStatusCode();
        using var prosecutor = scenario.Server.Client(scenario.IccProsecutor);
        using var first = new HttpRequestMessage(HttpMethod.Get, $"/api/evidence/{id}/preview");
        first.Headers.Range = new RangeHeaderValue(5000, 5999);
        using var theirs = await prosecutor.SendAsync(first);
        Assert.Equal(HttpStatusCode.PartialContent, theirs.StatusCode);
        var views = await EventsAsync(scenario.Server, id, "Viewed");
        Assert.Equal([("olena", "preview"), ("icc-prosecutor", "preview")], views.Select(v => (v.Actor, v.Details["view"])));
    }

    [Theory]
    [InlineData("page.html", "<!DOCTYPE html><html><body><script>fetch('/api/evidence')</script></body></html>")]
    [InlineData("drawing.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(document.domain)\"><script>alert(1)</script></svg>")]
    [InlineData("drawing-with-prologue.svg", "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>")]
    public async Task UploadedPageOrSvg_IsNeverServedAsOne(string name, string text)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        var id = await UploadAsync(investigator, name, Encoding.UTF8.GetBytes(text), contentType: name.EndsWith(".svg", StringComparison.Ordinal) ? "image/svg+xml" : "text/html");

        using var preview = await investigator.GetAsync($"/api/evidence/{id}/preview");
        using var content = await investigator.GetAsync($"/api/evidence/{id}/content");
        using var thumbnail = await investigator.GetAsync($"/api/evidence/{id}/thumbnail");

        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal("text/plain", preview.Content.Headers.ContentType?.MediaType);
        Assert.Contains("sandbox", preview.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", preview.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(text, await preview.Content.ReadAsStringAsync());
        Assert.NotEqual("inline", content.Content.Headers.ContentDisposition?.DispositionType);
        foreach (var type in new[] { preview.Content.Headers.ContentType?.MediaType, content.Content.Headers.ContentType?.MediaType })
        {
            Assert.DoesNotContain(type, new[] { "text/html", "image/svg+xml", "application/xml", "application/xhtml+xml" });
        }
        Assert.Equal(HttpStatusCode.NotFound, thumbnail.StatusCode);
        // The evidence page shows it as escaped text, never as markup.
        var page = await investigator.GetStringAsync($"/evidence/{id}");
        Assert.DoesNotContain("<script>alert(1)", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>fetch(", page, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PdfPreview_IsInlineSandboxed_AndFramedByThisSiteOnly()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        var id = await UploadAsync(investigator, "letter.pdf", "%PDF-1.4\n%%EOF\n"u8.ToArray());

        using var preview = await investigator.GetAsync($"/api/evidence/{id}/preview");

        Assert.Equal("application/pdf", preview.Content.Headers.ContentType?.MediaType);
        Assert.Equal("inline", preview.Content.Headers.ContentDisposition?.DispositionType);
        var policy = preview.Headers.GetValues("Content-Security-Policy").Single();
        Assert.StartsWith("sandbox;", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'self'", policy, StringComparison.Ordinal);
        Assert.Equal("SAMEORIGIN", preview.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains($"<iframe src=\"/api/evidence/{id}/preview\"", await investigator.GetStringAsync($"/evidence/{id}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PngBomb_IsRefusedFromItsHeader_WithoutDecoding()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        // 100,000 × 100,000 RGBA pixels declared (40 GB decoded) in a file of under a hundred bytes.
        var bomb = PngDeclaring(100_000, 100_000);
        var id = await UploadAsync(investigator, "bomb.png", bomb);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        using var response = await investigator.GetAsync($"/api/evidence/{id}/thumbnail");
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("100000 × 100000 pixels, more than the 40 megapixels", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(allocated < 64L * 1024 * 1024, $"{allocated / (1024 * 1024)} MB allocated while refusing a bomb");
        Assert.Empty(await ViewsAsync(scenario.Server, id));
    }

    [Theory]
    [InlineData("truncated.png")]
    [InlineData("garbage.png")]
    [InlineData("garbage.gif")]
    public async Task CorruptImage_GetsNoThumbnail_AndNoServerError(string name)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        var png = Png(64, 48);
        byte[] bytes = name switch
        {
            "truncated.png" => png[..(png.Length / 2)],
            "garbage.png" => [.. png[..8], .. Enumerable.Range(0, 4000).Select(i => (byte)(i * 37))],
            _ => [.. "GIF89a"u8.ToArray(), 0xFF, 0xFF, 0xFF, 0xFF, .. Enumerable.Range(0, 500).Select(i => (byte)(i * 11))],
        };
        var id = await UploadAsync(investigator, name, bytes);

        using var response = await investigator.GetAsync($"/api/evidence/{id}/thumbnail");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("No thumbnail", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await ViewsAsync(scenario.Server, id));
        using var page = await investigator.GetAsync($"/evidence/{id}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task NonImage_HasNoThumbnail_AndAnOfficeFileNoPreview()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        var archive = await UploadAsync(investigator, "photos.7z", [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4, 1, 2, 3, 4]);

        using var thumbnail = await investigator.GetAsync($"/api/evidence/{archive}/thumbnail");
        using var preview = await investigator.GetAsync($"/api/evidence/{archive}/preview");

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (thumbnail.StatusCode, preview.StatusCode));
        Assert.Empty(await ViewsAsync(scenario.Server, archive));
    }

    private static async Task<Guid> UploadAsync(HttpClient client, string name, byte[] bytes, params (string Name, string Value)[] fields) =>
        await UploadAsync(client, name, bytes, null, fields);

    private static async Task<Guid> UploadAsync(HttpClient client, string name, byte[] bytes, string? contentType, params (string Name, string Value)[] fields)
    {
        using var form = WebScenario.Multipart(name, bytes, contentType: contentType);
        foreach (var (field, value) in fields)
        {
            form.Add(new StringContent(value), field);
        }
        using var response = await client.PostAsync("/api/evidence", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement[0].GetProperty("id").GetGuid();
    }

    /// <summary>What each <c>Viewed</c> event of the item says was viewed, in ledger order.</summary>
    private static async Task<List<string?>> ViewsAsync(WebServer server, Guid id) =>
        (await EventsAsync(server, id, "Viewed")).Select(e => e.Details.GetValueOrDefault("view")).ToList();

    private static async Task<List<(string Actor, Dictionary<string, string?> Details)>> EventsAsync(WebServer server, Guid id, string action)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();
        var events = await db.CustodyEvents.AsNoTracking().Where(e => e.EvidenceId == id && e.Action == action).OrderBy(e => e.Sequence).ToListAsync();
        return events.Select(e => (e.Actor, JsonSerializer.Deserialize<Dictionary<string, string?>>(e.Details)!)).ToList();
    }

    /// <summary>A real PNG of the given size, made with ImageSharp (a different picture for each size).</summary>
    internal static byte[] Png(int width, int height)
    {
        using var image = new Image<SixLabors.ImageSharp.PixelFormats.Rgba32>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                image[x, y] = new SixLabors.ImageSharp.PixelFormats.Rgba32((byte)(x * 4), (byte)(y * 5), (byte)(width + height), 255);
            }
        }
        using var output = new MemoryStream();
        image.SaveAsPng(output);
        return output.ToArray();
    }

    /// <summary>An MP4-typed file (an ftyp box, then numbered bytes): the ranges are checked byte for byte.</summary>
    private static byte[] FakeMp4(int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)(i * 31 + i / 256);
        }
        byte[] box = [0, 0, 0, 0x18, .. "ftypisom"u8.ToArray(), 0, 0, 2, 0, .. "isomiso2"u8.ToArray()];
        box.CopyTo(bytes, 0);
        return bytes;
    }

    /// <summary>A valid PNG header declaring <paramref name="width"/> × <paramref name="height"/> RGBA pixels, with a few bytes of image data.</summary>
    private static byte[] PngDeclaring(int width, int height)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = 6; // RGBA
        var pixels = new MemoryStream();
        using (var zlib = new ZLibStream(pixels, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(new byte[1024]);
        }
        return [.. (byte[])[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], .. Chunk("IHDR", header), .. Chunk("IDAT", pixels.ToArray()), .. Chunk("IEND", [])];
    }

    private static byte[] Chunk(string type, byte[] data)
    {
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        var chunk = new byte[4 + typed.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        typed.CopyTo(chunk, 4);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(4 + typed.Length), Crc32.HashToUInt32(typed));
        return chunk;
    }
}
