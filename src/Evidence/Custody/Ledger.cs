using System.Text.Json;
using Evidence.Crypto;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Evidence.Custody;

/// <summary>
/// The custody ledger in the database: appends events as Merkle leaves (with the perfect-subtree hashes they
/// complete), signs checkpoints, and serves roots and proofs from stored subtree hashes.
/// Appends must run inside the unit of work's transaction, which holds the write lock.
/// </summary>
public sealed class Ledger(EvidenceDbContext db, LedgerKeys keys, TimeProvider clock)
{
    /// <summary>The ledger's C2SP tlog-tiles, read from the stored subtree hashes and leaves (Tiles.cs).</summary>
    public LedgerTiles Tiles { get; } = new(db);

    public async Task<long> SizeAsync(CancellationToken cancellationToken) =>
        (await db.CustodyEvents.MaxAsync(e => (long?)e.Sequence, cancellationToken) ?? -1) + 1;

    /// <summary>
    /// Opens an append at the ledger's right edge, under the write lock: the size on which events, subtree hashes and the
    /// latest signed checkpoint agree, and the hashes of the perfect subtrees that end there (at most one per level), so
    /// that a whole batch of requests is appended without reading the tree again and signed once.
    /// </summary>
    internal async Task<LedgerAppend> OpenAppendAsync(CancellationToken cancellationToken)
    {
        var damaged = new UnavailableException("The custody ledger is damaged (its events, subtree hashes and latest checkpoint disagree); " +
                                               "nothing was recorded. Run `evidence verify` to see what changed.");
        var (size, latest) = await AgreedSizeAsync(cancellationToken) ?? throw damaged;
        var signer = await SigningKeyAsync(latest, cancellationToken);
        var edge = MerkleTree.RightEdge(size);
        var stored = ReadStoredNodes(edge);
        var frontier = edge.Select(e => (e.Level, stored.TryGetValue(e, out var hash) ? hash : throw damaged)).ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        var append = new LedgerAppend(db, signer, size, frontier, now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond)));
        // Nothing is signed over a rewritten history: the edge must give the root the latest checkpoint signed.
        if (latest is not null && !(signer.Verifier.Verify(latest.Text, out var body) && IsCheckpointOf(body, size, append.Root())))
        {
            throw damaged;
        }
        return append;
    }

    /// <summary>
    /// Where the next event goes: the size on which the events, the stored leaf hashes and the latest checkpoint
    /// all agree, or null when they disagree (rows deleted or inserted behind the application's back), or when the
    /// stored tree no longer gives the root the latest checkpoint signed. The next checkpoint is signed over the stored
    /// tree, so signing onto a rewritten one would put our signature on the rewrite: appends stop until an auditor has looked.
    /// </summary>
    public async Task<long?> AppendPointAsync(CancellationToken cancellationToken)
    {
        if (await AgreedSizeAsync(cancellationToken) is not var (size, latest))
        {
            return null;
        }
        try
        {
            await SigningKeyAsync(latest, cancellationToken);
        }
        catch (UnavailableException)
        {
            return null; // rotated to a key this installation does not hold: it cannot sign here
        }
        return latest is null || SignedRoot(latest) is not null ? size : null;
    }

    /// <summary>
    /// The key to sign the ledger's next checkpoint with: the ledger's current key. After a rotation recorded in another
    /// process (or one that crashed before it put the new key file in place) this installation's key is still the old one;
    /// the ledger says which key the latest <c>KeyRotated</c> event introduced, and that key is adopted from the key folder
    /// (<see cref="LedgerKeys.Adopt"/>) before anything is signed. Only when the latest checkpoint carries a signature line
    /// naming another key (a rotation's checkpoint, or one signed after a rotation) is the ledger asked: one query, once
    /// per rotation. Whatever key comes out must still have signed the latest checkpoint, which <see cref="OpenAppendAsync"/> checks.
    /// </summary>
    public async Task<NoteSigner> SigningKeyAsync(CancellationToken cancellationToken) =>
        await SigningKeyAsync(await LatestCheckpointAsync(cancellationToken), cancellationToken);

    private async Task<NoteSigner> SigningKeyAsync(CheckpointRecord? latest, CancellationToken cancellationToken)
    {
        var signer = keys.Current;
        if (latest is null || NoteVerifier.Signers(latest.Text).All(s => s == signer.Verifier.Signer))
        {
            return signer;
        }
        var rotatedTo = await RotatedToAsync(cancellationToken);
        if (rotatedTo is null || rotatedTo.VerifierKey == signer.Verifier.VerifierKey)
        {
            return signer;
        }
        return keys.Adopt(rotatedTo)
            ?? throw new UnavailableException($"The ledger key was rotated to {rotatedTo.VerifierKey}, which this installation's key folder does not hold " +
                                              $"(it holds {signer.Verifier.VerifierKey}); nothing was recorded. Copy keys/ledger-ed25519.pem from the server that rotated it.");
    }

    /// <summary>The key the latest <c>KeyRotated</c> event introduced, read from its leaf; null when the key was never rotated.</summary>
    private async Task<NoteVerifier?> RotatedToAsync(CancellationToken cancellationToken)
    {
        var leaf = await db.CustodyEvents.AsNoTracking().Where(e => e.Action == KeyRotation.Action).OrderByDescending(e => e.Sequence)
            .Select(e => e.Leaf).FirstOrDefaultAsync(cancellationToken);
        try
        {
            return leaf is not null && CustodyLeaf.Parse(leaf) is { } e ? KeyRotation.From(e)?.New : null;
        }
        catch (FormatException)
        {
            return null; // not a rotation any verifier would follow: signing goes on with the key in hand, and verify names the event
        }
    }

    /// <summary>
    /// Every key this ledger has been signed with, as its <c>KeyRotated</c> events name them (the first rotation's old key,
    /// then each new one), or the key in hand when it was never rotated: the keys a checkpoint this log signed may carry.
    /// </summary>
    public async Task<List<NoteVerifier>> KeysAsync(CancellationToken cancellationToken)
    {
        var chain = new List<NoteVerifier>();
        foreach (var leaf in await db.CustodyEvents.AsNoTracking().Where(e => e.Action == KeyRotation.Action).OrderBy(e => e.Sequence)
                     .Select(e => e.Leaf).ToListAsync(cancellationToken))
        {
            try
            {
                if (CustodyLeaf.Parse(leaf) is { } e && KeyRotation.From(e) is { } rotation)
                {
                    chain.AddRange(chain.Count == 0 ? [rotation.Old, rotation.New] : [rotation.New]);
                }
            }
            catch (FormatException)
            {
                // verify names it; it names no key to accept
            }
        }
        var current = keys.Current.Verifier;
        if (!chain.Any(k => k.VerifierKey == current.VerifierKey))
        {
            chain.Add(current);
        }
        return chain;
    }

    /// <summary>
    /// The ledger's key rotations up to <paramref name="checkpoint"/>, each with what a reader who pinned an earlier key needs
    /// to follow it (<see cref="KeyRotationProof"/>): the <c>KeyRotated</c> leaf proven against <paramref name="checkpoint"/>,
    /// the checkpoint that first covers it, the leaf's audit path to that checkpoint and, <paramref name="withConsistency"/>,
    /// the proof that <paramref name="checkpoint"/> extends it. Each is checked as a verifier will check it: a rotation no
    /// reader could follow is refused here, before it is published or packaged; unless <paramref name="refuseUnfollowable"/> is
    /// false, for a reader that follows them itself (a restore, whose database is the backup's) and reports the rotation in its words.
    /// </summary>
    internal async Task<List<KeyRotationProof>> RotationProofsAsync(CheckpointRecord checkpoint, bool withConsistency, CancellationToken cancellationToken,
        bool refuseUnfollowable = true)
    {
        var events = await db.CustodyEvents.AsNoTracking().Where(e => e.Action == KeyRotation.Action && e.Sequence < checkpoint.Size).ToListAsync(cancellationToken);
        if (events.Count == 0)
        {
            return [];
        }
        var proofs = new List<KeyRotationProof>();
        var chain = new List<NoteVerifier>();
        foreach (var e in Proven(events, checkpoint))
        {
            var covering = await db.Checkpoints.AsNoTracking().Where(c => c.Size > e.Sequence).OrderBy(c => c.Size).ThenBy(c => c.Id).FirstAsync(cancellationToken);
            string? problem;
            try
            {
                var rotation = KeyRotation.From(e)!;
                if (chain.Count == 0)
                {
                    chain.Add(rotation.Old);
                }
                problem = rotation.Problem(chain, covering.Text);
                chain.Add(rotation.New);
            }
            catch (FormatException x)
            {
                problem = x.Message;
            }
            if (problem is not null && refuseUnfollowable)
            {
                throw new UnavailableException($"The ledger's key rotation at event #{e.Sequence} is not one a verifier can follow ({problem}); nothing was exported. " +
                                               "Run `evidence verify` to see what changed.");
            }
            proofs.Add(new KeyRotationProof(e.Sequence, e.Leaf, covering.Text, InclusionProof(e.Sequence, covering.Size).Select(Convert.ToHexStringLower).ToList(),
                withConsistency ? (covering.Size == checkpoint.Size ? [] : ConsistencyProof(covering.Size, checkpoint.Size).Select(Convert.ToHexStringLower).ToList()) : null));
        }
        return proofs;
    }

    // One statement of plain SQL, not four LINQ queries: it runs before every append, and in a short command (`case add`) EF
    // Core compiling its first LINQ query took longer than the rest of the request. The latest checkpoint comes back
    // untracked, only to be read.
    private async Task<(long Size, CheckpointRecord? Latest)?> AgreedSizeAsync(CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText = """
                SELECT (SELECT MAX("Sequence") FROM custody_events),
                       (SELECT MAX("Index") FROM merkle_nodes WHERE "Level" = 0),
                       (SELECT COUNT(*) FROM custody_events),
                       latest."Id", latest."Size", latest."RootHash", latest."Text"
                FROM (SELECT 1 AS one) AS one
                LEFT JOIN (SELECT "Id", "Size", "RootHash", "Text" FROM checkpoints ORDER BY "Size" DESC, "Id" DESC LIMIT 1) AS latest ON 1 = 1
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            long? Number(int column) => reader.IsDBNull(column) ? null : Convert.ToInt64(reader.GetValue(column));
            var events = (Number(0) ?? -1) + 1;
            var leaves = (Number(1) ?? -1) + 1;
            var eventCount = Number(2) ?? 0;
            var latest = reader.IsDBNull(3) ? null : new CheckpointRecord
            {
                Id = Number(3)!.Value,
                Size = Number(4)!.Value,
                RootHash = reader.GetString(5),
                Text = reader.GetString(6),
            };
            return events == leaves && leaves == (latest?.Size ?? 0) && eventCount == events ? (events, latest) : null;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// The root <paramref name="record"/> carries, when it is signed by this installation's key and the stored subtree
    /// hashes still give it; null otherwise.
    /// </summary>
    public byte[]? SignedRoot(CheckpointRecord record)
    {
        if (!keys.Current.Verifier.Verify(record.Text, out var body))
        {
            return null;
        }
        try
        {
            var checkpoint = Checkpoint.Parse(body);
            return checkpoint.Size == record.Size && Root(checkpoint.Size).AsSpan().SequenceEqual(checkpoint.Root) ? checkpoint.Root : null;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            return null; // not a checkpoint, or a subtree hash is missing
        }
    }

    private static bool IsCheckpointOf(string body, long size, byte[] root)
    {
        try
        {
            var checkpoint = Checkpoint.Parse(body);
            return checkpoint.Size == size && checkpoint.Root.AsSpan().SequenceEqual(root);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>What the signed ledger names: every blob by its SHA-256, and every package file by its name.</summary>
    public sealed record Names(HashSet<string> Blobs, HashSet<string> PackageFiles);

    /// <summary>
    /// What the ledger names, read from the leaves themselves after proving that they give the root the latest checkpoint
    /// signed; null when they do not. Start-up clean-up asks this before it removes anything: a column an insider
    /// changed (an item's or an event's SHA-256, a file name's case) must not turn recorded bytes into leftovers. One
    /// pass over the leaves, run only when there is something to remove.
    /// </summary>
    public async Task<Names?> NamesAsync(CancellationToken cancellationToken)
    {
        var latest = await LatestCheckpointAsync(cancellationToken);
        var root = latest is null ? MerkleTree.Root([]) : SignedRoot(latest);
        if (root is null)
        {
            return null;
        }
        var names = new Names(new HashSet<string>(StringComparer.OrdinalIgnoreCase), new HashSet<string>(StringComparer.OrdinalIgnoreCase));
        var leafHashes = new List<byte[]>();
        await foreach (var text in db.CustodyEvents.AsNoTracking().OrderBy(e => e.Sequence).Select(e => e.Leaf).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            leafHashes.Add(MerkleTree.LeafHash(CustodyLeaf.Bytes(text)));
            if (CustodyLeaf.Parse(text) is not { } leaf)
            {
                return null;
            }
            if (leaf.Sha256 is { } sha256)
            {
                names.Blobs.Add(sha256);
            }
            if (leaf.Action == "PackageBuilt" && JsonSerializer.Deserialize<Dictionary<string, string>>(leaf.Details)!.GetValueOrDefault("file") is { Length: > 0 } file)
            {
                names.PackageFiles.Add(file);
            }
        }
        return MerkleTree.Root(leafHashes).AsSpan().SequenceEqual(root) ? names : null;
    }

    /// <summary>
    /// The events of <paramref name="actions"/> whose leaf has a detail that <paramref name="names"/> (key, value) accepts,
    /// proven against <paramref name="checkpoint"/>. Only these are proven; a leaf altered to name none of them leaves
    /// its row without an event, which the caller's check then reports.
    /// </summary>
    internal async Task<List<CustodyEvent>> ProvenNamingAsync(string[] actions, Func<string, string, bool> names, CheckpointRecord checkpoint, CancellationToken cancellationToken)
    {
        var named = (await db.CustodyEvents.AsNoTracking().Where(e => actions.Contains(e.Action)).ToListAsync(cancellationToken))
            .Where(e => CustodyLeaf.Parse(e.Leaf) is { } leaf && JsonSerializer.Deserialize<Dictionary<string, string>>(leaf.Details)!.Any(d => names(d.Key, d.Value)))
            .ToList();
        return Proven(named, checkpoint);
    }

    /// <summary>
    /// The events as their stored leaves say, each proven to be in the tree <paramref name="checkpoint"/> signed; events
    /// after it are left out. Columns beside the leaf are conveniences a database administrator can change unseen until
    /// verify runs; what is about to be signed again (a package) is read from the proven leaves only.
    /// </summary>
    internal List<CustodyEvent> Proven(IReadOnlyCollection<CustodyEvent> events, CheckpointRecord checkpoint)
    {
        var root = SignedRoot(checkpoint)
            ?? throw new UnavailableException("The custody ledger's latest checkpoint is not signed by this installation's key or no longer matches its stored " +
                                              "tree; nothing was exported. Run `evidence verify` to see what changed.");
        var inside = events.Where(e => e.Sequence < checkpoint.Size).OrderBy(e => e.Sequence).ToList();
        var proven = new List<CustodyEvent>(inside.Count);
        foreach (var (e, proof) in inside.Zip(InclusionProofs(inside.Select(e => e.Sequence), checkpoint.Size)))
        {
            if (!MerkleTree.VerifyInclusion(MerkleTree.LeafHash(CustodyLeaf.Bytes(e.Leaf)), e.Sequence, checkpoint.Size, proof, root)
                || CustodyLeaf.Parse(e.Leaf) is not { } leaf || leaf.Sequence != e.Sequence)
            {
                throw new UnavailableException($"Custody event #{e.Sequence} is not the one the ledger's checkpoint signed; nothing was exported. " +
                                               "Run `evidence verify` to see what changed.");
            }
            proven.Add(leaf);
        }
        return proven;
    }


    /// <summary>The root of the tree of the first <paramref name="size"/> leaves.</summary>
    public byte[] Root(long size) => FromStoredNodes(subtrees => MerkleTree.Root(size, subtrees));

    public List<byte[]> InclusionProof(long index, long size) => FromStoredNodes(subtrees => MerkleTree.InclusionProof(index, size, subtrees));

    /// <summary>
    /// The audit paths of many leaves in one tree. Neighbouring leaves share most of their paths, so each stored subtree hash
    /// is read once for all of them (a referral package proves thousands of events at once).
    /// </summary>
    public List<List<byte[]>> InclusionProofs(IEnumerable<long> indexes, long size)
    {
        var list = indexes.ToList();
        return FromStoredNodes(subtrees => list.Select(index => MerkleTree.InclusionProof(index, size, subtrees)).ToList());
    }

    public List<byte[]> ConsistencyProof(long from, long to) => FromStoredNodes(subtrees => MerkleTree.ConsistencyProof(from, to, subtrees));

    /// <summary>
    /// Runs <paramref name="compute"/> over the stored perfect-subtree hashes, read in one query. Which hashes a root or a proof
    /// asks for depends only on the sizes and indexes, never on the hashes, so a first run over placeholders lists them, and
    /// the second runs over exactly those, read at once. They are the hashes a tile client computes from the tlog-tiles
    /// (Tiles.cs: the tile of level l/8 hashed up, which the ledger stores already hashed): a few dozen indexed lookups in
    /// one round trip, where reading the tiles themselves would read 256 rows per tile level.
    /// </summary>
    private T FromStoredNodes<T>(Func<MerkleTree.SubtreeHash, T> compute)
    {
        var wanted = new HashSet<(int, long)>();
        var placeholder = new byte[32];
        compute(MerkleTree.FromPerfectSubtrees((level, index) =>
        {
            wanted.Add((level, index));
            return placeholder;
        }));
        var stored = ReadStoredNodes(wanted);
        return compute(MerkleTree.FromPerfectSubtrees((level, index) => stored.TryGetValue((level, index), out var hash)
            ? hash
            : throw new InvalidOperationException($"The ledger has no subtree hash at level {level}, index {index}.")));
    }

    // Plain SQL that SQLite and PostgreSQL read alike (quoted names as both migrations create them), on the context's own
    // connection and transaction; several hundred lookups a statement.
    private Dictionary<(int, long), byte[]> ReadStoredNodes(IReadOnlyCollection<(int Level, long Index)> wanted)
    {
        var found = new Dictionary<(int, long), byte[]>();
        if (wanted.Count == 0)
        {
            return found;
        }
        db.Database.OpenConnection();
        try
        {
            foreach (var chunk in wanted.Chunk(400))
            {
                using var command = db.Database.GetDbConnection().CreateCommand();
                command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
                var terms = new List<string>(chunk.Length);
                for (var i = 0; i < chunk.Length; i++)
                {
                    terms.Add($"(\"Level\" = @l{i} AND \"Index\" = @i{i})");
                    Parameter(command, $"@l{i}", chunk[i].Level);
                    Parameter(command, $"@i{i}", chunk[i].Index);
                }
                command.CommandText = "SELECT \"Level\", \"Index\", \"Hash\" FROM merkle_nodes WHERE " + string.Join(" OR ", terms);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    found[(reader.GetInt32(0), reader.GetInt64(1))] = (byte[])reader.GetValue(2);
                }
            }
        }
        finally
        {
            db.Database.CloseConnection();
        }
        return found;

        static void Parameter(System.Data.Common.DbCommand command, string name, object value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }

    public Task<CheckpointRecord?> LatestCheckpointAsync(CancellationToken cancellationToken) =>
        db.Checkpoints.OrderByDescending(c => c.Size).ThenByDescending(c => c.Id).FirstOrDefaultAsync(cancellationToken);
}
