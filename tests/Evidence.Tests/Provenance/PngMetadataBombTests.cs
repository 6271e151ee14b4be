using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using Evidence.Provenance;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Provenance;

/// <summary>
/// Time and memory stay bounded on hostile metadata (issue 17, bad input): MetadataExtractor inflates a PNG's compressed
/// text and colour-profile chunks whole, so a 3 MB PNG whose zTXt and iCCP chunks inflate to 1.5 GB each made it take
/// 5 GB of memory. Such a PNG is now not read (provenance unreadable, with the reason) and is still evidence; a PNG with
/// ordinary compressed metadata, written by exiftool, is read as before.
/// </summary>
public sealed class PngMetadataBombTests
{
    private static byte[] Chunk(string type, byte[] data)
    {
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        var chunk = new byte[4 + typed.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        typed.CopyTo(chunk, 4);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(4 + typed.Length), Crc32.HashToUInt32(typed));
        return chunk;
    }

    /// <summary>A 1×1 grey PNG with the given chunks before its image data.</summary>
    private static byte[] Png(params byte[][] chunks)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, 1);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 1);
        header[8] = 8; // bit depth; colour type 0 (grey)
        var pixels = new MemoryStream();
        using (var zlib = new ZLibStream(pixels, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write([0, 0x80]); // filter byte, one grey pixel
        }
        return [.. (byte[])[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], .. Chunk("IHDR", header), .. chunks.SelectMany(c => c),
            .. Chunk("IDAT", pixels.ToArray()), .. Chunk("IEND", [])];
    }

    private static byte[] Zeros(int mebibytes)
    {
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var block = new byte[1 << 20];
            for (var i = 0; i < mebibytes; i++)
            {
                zlib.Write(block);
            }
        }
        return compressed.ToArray();
    }

    [Theory]
    [InlineData("zTXt")]
    [InlineData("iCCP")]
    [InlineData("iTXt")]
    public void CompressedChunkInflatingToHundredsOfMegabytes_IsNotRead_AndSaysWhy(string type)
    {
        var zeros = Zeros(200);
        byte[] data = type == "iTXt"
            ? [.. "Comment"u8, 0, 1, 0, .. "en"u8, 0, 0, .. zeros] // compressed flag 1, method 0, language, no translated keyword
            : [.. "Comment"u8, 0, 0, .. zeros];
        var png = Png(Chunk(type, data));

        var facts = ExifReader.Read(new MemoryStream(png), "image/png");

        Assert.True(png.Length < 1 << 20, $"the bomb should be small: {png.Length} bytes");
        Assert.Equal("unreadable", facts.State);
        Assert.Contains($"compressed {type} metadata inflates past 16 MiB", facts.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PngWithOrdinaryCompressedMetadata_FromExiftool_IsStillRead()
    {
        using var home = new TestHome();
        var path = home.File("comment.png", Png());
        // exiftool writes a compressed zTXt chunk with -z; the capture time goes into an eXIf/XMP block it also writes.
        var (exit, _, err) = await Run.ProcessAsync("exiftool", "-q", "-z", "-overwrite_original", "-PNG:Comment=" + new string('x', 100_000),
            "-DateTimeOriginal=2022:10:14 09:30:00", path);
        Assert.True(exit == 0, err);

        var facts = ExifReader.Read(File.OpenRead(path), "image/png");

        Assert.NotEqual("unreadable", facts.State);
        Assert.Equal("2022-10-14T09:30:00", facts.CapturedAt);
    }
}
