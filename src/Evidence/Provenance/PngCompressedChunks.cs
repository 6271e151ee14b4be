using System.Buffers.Binary;
using System.Text;
using Evidence.Ingest;

namespace Evidence.Provenance;

/// <summary>
/// The check before a PNG reaches MetadataExtractor, which inflates every compressed text and colour-profile chunk
/// (<c>zTXt</c>, <c>iTXt</c>, <c>iCCP</c>) whole into memory: a 3 MB PNG made that reader take 5 GB and 8 s. A PNG whose
/// compressed chunks are larger, or inflate further, than a photo's metadata ever does is not read, and its provenance
/// says why.
/// </summary>
internal static class PngCompressedChunks
{
    private const long MaxInflated = 16 << 20;
    private const int MaxChunkBytes = 16 << 20;
    private const int MaxChunks = 100_000;
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Why the PNG must not be read, or null when it may (or is not a PNG). Leaves the stream at its start.</summary>
    public static string? Problem(Stream file)
    {
        try
        {
            return Scan(file);
        }
        finally
        {
            file.Position = 0;
        }
    }

    private static string? Scan(Stream file)
    {
        var head = new byte[8];
        file.Position = 0;
        if (file.ReadAtLeast(head, 8, throwOnEndOfStream: false) < 8 || !head.AsSpan().SequenceEqual(Signature))
        {
            return null;
        }
        long inflated = 0;
        for (var chunks = 0; chunks < MaxChunks; chunks++)
        {
            if (file.ReadAtLeast(head, 8, throwOnEndOfStream: false) < 8)
            {
                return null; // the end, or a truncated file: the reader reports what it finds
            }
            var length = BinaryPrimitives.ReadUInt32BigEndian(head);
            var type = Encoding.ASCII.GetString(head, 4, 4);
            if (type is not ("zTXt" or "iTXt" or "iCCP"))
            {
                if (type == "IEND" || length > int.MaxValue || file.Position + length + 4 > file.Length)
                {
                    return null;
                }
                file.Position += length + 4; // data and CRC
                continue;
            }
            if (length > MaxChunkBytes)
            {
                return $"its {type} chunk holds {length:N0} bytes of compressed metadata, more than any photo's";
            }
            var data = new byte[length];
            if (file.ReadAtLeast(data, data.Length, throwOnEndOfStream: false) < data.Length)
            {
                return null;
            }
            file.Position += 4;
            if (Compressed(type, data) is { } compressed && (inflated += Inflation.Length(compressed, MaxInflated)) > MaxInflated)
            {
                return $"its compressed {type} metadata inflates past {MaxInflated >> 20} MiB";
            }
        }
        return $"it has more than {MaxChunks:N0} chunks";
    }

    // Where each chunk's compressed bytes start (PNG 1.2, §11.3.3-4 and §11.3.4.5): after the keyword's NUL and the method byte;
    // for iTXt, only when its compression flag is set, after the language tag and the translated keyword.
    private static ReadOnlyMemory<byte> Compressed(string type, byte[] data)
    {
        var keywordEnd = Array.IndexOf(data, (byte)0);
        if (keywordEnd < 0)
        {
            return default;
        }
        if (type != "iTXt")
        {
            return data.AsMemory(Math.Min(data.Length, keywordEnd + 2));
        }
        if (keywordEnd + 2 >= data.Length || data[keywordEnd + 1] != 1)
        {
            return default;
        }
        var languageEnd = Array.IndexOf(data, (byte)0, keywordEnd + 3);
        var translatedEnd = languageEnd < 0 ? -1 : Array.IndexOf(data, (byte)0, languageEnd + 1);
        return translatedEnd < 0 ? default : data.AsMemory(translatedEnd + 1);
    }
}
