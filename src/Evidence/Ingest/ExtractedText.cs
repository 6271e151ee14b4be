using System.Text;

namespace Evidence.Ingest;

/// <summary>
/// The text search indexes for an item: the start (64 KiB) of a plain-text, HTML or JSON document, as read while
/// hashing, or of a PDF's text layer (PdfPig). Images, audio, video and scanned pages without a text layer have no text
/// here; their words come from transcripts and translations, ingested as items of their own.
/// </summary>
internal static class ExtractedText
{
    private const int MaxChars = 64 * 1024;

    // A hostile PDF can hold thousands of pages; the index needs the start, not the whole.
    private const int MaxPages = 200;

    /// <summary>The start of a PDF's text, read from the staged copy; null when it has none or cannot be read.</summary>
    public static string? FromPdf(Stream pdf)
    {
        try
        {
            // Streams without a filter never pass through BoundedPdfFilters: their operators are counted here, in the file itself.
            var count = new GraphicsStateCount();
            var block = new byte[64 << 10];
            int read;
            while ((read = pdf.Read(block)) > 0 && count.Problem is null)
            {
                count.Add(block.AsSpan(0, read));
            }
            count.Add(" "u8);
            if (count.Problem is not null)
            {
                return null;
            }
            pdf.Position = 0;
            using var document = UglyToad.PdfPig.PdfDocument.Open(pdf, new UglyToad.PdfPig.ParsingOptions { UseLenientParsing = true, FilterProvider = new BoundedPdfFilters() });
            var text = new StringBuilder();
            foreach (var page in document.GetPages().Take(MaxPages))
            {
                text.Append(page.Text).Append(' ');
                if (text.Length >= MaxChars)
                {
                    break;
                }
            }
            return Clean(text.Length > MaxChars ? text.ToString(0, MaxChars) : text.ToString());
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // A damaged or hostile PDF is still evidence; it is only not searchable by its words.
            return null;
        }
    }

    public static string? FromHead(string mediaType, byte[] head)
    {
        if (mediaType is not ("text/plain" or "text/html" or "application/json") || head.Length == 0)
        {
            return null;
        }
        return Clean(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetString(head));
    }

    private static string? Clean(string text)
    {
        // Control and format characters carry no words and can hide text from a reader of the index.
        var clean = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            clean.Append(char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format ? ' ' : c);
        }
        return clean.ToString().Trim() is { Length: > 0 } result ? result : null;
    }
}
