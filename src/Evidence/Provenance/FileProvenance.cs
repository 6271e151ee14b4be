using System.Globalization;
using System.Text.Json;
using Evidence.Domain;
using Evidence.Requests;

namespace Evidence.Provenance;

/// <summary>
/// What a file says about its own origin, read once at intake from exactly the bytes that were hashed, and kept apart
/// from what the investigator stated. Stored with the item as JSON and bound to its <c>Ingested</c> event by its hash.
/// </summary>
/// <param name="Exif">What the file's EXIF, XMP or QuickTime metadata says.</param>
/// <param name="C2pa">The file's C2PA Content Credentials, checked (absent for items ingested before they were read).</param>
/// <param name="Signatures">The detached signatures that came with the file, each checked (null for items ingested before they were read).</param>
public sealed record FileProvenance(ExifFacts Exif, C2paVerdict? C2pa = null, IReadOnlyList<SignatureVerdict>? Signatures = null)
{
    public string ToJson() => JsonSerializer.Serialize(this, EvidenceJson.Options);

    /// <summary>The stored JSON read back; null for an item ingested before provenance was read.</summary>
    public static FileProvenance? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<FileProvenance>(json, EvidenceJson.Options);

    /// <summary>
    /// Where what the investigator stated and what the file says disagree by more than a court would overlook (a day, a
    /// kilometre): a warning to look at, never a refusal, since either may be the wrong one.
    /// </summary>
    public IReadOnlyList<string> Warnings(string? statedCapturedAt, ItemMetadata? stated)
    {
        var warnings = new List<string>();
        if (C2pa is { State: "invalid" } c2pa)
        {
            warnings.Add($"its C2PA Content Credentials do not verify ({string.Join(", ", c2pa.Failures)}): the file was changed after it was signed, or the credentials were forged");
        }
        foreach (var signature in Signatures ?? [])
        {
            if (signature.State == SignatureStates.Invalid)
            {
                warnings.Add($"its signature {signature.Sidecar} (key {signature.KeyId}) does not verify: the file was changed after it was signed, or the signature is not for this file");
            }
            // A file cannot be signed before it exists; signed later is ordinary (an archive signed when exported).
            else if (signature is { State: SignatureStates.Valid, CreatedAt: { } signedAt } && Instant(signedAt) is { } signed)
            {
                if (statedCapturedAt is { } captured && Instant(captured) is { } capture && (capture - signed).TotalDays > 1)
                {
                    warnings.Add($"its signature {signature.Sidecar} was made {signedAt}, more than a day before it was captured ({captured}) as stated");
                }
                else if (Exif.CapturedAt is { } fileCaptured && Instant(fileCaptured) is { } fileCapture && (fileCapture - signed).TotalDays > 1)
                {
                    warnings.Add($"its signature {signature.Sidecar} was made {signedAt}, more than a day before the file says it was captured ({fileCaptured})");
                }
            }
        }
        if (Exif.CapturedAt is { } fileTime && statedCapturedAt is { } statedTime
            && Instant(fileTime) is { } file && Instant(statedTime) is { } said && Math.Abs((file - said).TotalDays) > 1)
        {
            warnings.Add($"captured-at {statedTime} as stated, but the file says {fileTime}");
        }
        if (Exif is { Latitude: { } lat, Longitude: { } lon } && stated is { Latitude: { } statedLat, Longitude: { } statedLon })
        {
            var km = Kilometres(lat, lon, statedLat, statedLon);
            if (km > 1)
            {
                warnings.Add(FormattableString.Invariant($"coordinates {statedLat},{statedLon} as stated, but the file's GPS says {lat},{lon} ({km:0.#} km apart)"));
            }
        }
        return warnings;
    }

    // A date or time as an instant; a local time (no offset) is taken as UTC, which is within the day's tolerance.
    private static DateTimeOffset? Instant(string value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant) ? instant : null;

    // Great-circle distance (haversine, mean Earth radius): enough to tell a kilometre from a street.
    private static double Kilometres(double lat1, double lon1, double lat2, double lon2)
    {
        static double Radians(double degrees) => degrees * Math.PI / 180;
        var dLat = Radians(lat2 - lat1);
        var dLon = Radians(lon2 - lon1);
        var a = Math.Pow(Math.Sin(dLat / 2), 2) + (Math.Cos(Radians(lat1)) * Math.Cos(Radians(lat2)) * Math.Pow(Math.Sin(dLon / 2), 2));
        return 6371.0088 * 2 * Math.Asin(Math.Sqrt(a));
    }
}
