namespace Evidence.Domain;

/// <summary>
/// The hash of a perfect subtree of the ledger: 2^Level leaves starting at leaf Index * 2^Level. Level 0 is
/// a leaf hash. A cache that lets proofs be served with a few lookups; verify never trusts it.
/// </summary>
public sealed class MerkleNode
{
    public int Level { get; init; }
    public long Index { get; init; }
    public required byte[] Hash { get; init; }
}

/// <summary>A signed checkpoint of the ledger at one size, with its RFC 3161 timestamp token when a TSA is configured.</summary>
public sealed class CheckpointRecord
{
    public long Id { get; init; }
    public long Size { get; init; }

    /// <summary>Lower-case hex root hash, for queries; the signed text is what counts.</summary>
    public required string RootHash { get; init; }

    /// <summary>The signed note: checkpoint body, blank line, signature lines.</summary>
    public required string Text { get; init; }
    public DateTime CreatedAtUtc { get; init; }
    public byte[]? TimestampToken { get; set; }

    /// <summary>
    /// Witnesses' tlog-cosignature lines on this checkpoint, each ending in a newline, appended as they are accepted (never
    /// changed: a trigger refuses anything but an append); null before the first. Beside <see cref="Text"/> rather than in it,
    /// because the timestamp token is over <see cref="Text"/>. Verify re-checks every line against the configured witness keys.
    /// </summary>
    public string? Cosignatures { get; set; }
}
