using System.Text.Json;
using Evidence.Crypto;
using Evidence.Data;
using Evidence.Domain;

namespace Evidence.Custody;

/// <summary>
/// One batch of appends to the custody ledger, opened under the write lock by <see cref="Ledger.OpenAppendAsync"/>: numbers
/// each request's events, adds them with the perfect-subtree hashes they complete to that request's context, and signs one
/// checkpoint for the whole batch. A request that fails inside the batch is rolled back to its savepoint, and the append
/// forgets its events with it (<see cref="RollBackTo"/>), so the next request is numbered where it would have been.
/// </summary>
internal sealed class LedgerAppend(EvidenceDbContext ledgerDb, NoteSigner signer, long size, List<(int Level, byte[] Hash)> edge, DateTime now)
{
    private long size = size;
    private readonly List<(int Level, byte[] Hash)> edge = edge;

    // The edge at each size this batch reached, to roll back to: appending pops subtrees off the edge.
    private readonly Dictionary<long, List<(int Level, byte[] Hash)>> edges = new() { [size] = [.. edge] };

    public long Size => size;

    /// <summary>Returns to <paramref name="earlier"/>, a size this batch stood at before a request that was rolled back.</summary>
    public void RollBackTo(long earlier)
    {
        edge.Clear();
        edge.AddRange(edges[earlier]);
        size = earlier;
    }

    /// <summary>Numbers <paramref name="events"/> and adds them and their completed subtrees to <paramref name="db"/>, the request's context.</summary>
    public void Add(EvidenceDbContext db, IReadOnlyList<NewCustodyEvent> events)
    {
        // Every leaf is checked before any is added: a request is appended whole or refused whole.
        var leaves = events.Select((e, i) => CustodyLeaf.Json(size + i, now, e.Actor, e.Role, e.Action, e.EvidenceId, e.Sha256, e.Details)).ToList();
        leaves.ForEach(CustodyLeaf.RefuseOversized);
        foreach (var (e, leaf) in events.Zip(leaves))
        {
            var leafHash = MerkleTree.LeafHash(CustodyLeaf.Bytes(leaf));
            db.CustodyEvents.Add(new CustodyEvent
            {
                Sequence = size,
                OccurredAtUtc = now,
                Actor = e.Actor,
                Role = e.Role,
                Action = e.Action,
                EvidenceId = e.EvidenceId,
                Sha256 = e.Sha256,
                Details = JsonSerializer.Serialize(e.Details),
                Leaf = leaf,
                LeafHash = Convert.ToHexStringLower(leafHash),
            });
            // Leaf i completes the perfect subtree of level L that ends at it whenever 2^L divides i + 1: the last L
            // subtrees of the edge merge with it, each merge one stored node.
            db.MerkleNodes.Add(new MerkleNode { Level = 0, Index = size, Hash = leafHash });
            var level = 0;
            var hash = leafHash;
            while (edge.Count > 0 && edge[^1].Level == level)
            {
                hash = MerkleTree.NodeHash(edge[^1].Hash, hash);
                edge.RemoveAt(edge.Count - 1);
                level++;
                db.MerkleNodes.Add(new MerkleNode { Level = level, Index = ((size + 1) >> level) - 1, Hash = hash });
            }
            edge.Add((level, hash));
            size++;
        }
        edges[size] = [.. edge];
    }

    /// <summary>The root of the tree so far: the edge's subtrees folded from the right (RFC 6962's split puts the largest on the left).</summary>
    public byte[] Root()
    {
        if (edge.Count == 0)
        {
            return MerkleTree.Root([]);
        }
        var root = edge[^1].Hash;
        for (var i = edge.Count - 2; i >= 0; i--)
        {
            root = MerkleTree.NodeHash(edge[i].Hash, root);
        }
        return root;
    }

    /// <summary>Signs a checkpoint of the batch's size and adds it to the ledger's own context.</summary>
    public CheckpointRecord SignCheckpoint()
    {
        var root = Root();
        var checkpoint = new CheckpointRecord
        {
            Size = size,
            RootHash = Convert.ToHexStringLower(root),
            Text = signer.Sign(new Checkpoint(signer.Name, size, root).Body),
            CreatedAtUtc = now,
        };
        ledgerDb.Checkpoints.Add(checkpoint);
        return checkpoint;
    }
}
