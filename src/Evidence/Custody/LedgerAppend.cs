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

    // A key rotation written in this batch: its new key signs the batch's checkpoint beside the old one. At is the size the
    // batch stood at when the rotating request was written, so that rolling that request back forgets it.
    private (NoteSigner To, long At)? rotation;

    public long Size => size;

    /// <summary>The key a rotation in this batch introduced, which the ledger adopts once the batch has committed.</summary>
    public NoteSigner? RotatedTo => rotation?.To;

    /// <summary>Returns to <paramref name="earlier"/>, a size this batch stood at before a request that was rolled back.</summary>
    public void RollBackTo(long earlier)
    {
        edge.Clear();
        edge.AddRange(edges[earlier]);
        size = earlier;
        if (rotation is { At: var at } && at >= earlier)
        {
            rotation = null;
        }
    }

    /// <summary>
    /// Has the batch's checkpoint signed by <paramref name="to"/> as well as by the current key, for a request that records the
    /// rotation from <paramref name="from"/>. Under the write lock, so this is where a rotation that another one overtook is
    /// refused: <paramref name="from"/> is the key its request saw, and it must still be the one that signs.
    /// </summary>
    public void Rotate(NoteVerifier from, NoteSigner to)
    {
        if (rotation is not null)
        {
            throw new Requests.InvalidRequestException("Another key rotation is recorded in the same commit; nothing was recorded. " +
                                                       "Rotate again once it is done if yet another key is wanted.");
        }
        if (from.VerifierKey != signer.Verifier.VerifierKey)
        {
            throw new Requests.InvalidRequestException($"The ledger key is no longer {from.VerifierKey}: another rotation replaced it with " +
                                                       $"{signer.Verifier.VerifierKey} first; nothing was recorded.");
        }
        if (to.Verifier.PublicKey.AsSpan().SequenceEqual(from.PublicKey))
        {
            throw new Requests.InvalidRequestException($"A key rotation must bring a new key; {from.VerifierKey} is already the ledger's key. Nothing was recorded.");
        }
        rotation = (to, size);
    }

    /// <summary>
    /// Numbers <paramref name="events"/> and inserts them and their completed subtrees in the transaction of
    /// <paramref name="db"/>, the request's context, inside the request's savepoint. The rows bypass its change tracker
    /// (<see cref="RowInserter"/>): they are never updated, and tracking them cost more than everything else in a bulk ingest.
    /// </summary>
    public async Task AddAsync(EvidenceDbContext db, IReadOnlyList<NewCustodyEvent> events, CancellationToken cancellationToken)
    {
        // Every leaf is checked before any is added: a request is appended whole or refused whole.
        var leaves = events.Select((e, i) => CustodyLeaf.Json(size + i, now, e.Actor, e.Role, e.Action, e.EvidenceId, e.Sha256, e.Details)).ToList();
        leaves.ForEach(CustodyLeaf.RefuseOversized);
        var rows = new List<CustodyEvent>(events.Count);
        var nodes = new List<MerkleNode>(events.Count * 2);
        foreach (var (e, leaf) in events.Zip(leaves))
        {
            var leafHash = MerkleTree.LeafHash(CustodyLeaf.Bytes(leaf));
            rows.Add(new CustodyEvent
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
            nodes.Add(new MerkleNode { Level = 0, Index = size, Hash = leafHash });
            var level = 0;
            var hash = leafHash;
            while (edge.Count > 0 && edge[^1].Level == level)
            {
                hash = MerkleTree.NodeHash(edge[^1].Hash, hash);
                edge.RemoveAt(edge.Count - 1);
                level++;
                nodes.Add(new MerkleNode { Level = level, Index = ((size + 1) >> level) - 1, Hash = hash });
            }
            edge.Add((level, hash));
            size++;
        }
        edges[size] = [.. edge];
        // A failed insert leaves the numbering to the batch: it rolls the request back to its savepoint and calls RollBackTo.
        await RowInserter.InsertAsync(db, rows, cancellationToken);
        await RowInserter.InsertAsync(db, nodes, cancellationToken);
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
        var body = new Checkpoint(signer.Name, size, root).Body;
        var checkpoint = new CheckpointRecord
        {
            Size = size,
            RootHash = Convert.ToHexStringLower(root),
            // A rotation's checkpoint carries both keys' signature lines: the old key hands over, the new one takes over.
            Text = signer.Sign(body) + (rotation?.To.SignatureLine(body) ?? ""),
            CreatedAtUtc = now,
        };
        ledgerDb.Checkpoints.Add(checkpoint);
        return checkpoint;
    }
}
