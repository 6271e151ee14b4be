using System.Text;
using System.Text.Json;
using Evidence.Domain;

namespace Evidence.Custody;

/// <summary>One line of a <c>proofs.jsonl</c>: the audit path of one event's leaf to the root of the checkpoint of <see cref="Size"/> leaves.</summary>
public sealed record ProofLine(long Index, long Size, string LeafHash, IReadOnlyList<string> Proof)
{
    // Read back from a package or a bundle that may be hostile: a missing or null field is malformed JSON, not a null.
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true };
}

/// <summary>
/// How custody events travel proven, in a referral package (<c>data/custody/</c>) and in a field handover bundle alike: each
/// event's leaf on a line of <c>events.jsonl</c>, its audit path on the same line of <c>proofs.jsonl</c>, both against one
/// signed checkpoint. One writer and one check, so that the two formats cannot drift apart.
/// </summary>
internal static class EventProofs
{
    /// <summary>The <c>events.jsonl</c> text: each event's leaf, one a line.</summary>
    public static string Leaves(IEnumerable<CustodyEvent> events) => string.Concat(events.Select(e => e.Leaf + "\n"));

    /// <summary>The <c>proofs.jsonl</c> text: the audit path of each event, in the same order, in the tree of <paramref name="size"/> leaves.</summary>
    public static string Lines(Ledger ledger, IReadOnlyList<CustodyEvent> events, long size)
    {
        var lines = new StringBuilder();
        foreach (var (e, proof) in events.Zip(ledger.InclusionProofs(events.Select(e => e.Sequence), size)))
        {
            lines.Append(JsonSerializer.Serialize(new ProofLine(e.Sequence, size, e.LeafHash, proof.Select(Convert.ToHexStringLower).ToList()), ProofLine.Json)).Append('\n');
        }
        return lines.ToString();
    }

    /// <summary>
    /// Checks that <paramref name="proofLine"/> proves <paramref name="eventLine"/> (a leaf, as its bytes) at its index in the tree
    /// <paramref name="checkpoint"/> signs. Returns null when it does, after handing the leaf to <paramref name="proven"/>; else
    /// the finding, of kind <c>proof</c>. <paramref name="line"/> names the line for a finding about unreadable JSON, and
    /// <paramref name="shown"/> is how the caller shows a value it did not write (cut and made visible).
    /// </summary>
    public static Finding? Check(string eventLine, string proofLine, string line, Checkpoint? checkpoint, Func<string, string> shown, Action<JsonElement>? proven = null)
    {
        var leafHash = MerkleTree.LeafHash(Encoding.UTF8.GetBytes(eventLine));
        try
        {
            using var leaf = JsonDocument.Parse(eventLine);
            var proof = JsonSerializer.Deserialize<ProofLine>(proofLine, ProofLine.Json)
                        ?? throw new JsonException("an empty line");
            var index = leaf.RootElement.GetProperty("index").GetInt64();
            if (proof.Index != index || !proof.LeafHash.Equals(Convert.ToHexStringLower(leafHash), StringComparison.Ordinal))
            {
                return new Finding("proof", $"event {index}", $"a proof for leaf {index} with hash {Convert.ToHexStringLower(leafHash)}", $"one for leaf {proof.Index} with hash {shown(proof.LeafHash)}");
            }
            if (checkpoint is not null && (proof.Size != checkpoint.Size ||
                !MerkleTree.VerifyInclusion(leafHash, index, checkpoint.Size, proof.Proof.Select(Convert.FromHexString).ToList(), checkpoint.Root)))
            {
                return new Finding("proof", $"event {index}", $"an audit path to the root of the checkpoint of {checkpoint.Size} events", "one that does not lead there");
            }
            proven?.Invoke(leaf.RootElement);
            return null;
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            return new Finding("proof", line, "a custody event and its proof as JSON", shown(e.Message));
        }
    }
}
