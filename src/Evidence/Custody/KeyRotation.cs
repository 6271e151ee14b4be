using System.Text.Json;
using System.Text.Json.Serialization;
using Evidence.Crypto;
using Evidence.Domain;

namespace Evidence.Custody;

/// <summary>
/// A <c>KeyRotated</c> custody event: the ledger's signing key <see cref="Old"/> replaced by <see cref="New"/>, each named
/// by its verifier key in the event's details (<c>oldKey</c>, <c>newKey</c>). The rule every verifier applies
/// (<c>verify</c>, <c>verify-package</c>, the witness) is <see cref="Problem"/>: a key is trusted only when a rotation
/// introduced it from the key trusted just before, in a checkpoint signed by both. docs/ledger.md, "Key rotation".
/// </summary>
public sealed record KeyRotation(long Index, NoteVerifier Old, NoteVerifier New)
{
    public const string Action = "KeyRotated";

    public static IEnumerable<KeyValuePair<string, string?>> Details(NoteVerifier old, NoteVerifier @new) =>
        [new("oldKey", old.VerifierKey), new("newKey", @new.VerifierKey)];

    /// <summary>The rotation an event records; null when it is no <c>KeyRotated</c> event; a <see cref="FormatException"/> when its keys do not parse.</summary>
    public static KeyRotation? From(CustodyEvent e)
    {
        if (e.Action != Action)
        {
            return null;
        }
        var details = JsonSerializer.Deserialize<Dictionary<string, string>>(e.Details) ?? [];
        return new KeyRotation(e.Sequence,
            NoteVerifier.Parse(details.GetValueOrDefault("oldKey") ?? throw new FormatException("it names no old key (oldKey)")),
            NoteVerifier.Parse(details.GetValueOrDefault("newKey") ?? throw new FormatException("it names no new key (newKey)")));
    }

    /// <summary>
    /// What keeps this rotation from extending <paramref name="chain"/> (the keys trusted so far, the last one current),
    /// given the checkpoint that first covers its event; null when it extends it. It must replace the current key, bring a
    /// key never used before (the same key again, or a retired one back, would undo what the rotation was for), and its
    /// checkpoint must carry a valid signature by both the old key (who hands over) and the new one (who takes over).
    /// </summary>
    public string? Problem(IReadOnlyList<NoteVerifier> chain, string checkpointText)
    {
        var trusted = chain[^1];
        if (Old.VerifierKey != trusted.VerifierKey)
        {
            return $"it replaces {Old.VerifierKey}, which is not the key trusted at that point ({trusted.VerifierKey})";
        }
        if (chain.Any(k => k.PublicKey.AsSpan().SequenceEqual(New.PublicKey)))
        {
            return $"it introduces {New.VerifierKey}, a key this ledger has already used";
        }
        if (!Old.Verify(checkpointText, out _))
        {
            return $"its checkpoint carries no valid signature by the old key {Old.VerifierKey}";
        }
        if (!New.Verify(checkpointText, out _))
        {
            return $"its checkpoint carries no valid signature by the new key {New.VerifierKey}";
        }
        return null;
    }
}

/// <summary>
/// One key rotation as it travels outside the log: a line of a package's <c>data/custody/key-rotations.jsonl</c> and of
/// <c>/log/key-rotations</c>. <see cref="Leaf"/> is the <c>KeyRotated</c> event's leaf at <see cref="Index"/>,
/// <see cref="Checkpoint"/> the signed checkpoint that first covers it (signed by the old and the new key),
/// <see cref="Inclusion"/> the leaf's audit path to that checkpoint's root, and, in a package, <see cref="Consistency"/>
/// the proof that the package's checkpoint extends that one (the log serves none: a witness computes it from the tiles).
/// Hashes are lower-case hex.
/// </summary>
public sealed record KeyRotationProof(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("leaf")] string Leaf,
    [property: JsonPropertyName("checkpoint")] string Checkpoint,
    [property: JsonPropertyName("inclusion")] IReadOnlyList<string> Inclusion,
    [property: JsonPropertyName("consistency"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Consistency = null)
{
    private static readonly JsonSerializerOptions Json = new() { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    /// <summary>One JSON object a line, oldest rotation first, each line ending in a newline.</summary>
    public static string Lines(IEnumerable<KeyRotationProof> proofs) => string.Concat(proofs.Select(p => JsonSerializer.Serialize(p, Json) + "\n"));

    /// <summary>The proofs of a <see cref="Lines"/> text; a <see cref="FormatException"/> naming the line that is not one.</summary>
    public static List<KeyRotationProof> Parse(string lines)
    {
        var proofs = new List<KeyRotationProof>();
        var number = 0;
        foreach (var line in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            number++;
            try
            {
                proofs.Add(JsonSerializer.Deserialize<KeyRotationProof>(line, Json) is { Leaf: not null, Checkpoint: not null, Inclusion: not null } proof
                    ? proof
                    : throw new JsonException("an empty line"));
            }
            catch (JsonException e)
            {
                throw new FormatException($"line {number} is not a key rotation ({e.Message})");
            }
        }
        return proofs;
    }

    /// <summary>
    /// Whether <paramref name="target"/> extends <paramref name="rotated"/> (the checkpoint of this rotation): the same tree,
    /// or a larger one by this proof's <see cref="Consistency"/>. What <see cref="Follow"/> asks of a package or a backup,
    /// which carry the proof; a witness computes its own from tiles.
    /// </summary>
    public bool Extends(Custody.Checkpoint rotated, Custody.Checkpoint target)
    {
        if (rotated.Size == target.Size)
        {
            return rotated.Root.AsSpan().SequenceEqual(target.Root);
        }
        try
        {
            return Consistency is { } consistency &&
                   MerkleTree.VerifyConsistency(rotated.Size, target.Size, rotated.Root, target.Root, consistency.Select(Convert.FromHexString).ToList());
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>What following the rotations gave: every key trusted, from the start to the one that must sign now, and why it stopped early.</summary>
    public sealed record Followed(IReadOnlyList<NoteVerifier> Chain, string? Problem)
    {
        public NoteVerifier Current => Chain[^1];
    }

    /// <summary>
    /// Follows the chain of keys from <paramref name="pinned"/> through <paramref name="proofs"/> (oldest first) up to the
    /// key that must sign <paramref name="target"/>, and stops at the first rotation that does not hold: its checkpoint not
    /// signed by the key trusted before it and the one it introduces (<see cref="KeyRotation.Problem"/>), its event not in
    /// its checkpoint's tree, or that checkpoint not one <paramref name="target"/> extends (<paramref name="extends"/> says,
    /// from the package's proof or from tiles). When <paramref name="pinned"/> is itself a key a rotation introduced, the
    /// chain starts at the first rotation's old key and must reach it: each rotation checkpoint is signed by the newer key
    /// too, and commits to everything before it.
    /// </summary>
    public static Followed Follow(NoteVerifier pinned, IReadOnlyList<KeyRotationProof> proofs, Custody.Checkpoint target,
        Func<KeyRotationProof, Custody.Checkpoint, bool> extends)
    {
        var rotations = new List<(KeyRotationProof Proof, KeyRotation? Rotation)>();
        foreach (var proof in proofs)
        {
            KeyRotation? rotation = null;
            try
            {
                rotation = CustodyLeaf.Parse(proof.Leaf) is { } leaf ? KeyRotation.From(leaf) : null;
            }
            catch (FormatException)
            {
                // Reported where the chain reaches it.
            }
            rotations.Add((proof, rotation));
        }
        // A first line that is no rotation gives no first key: the chain then starts at the pinned key, and that line is the
        // problem reported (never a crash on a hostile package or log).
        var start = rotations.Any(r => r.Rotation?.New.VerifierKey == pinned.VerifierKey) && rotations[0].Rotation is { } first ? first.Old : pinned;
        var chain = new List<NoteVerifier> { start };
        var number = 0;
        foreach (var (proof, _) in rotations)
        {
            number++;
            if (Step(chain, proof, target, extends) is { } problem)
            {
                return new Followed(chain, $"key rotation {number} (event #{proof.Index}): {problem}");
            }
        }
        if (!chain.Any(k => k.VerifierKey == pinned.VerifierKey))
        {
            return new Followed([pinned], $"the rotations lead from {start.VerifierKey} to {chain[^1].VerifierKey} and never reach the pinned key");
        }
        return new Followed(chain, null);
    }

    /// <summary>
    /// The retired keys of <paramref name="chain"/> (as <see cref="Follow"/> gave it) that signed <paramref name="checkpointText"/>,
    /// by their position: key k was retired by rotation k and signs only that rotation's checkpoint; anywhere else, its
    /// signature means a copy of the retired private key survived.
    /// </summary>
    public static IEnumerable<int> RetiredSigners(IReadOnlyList<NoteVerifier> chain, IReadOnlyList<KeyRotationProof> proofs, string checkpointText)
    {
        for (var k = 0; k < chain.Count - 1; k++)
        {
            if (chain[k].Verify(checkpointText, out _) && !(k == chain.Count - 2 && NoteBody(proofs[k].Checkpoint) == NoteBody(checkpointText)))
            {
                yield return k;
            }
        }
    }

    private static string NoteBody(string note)
    {
        var split = note.IndexOf("\n\n", StringComparison.Ordinal);
        return split < 0 ? note : note[..(split + 1)];
    }

    private static string? Step(List<NoteVerifier> chain, KeyRotationProof proof, Custody.Checkpoint target, Func<KeyRotationProof, Custody.Checkpoint, bool> extends)
    {
        if (!chain[^1].Verify(proof.Checkpoint, out var body))
        {
            return $"its checkpoint carries no valid signature by {chain[^1].VerifierKey}, the key trusted before it";
        }
        Custody.Checkpoint checkpoint;
        List<byte[]> inclusion;
        try
        {
            checkpoint = Custody.Checkpoint.Parse(body);
            inclusion = proof.Inclusion.Select(Convert.FromHexString).ToList();
        }
        catch (FormatException e)
        {
            return $"its checkpoint or audit path does not parse ({e.Message})";
        }
        if (checkpoint.Origin != target.Origin)
        {
            return $"its checkpoint is of the log '{checkpoint.Origin}', not '{target.Origin}'";
        }
        if (proof.Index < 0 || proof.Index >= checkpoint.Size ||
            !MerkleTree.VerifyInclusion(MerkleTree.LeafHash(CustodyLeaf.Bytes(proof.Leaf)), proof.Index, checkpoint.Size, inclusion, checkpoint.Root))
        {
            return $"its event is not in the tree its checkpoint of size {checkpoint.Size} signs";
        }
        KeyRotation? rotation;
        try
        {
            rotation = CustodyLeaf.Parse(proof.Leaf) is { } leaf && leaf.Sequence == proof.Index ? KeyRotation.From(leaf) : null;
        }
        catch (FormatException e)
        {
            return $"its event's keys do not parse ({e.Message})";
        }
        if (rotation is null)
        {
            return $"its leaf is not a {KeyRotation.Action} event at index {proof.Index}";
        }
        if (rotation.Problem(chain, proof.Checkpoint) is { } problem)
        {
            return problem;
        }
        if (checkpoint.Size > target.Size || !extends(proof, checkpoint))
        {
            return $"the checkpoint of size {target.Size} does not extend the rotation's checkpoint of size {checkpoint.Size}";
        }
        chain.Add(rotation.New);
        return null;
    }
}
