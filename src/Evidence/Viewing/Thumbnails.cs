using Evidence.Requests;
using Microsoft.Extensions.Caching.Memory;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Evidence.Viewing;

/// <summary>
/// Makes small JPEG thumbnails of evidence images with ImageSharp, treating every file as hostile:
/// <list type="bullet">
/// <item>The size the file declares is read first (<c>Image.Identify</c>, headers only) and anything over
/// <see cref="MaxPixels"/> is refused before a pixel is decoded: a PNG of a few hundred bytes can declare 100,000 × 100,000
/// pixels (40 GB of memory).</item>
/// <item>Only the first frame of a GIF or TIFF is decoded; animated WebP is refused (its decoder in 2.1 has no frame
/// limit); the allocator refuses any single buffer over <see cref="AllocationLimitMegabytes"/>; at most two images
/// are decoded at once, so a page of thumbnails cannot take the server's memory.</item>
/// <item>The EXIF orientation is applied, then every metadata profile (EXIF with its GPS position, XMP, IPTC, ICC) is
/// dropped: a thumbnail says nothing about where or with what a child was photographed.</item>
/// </list>
/// A file that cannot be decoded gets no thumbnail (a <see cref="NotFoundException"/> with the reason), never a server error.
/// <para>
/// Thumbnails are kept in memory (never on disk, which would be a second, unencrypted copy of the content) by the
/// content's SHA-256, and only <see cref="GetThumbnail"/> reads them, after its access check and with its own
/// <c>Viewed</c> event for every thumbnail served, from the cache or not.
/// </para>
/// </summary>
public sealed class Thumbnails : IDisposable
{
    public const int MaxPixels = 40_000_000;
    public const int Box = 320;
    public const long MaxFileBytes = 64L * 1024 * 1024;
    private const int AllocationLimitMegabytes = 200;

    private readonly Configuration configuration;
    private readonly SemaphoreSlim decoding = new(2);
    // About 3,000 thumbnails of 20 KB; each entry's size is its byte count.
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 64L * 1024 * 1024 });

    public Thumbnails()
    {
        configuration = Configuration.Default.Clone();
        configuration.MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = AllocationLimitMegabytes });
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First, MaxFrames = 1 });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
    }

    /// <summary>The JPEG thumbnail of the bytes with this SHA-256, made from <paramref name="open"/> if it is not cached.</summary>
    public async Task<byte[]> OfAsync(string sha256, long size, Func<CancellationToken, Task<Stream>> open, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(sha256, out byte[]? cached) && cached is not null)
        {
            return cached;
        }
        if (size > MaxFileBytes)
        {
            throw new NotFoundException($"No thumbnail: the file is larger than the {MaxFileBytes / (1024 * 1024)} MB a thumbnail is made from. Open the file instead.");
        }
        await decoding.WaitAsync(cancellationToken);
        try
        {
            using var buffer = new MemoryStream();
            await using (var content = await open(cancellationToken))
            {
                await content.CopyToAsync(buffer, cancellationToken);
            }
            var thumbnail = Render(buffer);
            cache.Set(sha256, thumbnail, new MemoryCacheEntryOptions { Size = thumbnail.Length });
            return thumbnail;
        }
        finally
        {
            decoding.Release();
        }
    }

    /// <summary>Renders one image already in memory; refuses what must not be decoded.</summary>
    internal byte[] Render(MemoryStream bytes)
    {
        try
        {
            bytes.Position = 0;
            var info = Image.Identify(configuration, bytes)
                ?? throw new NotFoundException("No thumbnail: the file is not an image format the thumbnailer reads.");
            var pixels = (long)info.Width * info.Height;
            if (info.Width <= 0 || info.Height <= 0 || pixels > MaxPixels)
            {
                throw new NotFoundException(
                    $"No thumbnail: the image declares {info.Width} × {info.Height} pixels, more than the {MaxPixels / 1_000_000} megapixels a thumbnail is made from. Open the file instead.");
            }
            if (IsAnimatedWebp(bytes.GetBuffer().AsSpan(0, (int)bytes.Length)))
            {
                throw new NotFoundException("No thumbnail: animated WebP images are not decoded for thumbnails. Open the file instead.");
            }
            bytes.Position = 0;
            using var image = Image.Load<Rgba32>(configuration, bytes);
            image.Mutate(x => x.AutoOrient()
                .Resize(new ResizeOptions { Size = new Size(Box, Box), Mode = ResizeMode.Max, Sampler = KnownResamplers.Bicubic })
                .BackgroundColor(Color.White));
            // After AutoOrient, which reads the orientation from the EXIF profile: nothing of the file's metadata travels.
            image.Metadata.ExifProfile = null;
            image.Metadata.XmpProfile = null;
            image.Metadata.IptcProfile = null;
            image.Metadata.IccProfile = null;
            foreach (var frame in image.Frames)
            {
                frame.Metadata.ExifProfile = null;
                frame.Metadata.XmpProfile = null;
                frame.Metadata.IccProfile = null;
                frame.Metadata.IptcProfile = null;
            }
            using var output = new MemoryStream();
            image.SaveAsJpeg(output, new JpegEncoder { Quality = 80 });
            return output.ToArray();
        }
        catch (Exception e) when (e is not EvidenceException and not OperationCanceledException)
        {
            // ImageFormatException (unknown, invalid content), the allocator's limit, and whatever else a decoder throws on a
            // hostile file: all mean the same to the reader, no thumbnail, never a server error.
            throw new NotFoundException($"No thumbnail: the image could not be decoded ({e.GetType().Name}). Open the file instead.");
        }
    }

    /// <summary>A WebP with the animation flag set in its VP8X header (RIFF, size, WEBP, VP8X, chunk size, flags).</summary>
    private static bool IsAnimatedWebp(ReadOnlySpan<byte> head) =>
        head.Length >= 21 && head[..4].SequenceEqual("RIFF"u8) && head.Slice(8, 4).SequenceEqual("WEBP"u8)
        && head.Slice(12, 4).SequenceEqual("VP8X"u8) && (head[20] & 0x02) != 0;

    public void Dispose()
    {
        cache.Dispose();
        decoding.Dispose();
    }
}
