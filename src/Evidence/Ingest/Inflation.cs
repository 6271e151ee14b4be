using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Evidence.Ingest;

/// <summary>
/// How far zlib data inflates, counted without keeping it: the check that comes before handing compressed parts of a
/// file (a PDF stream, a PNG text chunk) to a reader that would inflate them whole into memory. A few kilobytes of zlib
/// can inflate to gigabytes.
/// </summary>
internal static class Inflation
{
    /// <summary>The inflated length of zlib (or bare deflate) data, or just past <paramref name="limit"/> if it goes further; 0 if it is not deflate data.</summary>
    public static long Length(ReadOnlyMemory<byte> compressed, long limit)
    {
        // Read in place: a PDF stream may be tens of megabytes, and copying it only to count would double that.
        var bytes = MemoryMarshal.TryGetArray(compressed, out var segment) ? segment : new ArraySegment<byte>(compressed.ToArray());
        foreach (var skip in new[] { 0, 2 })
        {
            try
            {
                var from = Math.Min(skip, bytes.Count);
                using var source = new MemoryStream(bytes.Array!, bytes.Offset + from, bytes.Count - from, writable: false);
                using Stream inflating = skip == 0 ? new ZLibStream(source, CompressionMode.Decompress) : new DeflateStream(source, CompressionMode.Decompress);
                var buffer = new byte[64 << 10];
                long total = 0;
                int read;
                while ((read = inflating.Read(buffer)) > 0)
                {
                    total += read;
                    if (total > limit)
                    {
                        return total;
                    }
                }
                return total;
            }
            catch (InvalidDataException)
            {
                // Not a zlib stream: writers sometimes omit the two-byte header; try bare deflate, as readers do.
            }
        }
        return 0;
    }
}
