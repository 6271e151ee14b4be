using System.Text;

namespace Evidence.Ingest;

/// <summary>
/// The text search indexes for an item: the start (64 KiB) of a plain-text, HTML or JSON document, as read while
/// hashing. Binary formats (PDF, images, video) are not opened here; their text comes from transcripts, which
/// are ingested as items of their own.
/// </summary>
internal static class ExtractedText
{
    public static string? FromHead(string mediaType, byte[] head)
    {
        if (mediaType is not ("text/plain" or "text/html" or "application/json") || head.Length == 0)
        {
            return null;
        }
        var text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetString(head);
        // Control and format characters carry no words and can hide text from a reader of the index.
        var clean = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            clean.Append(char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format ? ' ' : c);
        }
        return clean.ToString().Trim() is { Length: > 0 } result ? result : null;
    }
}
