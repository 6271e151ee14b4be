using System.Text;
using Evidence.Ingest;
using Evidence.Search;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Ingest;

/// <summary>
/// A PDF's text layer is searchable like a text document's (issue 17, item 5); a damaged PDF is still evidence, only not
/// searchable by its words. The PDFs are written here by hand, byte by byte, as the PDF 1.4 reference describes them.
/// </summary>
public sealed class PdfTextTests : IAsyncLifetime
{
    private Slice slice = null!;

    public async Task InitializeAsync() => slice = await Slice.StartAsync();

    public async Task DisposeAsync() => await slice.DisposeAsync();

    /// <summary>A one-page PDF showing <paramref name="line"/> in Helvetica, with a correct cross-reference table.</summary>
    private static byte[] Pdf(string line, string pages = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", string extra = "")
    {
        var content = $"BT /F1 12 Tf 72 720 Td ({line}) Tj ET";
        return PdfOf(
            "<< /Type /Catalog /Pages 2 0 R >>",
            pages,
            $"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> {extra} >>",
            $"<< /Length {content.Length} >>\nstream\n{content}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    }

    [Fact]
    public async Task PdfText_IsSearchable()
    {
        var item = await slice.SendAsync(new IngestEvidence(slice.File("order.pdf", Pdf("Order on the evacuation of pupils of the Kherson home")), "Olena K."));

        var found = await slice.SendAsync(new SearchEvidence("evacuation"));

        Assert.Equal("application/pdf", item.MediaType);
        Assert.Equal(item.Id, Assert.Single(found).Id);
    }

    [Fact]
    public async Task DamagedPdf_IsStillIngested_NotSearchableByItsWords()
    {
        var damaged = Pdf("Order on the evacuation of pupils")[..60];

        var item = await slice.SendAsync(new IngestEvidence(slice.File("damaged.pdf", damaged), "Olena K."));

        Assert.Equal(damaged.Length, item.Size);
        Assert.Empty(await slice.SendAsync(new SearchEvidence("evacuation")));
    }

    /// <summary>The objects as a PDF with a correct cross-reference table; Latin-1, so a stream's binary bytes pass through.</summary>
    internal static byte[] PdfOf(params string[] objects)
    {
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = pdf.Length;
        pdf.Append($"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append($"{offset:D10} 00000 n \n");
        }
        pdf.Append($"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.Latin1.GetBytes(pdf.ToString());
    }

    /// <summary>A one-page PDF whose content stream is FlateDecode-compressed (zlib), as nearly every PDF writer does.</summary>
    private static byte[] FlatePdf(byte[] content)
    {
        var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(content);
        }
        return PdfOf(
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            $"<< /Length {compressed.Length} /Filter /FlateDecode >>\nstream\n{Encoding.Latin1.GetString(compressed.ToArray())}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    }

    [Fact]
    public async Task CompressedPdfText_IsSearchable()
    {
        var pdf = FlatePdf(Encoding.ASCII.GetBytes("BT /F1 12 Tf 72 720 Td (Decision on the transfer of guardianship) Tj ET"));

        await slice.SendAsync(new IngestEvidence(slice.File("decision.pdf", pdf), "Olena K."));

        Assert.Single(await slice.SendAsync(new SearchEvidence("guardianship")));
    }

    /// <summary>
    /// A PDF whose one content stream inflates past the limit (here 100 MiB of text operators in a 0.1 MiB file; such a
    /// file can inflate to gigabytes) is still ingested, whole, and is only not searchable by its words: the filter stops
    /// at 64 MiB instead of inflating it all into memory (before the limit, a 1.5 MB file took 4 GB and 17 s).
    /// </summary>
    [Fact]
    public async Task InflationBomb_IsIngestedWhole_WithoutItsText()
    {
        var line = Encoding.ASCII.GetBytes("BT /F1 12 Tf 72 720 Td (inflated) Tj ET\n");
        var content = new byte[100 << 20];
        for (var i = 0; i + line.Length <= content.Length; i += line.Length)
        {
            line.CopyTo(content, i);
        }
        var bomb = FlatePdf(content);

        var item = await slice.SendAsync(new IngestEvidence(slice.File("bomb.pdf", bomb), "Olena K."));

        Assert.True(bomb.Length < 2 << 20, $"the test file should be small: {bomb.Length} bytes");
        Assert.Equal((bomb.Length, "application/pdf"), (item.Size, item.MediaType));
        Assert.Empty(await slice.SendAsync(new SearchEvidence("inflated")));
        Assert.Null(ExtractedText.FromPdf(new MemoryStream(bomb)));
    }

    /// <summary>Objects nested 200,000 deep, a page tree that contains itself, references to itself: ingested, never a crash or a hang.</summary>
    [Fact]
    public async Task DeeplyNestedOrLoopingPdf_IsIngested()
    {
        var deep = Pdf("nested", extra: "/X " + new string('[', 200_000) + new string(']', 200_000));
        var loop = Pdf("looping pages", pages: "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>");
        var dictionaries = Pdf("dictionaries", extra: "/X " + string.Concat(Enumerable.Repeat("<< /A ", 100_000)) + "1" + string.Concat(Enumerable.Repeat(" >>", 100_000)));

        foreach (var (name, bytes) in new[] { ("deep.pdf", deep), ("loop.pdf", loop), ("dictionaries.pdf", dictionaries) })
        {
            var item = await slice.SendAsync(new IngestEvidence(slice.File(name, bytes), "Olena K."));
            Assert.Equal(bytes.Length, item.Size);
        }
        // The page that is really there is still read, once.
        Assert.Single(await slice.SendAsync(new SearchEvidence("looping")));
    }
}
