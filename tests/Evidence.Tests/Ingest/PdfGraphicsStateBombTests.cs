using System.IO.Compression;
using System.Text;
using Evidence.Ingest;

namespace Evidence.Tests.Ingest;

/// <summary>
/// Review of issue 17 (a crafted file): the PDF bounds cap what streams decode to (64 MiB a stream, 512 MiB a document), but
/// not what PdfPig builds from a content stream well inside them. Each <c>q</c> operator pushes a deep copy of the graphics
/// state, about 250 bytes for the 2 bytes of "q ": a content stream of 4,000,000 of them (8 MB, which Flate packs into a
/// PDF of 8 KB) allocated 1,854 MiB to extract, and the 64 MiB a stream may decode to would take 16 GB.
/// An uncompressed content stream goes through no filter at all, so the caps do not count it. Now every decoded stream, and
/// the file itself for unfiltered ones, has its q operators counted first (Ingest/GraphicsStateCount.cs): nested past 256,
/// or saved more than 1,000,000 times, the PDF is ingested without its text.
/// </summary>
public sealed class PdfGraphicsStateBombTests
{
    // A one-page PDF whose content stream is the given text, Flate-compressed.
    internal static byte[] PdfWithContent(string content, bool compressed = true)
    {
        var stream = Encoding.ASCII.GetBytes(content);
        if (compressed)
        {
            using var packed = new MemoryStream();
            using (var zlib = new ZLibStream(packed, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zlib.Write(stream);
            }
            stream = packed.ToArray();
        }
        return PdfTextTests.PdfOf(
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            $"<< /Length {stream.Length}{(compressed ? " /Filter /FlateDecode" : "")} >>\nstream\n{Encoding.Latin1.GetString(stream)}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NestedGraphicsStates_ExtractionStaysWithinMemory(bool compressed)
    {
        var pdf = PdfWithContent(new StringBuilder().Insert(0, "q ", 4_000_000).Append("BT /F1 12 Tf 72 720 Td (words) Tj ET").ToString(), compressed);
        Assert.True(!compressed || pdf.Length < 64 << 10, $"{pdf.Length} bytes");
        GC.Collect();
        var before = GC.GetAllocatedBytesForCurrentThread();

        var text = ExtractedText.FromPdf(new MemoryStream(pdf));

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Null(text);
        Assert.True(allocated < 256L << 20, $"{allocated >> 20} MiB allocated to extract the text of a {pdf.Length >> 10} KB PDF");
    }

    /// <summary>Graphics states saved and restored as real pages do, a few deep and many times over, keep the text searchable.</summary>
    [Fact]
    public void OrdinarySavesAndRestores_KeepTheText()
    {
        var page = new StringBuilder();
        for (var i = 0; i < 2000; i++)
        {
            page.Append("q 1 0 0 1 0 0 cm q 0.5 g Q Q\n");
        }
        page.Append("q BT /F1 12 Tf 72 720 Td (Order on the transfer) Tj ET Q");

        Assert.Equal("Order on the transfer", ExtractedText.FromPdf(new MemoryStream(PdfWithContent(page.ToString()))));
        Assert.Equal("Order on the transfer", ExtractedText.FromPdf(new MemoryStream(PdfWithContent(page.ToString(), compressed: false))));
    }
}
