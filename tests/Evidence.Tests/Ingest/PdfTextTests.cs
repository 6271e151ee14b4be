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
    private static byte[] Pdf(string line)
    {
        var content = $"BT /F1 12 Tf 72 720 Td ({line}) Tj ET";
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            $"<< /Length {content.Length} >>\nstream\n{content}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ];
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
        return Encoding.ASCII.GetBytes(pdf.ToString());
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
}
