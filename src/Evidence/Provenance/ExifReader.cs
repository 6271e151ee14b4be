using System.Globalization;
using MetadataExtractor;
using MetadataExtractor.Formats.Exif;
using MetadataExtractor.Formats.QuickTime;

namespace Evidence.Provenance;

/// <summary>
/// What a photo or video says about itself in its EXIF, XMP or QuickTime metadata: when it was captured, where (GPS), and
/// by which device and software. It is what the file claims, kept apart from what the investigator stated; anyone with
/// exiftool can write any of it, so it corroborates and warns, it never proves.
/// </summary>
/// <param name="State"><c>read</c>, <c>absent</c> (no such metadata, or a kind of file that has none) or <c>unreadable</c>.</param>
/// <param name="CapturedAt">The original capture time as the file gives it: with its offset when the file says it, else local time.</param>
/// <param name="Latitude">From the GPS tags, in decimal degrees (WGS 84).</param>
/// <param name="Longitude">From the GPS tags, in decimal degrees (WGS 84).</param>
/// <param name="Make">The camera's maker, as the file names it.</param>
/// <param name="Model">The camera's model.</param>
/// <param name="Software">What last wrote the file, when it says so (an editor is worth noticing).</param>
/// <param name="Reason">Why the metadata could not be read.</param>
public sealed record ExifFacts(string State, string? CapturedAt, double? Latitude, double? Longitude, string? Make, string? Model, string? Software, string? Reason)
{
    public static readonly ExifFacts Absent = new("absent", null, null, null, null, null, null, null);
}

public static class ExifReader
{
    // EXIF's own tag for the offset of DateTimeOriginal (0x9011), which MetadataExtractor 2.4 does not name.
    private const int OffsetTimeOriginal = 0x9011;

    /// <summary>Reads the file's own metadata; never throws for a damaged or hostile file (the item is still evidence).</summary>
    public static ExifFacts Read(Stream file, string mediaType)
    {
        if (!(mediaType.StartsWith("image/", StringComparison.Ordinal) || mediaType.StartsWith("video/", StringComparison.Ordinal)))
        {
            return ExifFacts.Absent;
        }
        IReadOnlyList<MetadataExtractor.Directory> directories;
        try
        {
            if (PngCompressedChunks.Problem(file) is { } bomb)
            {
                return new ExifFacts("unreadable", null, null, null, null, null, null, $"not read: {bomb}");
            }
            directories = ImageMetadataReader.ReadMetadata(file);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // A truncated or crafted block, whatever the reader throws for it (ImageProcessingException, MetadataException,
            // IndexOutOfRangeException, ...): the item is still evidence, and its provenance says it could not be read.
            return Unreadable(e);
        }
        var ifd0 = directories.OfType<ExifIfd0Directory>().FirstOrDefault();
        var sub = directories.OfType<ExifSubIfdDirectory>().FirstOrDefault();
        var gps = directories.OfType<GpsDirectory>().FirstOrDefault()?.GetGeoLocation();
        var capturedAt = CaptureTime(sub) ?? MovieCreated(directories);
        var facts = new ExifFacts("read", capturedAt,
            gps is { IsZero: false } ? Math.Round(gps.Latitude, 7) : null,
            gps is { IsZero: false } ? Math.Round(gps.Longitude, 7) : null,
            Clean(ifd0?.GetString(ExifDirectoryBase.TagMake)),
            Clean(ifd0?.GetString(ExifDirectoryBase.TagModel)),
            Clean(ifd0?.GetString(ExifDirectoryBase.TagSoftware)),
            null);
        return facts with { State = facts is { CapturedAt: null, Latitude: null, Make: null, Model: null, Software: null } ? "absent" : "read" };
    }

    private static ExifFacts Unreadable(Exception e) =>
        new("unreadable", null, null, null, null, null, null, Cut(e.Message));

    // "2019:06:07 14:56:19" with an optional "+03:00" beside it, as ISO 8601.
    private static string? CaptureTime(ExifSubIfdDirectory? sub)
    {
        var text = sub?.GetString(ExifDirectoryBase.TagDateTimeOriginal)?.Trim();
        if (text is null || !DateTime.TryParseExact(text, "yyyy:MM:dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return null;
        }
        var offset = sub!.GetString(OffsetTimeOriginal)?.Trim();
        var iso = local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return offset is { Length: 6 } && (offset[0] is '+' or '-') && TimeSpan.TryParseExact(offset[1..], @"hh\:mm", CultureInfo.InvariantCulture, out _)
            ? iso + offset
            : iso;
    }

    private static string? MovieCreated(IEnumerable<MetadataExtractor.Directory> directories)
    {
        var movie = directories.OfType<QuickTimeMovieHeaderDirectory>().FirstOrDefault();
        // QuickTime keeps UTC seconds since 1904; zero means "not set".
        return movie is not null && movie.TryGetDateTime(QuickTimeMovieHeaderDirectory.TagCreated, out var created) && created.Year > 1904
            ? DateTime.SpecifyKind(created, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : null;
    }

    // A device name is text the file's author chose: trimmed, without control characters, bounded.
    private static string? Clean(string? value)
    {
        var text = value is null ? null : new string(value.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return string.IsNullOrEmpty(text) ? null : Cut(text);
    }

    private static string Cut(string value) => value.Length <= 200 ? value : value[..200];
}
