namespace Evidence.Domain;

/// <summary>Whether an item is the recording as made, a copy of it, or a work made from another item.</summary>
public enum ItemGeneration
{
    Original,
    Copy,
    Derived,
}

/// <summary>What a derived item is, made from its original (e-Court's suffixes: T for a translation, R for a redaction, ...).</summary>
public enum DerivedKind
{
    Translation,
    Transcript,
    Redaction,
    Summary,
    Ocr,
}

/// <summary>What the person in an item said about its use (the Berkeley Protocol's informed consent).</summary>
public enum ConsentState
{
    Given,
    Refused,
    NotRequired,
    Unknown,
}

/// <summary>
/// Who may see an item. Strictly confidential items are seen only by the members of their case (and who ingested them),
/// and by prosecutors only of the office an incident they are tagged to was referred to.
/// </summary>
public enum Confidentiality
{
    Public,
    Confidential,
    StrictlyConfidential,
}

/// <summary>
/// What the investigator states about an item for a court (../shared/COURT.md): where, in which languages, original or
/// copy, where it was found online, by which device, consent, and who may see it. Each statement is one version, never
/// changed: the first is recorded with the item's <c>Ingested</c> event, each amendment is a new version with its
/// <c>MetadataAmended</c> event and its reason, so the old values stay visible. The current statement is the latest.
/// </summary>
public sealed class ItemMetadata
{
    public Guid Id { get; init; }
    public Guid EvidenceId { get; init; }

    /// <summary>0 for what was stated at intake, then 1, 2, ... for each amendment.</summary>
    public int Version { get; init; }

    public string? Place { get; init; }
    public double? Latitude { get; init; }
    public double? Longitude { get; init; }

    /// <summary>BCP 47 language tags, separated by spaces: "uk ru".</summary>
    public string? Languages { get; init; }

    public ItemGeneration? Generation { get; init; }

    /// <summary>For a copy: where the original is held, in the investigator's words.</summary>
    public string? OriginalHeldAt { get; init; }

    /// <summary>For a derived item: the item it was made from, and what it is.</summary>
    public Guid? DerivedFrom { get; init; }
    public DerivedKind? DerivedKind { get; init; }

    /// <summary>For an open-source item: where it was found, and when (a partial date).</summary>
    public string? SourceUrl { get; init; }
    public string? RetrievedAt { get; init; }

    public string? Device { get; init; }
    public ConsentState? Consent { get; init; }
    public string? ConsentScope { get; init; }
    public bool? WillingToTestify { get; init; }
    public Confidentiality Confidentiality { get; init; }

    /// <summary>Why this version replaced the previous one; null for the statement at intake.</summary>
    public string? Reason { get; init; }

    public DateTime StatedAtUtc { get; init; }
    public required string StatedBy { get; init; }

    /// <summary>
    /// 16 random bytes (hex) drawn for this statement, kept here and never in the log. The log binds this statement's free
    /// text and coordinates by the SHA-256 of salt and value: a plain hash of a latitude is read back by trying all 1.8
    /// million of four decimals in a second, a salted one is not. Null for statements recorded before the salt (bound by
    /// plain hashes, which verify still checks).
    /// </summary>
    public string? Salt { get; init; }
}
