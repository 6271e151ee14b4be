using System.Globalization;
using System.Text.Json;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Requests;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Backup;

/// <summary>
/// `verify --checkpoint FILE [--consistency PROOF]`: what this home's ledger lacks of a checkpoint signed elsewhere or
/// later, by the same key: one kept in a referral package, by an auditor, by a witness, or served by the original home
/// after the backup this home was restored from. It must be signed by the home's key (or the pinned one) and name this
/// ledger. Then:
/// <list type="bullet">
/// <item>when this ledger's first N events give its root (N its size), the ledger holds everything it signs: no finding;</item>
/// <item>otherwise the ledger is compared where it stops being the original's: the size its latest <c>Restored</c> event
/// names (the backup's), or its own size when it was never restored. A checkpoint larger than that signs events this home
/// lacks, and the finding says exactly which (#from to #to, how many). Whether the events it has are the first ones that
/// checkpoint signs is said only when a consistency proof between the two sizes (`log consistency --from A --to B --json`
/// where the checkpoint was signed, or <c>GET /api/log/consistency</c>) is given and verifies against both roots; otherwise
/// the finding says it was not checked;</item>
/// <item>a checkpoint no larger than that, whose root the ledger does not give, shows a rewritten history.</item>
/// </list>
/// </summary>
internal static class LaterCheckpoint
{
    public static async Task CheckAsync(EvidenceDbContext db, string note, string? consistencyProof, IReadOnlyList<NoteVerifier> keys, string origin,
        IReadOnlyList<byte[]> leafHashes, List<Finding> findings, CancellationToken cancellationToken)
    {
        const string Given = "given checkpoint";
        // Any key of the chain the ledger trusts: the checkpoint may come from before or after a rotation. One signed by a
        // key rotated in after this home's last event cannot be checked here, and says so.
        string? body = null;
        if (!keys.Any(key => key.Verify(note, out body)) || body is null)
        {
            findings.Add(new Finding("checkpoint", Given, $"a checkpoint signed by {string.Join(" or ", keys.Select(k => k.VerifierKey))}",
                "no valid signature by those keys"));
            return;
        }
        Checkpoint later;
        try
        {
            later = Checkpoint.Parse(body);
        }
        catch (FormatException e)
        {
            findings.Add(new Finding("checkpoint", Given, "a checkpoint body", e.Message));
            return;
        }
        var subject = string.Create(CultureInfo.InvariantCulture, $"{Given} (size {later.Size})");
        if (later.Origin != origin)
        {
            findings.Add(new Finding("checkpoint", subject, $"origin {origin}", $"origin {later.Origin}"));
            return;
        }
        var size = (long)leafHashes.Count;
        var tree = MerkleTree.Over(leafHashes);
        if (later.Size <= size && MerkleTree.Root(later.Size, tree).AsSpan().SequenceEqual(later.Root))
        {
            return; // every event it signs is here
        }
        var restoredAt = await RestoredAtAsync(db, size, cancellationToken);
        var common = restoredAt ?? size;
        if (later.Size <= common)
        {
            findings.Add(new Finding("checkpoint", subject, $"the root of this ledger's first {later.Size} events",
                "another root: the events here are not the ones that checkpoint signs (the history was rewritten)"));
            return;
        }
        var where = restoredAt is null ? $"this ledger has {size} events" : $"this home was restored from a backup of {common} events";
        var lacking = string.Create(CultureInfo.InvariantCulture, $"{where}: it lacks events #{common} to #{later.Size - 1} ({later.Size - common} events) that the checkpoint signs");
        if (common == 0)
        {
            findings.Add(new Finding("checkpoint", subject, $"the {later.Size} events it signs", lacking));
            return;
        }
        if (consistencyProof is null)
        {
            findings.Add(new Finding("checkpoint", subject, $"the {later.Size} events it signs",
                $"{lacking}; whether the {common} events here are its first {common} was not checked: no consistency proof was given " +
                $"(`evidence log consistency --from {common} --to {later.Size} --json` where it was signed)"));
            return;
        }
        var proof = Proof(consistencyProof, common, later.Size);
        if (proof is null || !MerkleTree.VerifyConsistency(common, later.Size, MerkleTree.Root(common, tree), later.Root, proof))
        {
            findings.Add(new Finding("checkpoint", subject, $"a consistency proof from {common} to {later.Size} events that verifies against this ledger's root and the checkpoint's",
                proof is null ? "a proof for other sizes, or no proof" : "one that does not verify: the events here are not the first ones that checkpoint signs"));
            findings.Add(new Finding("checkpoint", subject, $"the {later.Size} events it signs", lacking));
            return;
        }
        findings.Add(new Finding("checkpoint", subject, $"the {later.Size} events it signs",
            $"{lacking}; the consistency proof shows that the {common} events here are its first {common}"));
    }

    /// <summary>The number of events of the backup this home was last restored from: its latest <c>Restored</c> event's <c>ledgerSize</c>, as its leaf says.</summary>
    private static async Task<long?> RestoredAtAsync(EvidenceDbContext db, long size, CancellationToken cancellationToken)
    {
        var leaf = await db.CustodyEvents.AsNoTracking().Where(e => e.Action == "Restored").OrderByDescending(e => e.Sequence).Select(e => e.Leaf)
            .FirstOrDefaultAsync(cancellationToken);
        return leaf is not null && CustodyLeaf.Parse(leaf) is { } restored
               && JsonSerializer.Deserialize<Dictionary<string, string>>(restored.Details)?.GetValueOrDefault("ledgerSize") is { } text
               && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var at) && at <= size
            ? at
            : null;
    }

    /// <summary>The proof's hashes when it is the JSON of `log consistency` for exactly these sizes; null otherwise.</summary>
    private static List<byte[]>? Proof(string json, long from, long to)
    {
        try
        {
            var view = JsonSerializer.Deserialize<ConsistencyProofView>(json, EvidenceJson.Options);
            return view is not null && view.From == from && view.To == to && view.Proof is { Count: <= 128 } hashes && hashes.All(h => h is { Length: 64 })
                ? hashes.Select(Convert.FromHexString).ToList()
                : null;
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return null;
        }
    }
}
