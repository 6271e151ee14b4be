namespace Evidence.Viewing;

/// <summary>How an item can be looked at in the page, decided by its media type as detected from its bytes at intake.</summary>
public enum PreviewKind
{
    /// <summary>No preview: the file is opened as a download.</summary>
    None,
    Image,
    Video,
    Audio,
    Pdf,
    /// <summary>Shown as plain text: the page escapes it, and the preview route serves it as <c>text/plain</c>.</summary>
    Text,
}

/// <summary>
/// What a preview may show and as what type it is served. The rule that matters is the last line of defence against an
/// uploaded page: a browser runs script in HTML, SVG and XML documents, so those are never served as themselves: they are
/// shown as their source text (<c>text/plain</c>, with <c>nosniff</c> on every response), and everything without a known
/// safe viewer gets no preview at all.
/// </summary>
public static class Previews
{
    /// <summary>The type a plain-text preview is served as; the bytes are not transcoded, so a non-UTF-8 text shows garbled, never as code.</summary>
    public const string PlainText = "text/plain; charset=utf-8";

    /// <summary>The kind of preview <paramref name="mediaType"/> gets and the Content-Type it is served with (null for none).</summary>
    public static (PreviewKind Kind, string? ServedAs) Of(string mediaType) => mediaType switch
    {
        // Raster formats browsers draw without running anything; SVG is not one of them (it is a document that can hold script).
        "image/jpeg" or "image/png" or "image/gif" or "image/webp" or "image/bmp" or "image/avif" => (PreviewKind.Image, mediaType),
        "video/mp4" or "video/webm" or "video/quicktime" or "video/x-matroska" => (PreviewKind.Video, mediaType),
        "audio/mpeg" or "audio/ogg" or "audio/wav" or "audio/flac" or "audio/mp4" => (PreviewKind.Audio, mediaType),
        "application/pdf" => (PreviewKind.Pdf, mediaType),
        "text/plain" or "text/html" or "text/csv" or "application/json" or "application/xml" or "image/svg+xml" or "message/rfc822" => (PreviewKind.Text, PlainText),
        _ => (PreviewKind.None, null),
    };

    /// <summary>Whether <paramref name="mediaType"/> can have a thumbnail (the formats the thumbnail decoder reads).</summary>
    public static bool HasThumbnail(string mediaType) =>
        mediaType is "image/jpeg" or "image/png" or "image/gif" or "image/webp" or "image/bmp" or "image/tiff";
}
