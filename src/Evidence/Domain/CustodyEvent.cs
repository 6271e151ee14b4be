namespace Evidence.Domain;

/// <summary>
/// One entry of the custody log: who did what to which item, when. Rows are only ever appended, numbered
/// without gaps from 0 in the order they were committed; the number is the event's leaf index in the
/// ledger's Merkle tree, and <see cref="Leaf"/> is the exact leaf (canonical JSON, see docs/ledger.md).
/// </summary>
public sealed class CustodyEvent
{
    public long Sequence { get; init; }
    public DateTime OccurredAtUtc { get; init; }
    public required string Actor { get; init; }
    public required string Role { get; init; }

    /// <summary>What happened, in one word: Ingested, Tagged, Viewed, Exported, Verified, ...</summary>
    public required string Action { get; init; }
    public Guid? EvidenceId { get; init; }
    public string? Sha256 { get; init; }

    /// <summary>Further facts as a JSON object of strings; never content or identities.</summary>
    public required string Details { get; init; }

    /// <summary>The leaf bytes (UTF-8 of this canonical JSON) that the Merkle tree hashes.</summary>
    public required string Leaf { get; init; }

    /// <summary>Lower-case hex SHA-256(0x00 || leaf).</summary>
    public required string LeafHash { get; init; }
}

/// <summary>A custody event a request recorded, waiting for its commit to number it and append it to the ledger.</summary>
public sealed record NewCustodyEvent(string Actor, string Role, string Action, Guid? EvidenceId, string? Sha256, SortedDictionary<string, string> Details);
