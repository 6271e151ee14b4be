namespace Evidence.Domain;

/// <summary>
/// One collected item: the bytes (by their SHA-256, which is also their blob address) and what was said
/// about them when they were collected. Never deleted, never rewritten: corrections are new custody events.
/// </summary>
public sealed class EvidenceItem
{
    public Guid Id { get; init; }
    public Guid? CaseId { get; init; }

    /// <summary>Lower-case hex SHA-256 of the bytes as ingested: the custody hash and the blob address.</summary>
    public required string Sha256 { get; init; }
    public long Size { get; init; }

    /// <summary>Detected from the bytes, never from the file name's extension.</summary>
    public required string MediaType { get; init; }

    /// <summary>The file's name as it was found, kept exactly as metadata; never used to build a path.</summary>
    public required string OriginalName { get; init; }

    /// <summary>The person who collected the item in the field.</summary>
    public required string Collector { get; init; }

    /// <summary>Where the item came from, in the investigator's words (device, URL and date obtained, witness).</summary>
    public string? Source { get; init; }

    /// <summary>When the item was captured, as ISO 8601 at the precision known: "2022-10-14", or "2022-10-14T08:30:00Z".</summary>
    public string? CapturedAt { get; init; }

    public DateTime IngestedAtUtc { get; init; }
    public required string IngestedBy { get; init; }

    /// <summary>
    /// The start of a text document, sealed (<c>Search/SealedText.cs</c>: it is evidence too); null for binary formats. Items
    /// recorded before sealing existed hold it in clear until <c>evidence encrypt-existing</c> seals it.
    /// </summary>
    public string? ExtractedText { get; internal set; }

    /// <summary>The keyed blind index of the extracted text: what full-text search matches, holding no word of the text.</summary>
    public string? SearchWords { get; internal set; }

    /// <summary>The first item ingested with the same bytes, when this one repeats it.</summary>
    // Set under the write lock when the item is recorded (Ingest/EvidenceIntake.cs): the first item recorded with the same bytes.
    public Guid? DuplicateOf { get; internal set; }

    /// <summary>What the file says about its own origin (EXIF, GPS, device), read at intake as JSON; null before it was read.</summary>
    public string? Provenance { get; init; }
}
