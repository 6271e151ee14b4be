using System.Text;

namespace Evidence.Ingest;

/// <summary>
/// Names a file's media type from its first bytes, never from its extension: a renamed file keeps its
/// true type, and a hostile name cannot pass for another kind of file.
/// </summary>
public static class MediaTypes
{
    public const string Unknown = "application/octet-stream";

    public static string Detect(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty)
        {
            return "application/x-empty";
        }
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "image/jpeg";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return "image/png";
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8)) return "image/gif";
        if (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8)) return "image/tiff";
        if (head.StartsWith("BM"u8) && head.Length >= 14) return "image/bmp";
        if (head.StartsWith("%PDF-"u8)) return "application/pdf";
        if (head.StartsWith("{\\rtf"u8)) return "application/rtf";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3])) return head.IndexOf("webm"u8) >= 0 ? "video/webm" : "video/x-matroska";
        if (head.StartsWith("OggS"u8)) return "audio/ogg";
        if (head.StartsWith("fLaC"u8)) return "audio/flac";
        if (head.StartsWith("ID3"u8) || (head.Length > 1 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0 && (head[1] & 0x06) != 0)) return "audio/mpeg";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])) return "application/x-ole-storage";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C])) return "application/x-7z-compressed";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B])) return "application/gzip";
        if (head.Length >= 12 && head.StartsWith("RIFF"u8))
        {
            var form = head.Slice(8, 4);
            if (form.SequenceEqual("WEBP"u8)) return "image/webp";
            if (form.SequenceEqual("WAVE"u8)) return "audio/wav";
            if (form.SequenceEqual("AVI "u8)) return "video/x-msvideo";
        }
        if (head.Length >= 12 && head.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            return IsoBrand(Encoding.ASCII.GetString(head.Slice(8, 4)));
        }
        if (head.StartsWith("PK\x03\x04"u8))
        {
            return ZipFlavour(head);
        }
        return LooksLikeText(head) ? TextFlavour(head) : Unknown;
    }

    private static string IsoBrand(string brand) => brand switch
    {
        "heic" or "heix" or "hevc" or "heim" or "heis" or "mif1" or "msf1" => "image/heic",
        "avif" => "image/avif",
        "qt  " => "video/quicktime",
        "M4A " or "M4B " => "audio/mp4",
        "3gp4" or "3gp5" or "3gp6" or "3g2a" => "video/3gpp",
        _ => "video/mp4",
    };

    // Office documents are zip files; the first entry names usually tell which kind.
    private static string ZipFlavour(ReadOnlySpan<byte> head)
    {
        if (head.IndexOf("word/"u8) >= 0) return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        if (head.IndexOf("xl/"u8) >= 0) return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        if (head.IndexOf("ppt/"u8) >= 0) return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
        if (head.IndexOf("mimetypeapplication/vnd.oasis.opendocument.text"u8) >= 0) return "application/vnd.oasis.opendocument.text";
        return "application/zip";
    }

    private static bool LooksLikeText(ReadOnlySpan<byte> head)
    {
        if (head.IndexOf((byte)0) >= 0)
        {
            return false;
        }
        // A multi-byte character may be cut at the end of the head: judge only up to the last whole one.
        var end = head.Length;
        while (end > 0 && end > head.Length - 4 && (head[end - 1] & 0xC0) == 0x80)
        {
            end--;
        }
        if (end > 0 && head[end - 1] >= 0xC0)
        {
            end--;
        }
        return System.Text.Unicode.Utf8.IsValid(head[..end]);
    }

    private static string TextFlavour(ReadOnlySpan<byte> head)
    {
        var start = head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var text = Encoding.UTF8.GetString(head[start..]).TrimStart();
        if (text.StartsWith("<?xml", StringComparison.Ordinal)) return "application/xml";
        if (text.StartsWith("<!DOCTYPE html", StringComparison.OrdinalIgnoreCase) || text.StartsWith("<html", StringComparison.OrdinalIgnoreCase)) return "text/html";
        if (text.StartsWith("From:", StringComparison.Ordinal) || text.StartsWith("Received:", StringComparison.Ordinal) || text.StartsWith("Return-Path:", StringComparison.Ordinal)) return "message/rfc822";
        if ((text.StartsWith('{') || text.StartsWith('[')) && IsJsonStart(text)) return "application/json";
        return "text/plain";
    }

    private static bool IsJsonStart(string text)
    {
        var rest = text[1..].TrimStart();
        return rest.Length == 0 || rest[0] is '"' or '{' or '[' or ']' or '}' || char.IsDigit(rest[0]);
    }
}
