namespace Evidence.Domain;

/// <summary>Who a referral package is addressed to (ARCHITECTURE §5).</summary>
public enum RecipientKind
{
    /// <summary>The ICC Office of the Prosecutor: an Article 15 communication.</summary>
    Icc,

    /// <summary>A national prosecutor; by default the Office of the Prosecutor General of Ukraine.</summary>
    National,
}

/// <summary>
/// A referral package as issued: the zipped BagIt bag's SHA-256 and size, for whom, and the checkpoint its
/// custody proofs are against. Never changed once recorded.
/// </summary>
public sealed class ReferralPackage
{
    public Guid Id { get; init; }
    public Guid IncidentId { get; init; }
    public Guid? PerpetratorId { get; init; }
    public RecipientKind Recipient { get; init; }
    public required string RecipientName { get; init; }
    public required string RecipientAddress { get; init; }
    public string? RecipientReference { get; init; }

    /// <summary>Lower-case hex SHA-256 of the zip file as written.</summary>
    public required string Sha256 { get; init; }
    public long Bytes { get; init; }
    public int Items { get; init; }

    /// <summary>The size of the checkpoint whose root the package's inclusion proofs lead to.</summary>
    public long CheckpointSize { get; init; }
    public bool IncludesIdentities { get; init; }
    public required string FileName { get; init; }
    public DateTime CreatedAtUtc { get; init; }
    public required string CreatedBy { get; init; }
}

/// <summary>
/// An item's evidence registration number, ICC style: <c>&lt;SITUATION&gt;-&lt;ORG&gt;-&lt;batch&gt;-&lt;item&gt;</c>
/// (UKR-EVD-0003-0012), and for an item made from another (a translation, a redaction) the number of the item it was made
/// from with a suffix (UKR-EVD-0003-0012-T01). Given the first time the item is packaged, or numbered as the original of
/// a packaged item, and kept for good, so every package and every filing that cites it uses the same number.
/// </summary>
public sealed class RegistrationNumber
{
    public Guid EvidenceId { get; init; }
    public required string Ern { get; init; }
    public int Batch { get; init; }
    public int Item { get; init; }

    /// <summary>
    /// Empty for an item numbered in its own right; for a derived item, what follows the batch and item of the family's
    /// original: "T01", or "X01-T01" for the translation of a transcript (Batch and Item are then the original's).
    /// </summary>
    public string Suffix { get; init; } = "";

    /// <summary>The package that first carried the item (or, for an original numbered for its derived item, that package).</summary>
    public Guid PackageId { get; init; }
    public DateTime AssignedAtUtc { get; init; }
}
