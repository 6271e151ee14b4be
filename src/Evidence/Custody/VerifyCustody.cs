using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Evidence.Access;
using Evidence.Crypto;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Storage;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Custody;

/// <summary>
/// The auditor's check of everything: every blob re-hashed (in parallel, streaming), every custody event
/// rebuilt from its fields and compared with its stored leaf and leaf hash, the Merkle tree rebuilt from the
/// events, and every checkpoint's signature, root and consistency with the latest checked against it.
/// Tampering is not an exception: it is a finding, and all findings are returned. The run itself is
/// recorded as a <c>Verified</c> custody event.
/// With <see cref="LaterCheckpoint"/> (a signed checkpoint of this log kept elsewhere, as `log checkpoint` prints it), also
/// what the ledger lacks of it, and with <see cref="ConsistencyProof"/> (`log consistency --json` from where it was signed)
/// whether the events here are its first ones (<see cref="Backup.LaterCheckpoint"/>).
/// </summary>
[AllowedRoles(Role.Auditor, Role.Admin)]
public sealed record VerifyCustody(string? PinnedVerifierKey = null, string? LaterCheckpoint = null, string? ConsistencyProof = null) : IRequest<VerificationReport>;


/// <summary>
/// What `verify` checked and every finding: `verify --json` and `POST /api/verify` print this record. The JSON names
/// are the documented ones (<c>items</c>, <c>blobs</c>, ...), shorter than the properties.
/// </summary>
public sealed record VerificationReport(
    [property: JsonPropertyName("items")] int ItemsChecked,
    [property: JsonPropertyName("blobs")] int BlobsChecked,
    [property: JsonPropertyName("events")] long EventsChecked,
    [property: JsonPropertyName("checkpoints")] int CheckpointsChecked,
    [property: JsonPropertyName("timestamps")] int TimestampsChecked,
    IReadOnlyList<Finding> Findings)
{
    // First, where a reader of the printed report looks.
    [JsonPropertyOrder(-1)]
    public bool Clean => Findings.Count == 0;
}

internal sealed class VerifyCustodyHandler(EvidenceDbContext db, EncryptedBlobStore blobs, LedgerKeys keys, EvidenceSettings settings, UnitOfWork unitOfWork, Ledger ledger, TimestampTrust trust,
    TimeProvider clock, Search.SealedText sealedText, IKeyEncryptionKey kek)
    : IRequestHandler<VerifyCustody, VerificationReport>
{
    public async Task<VerificationReport> Handle(VerifyCustody request, CancellationToken cancellationToken)
    {
        var findings = new List<Finding>();
        var pinned = request.PinnedVerifierKey is { } key ? ParseKey(key) : null;

        var projected = Projections.All.ToDictionary(p => p, _ => new ProjectedRows());
        var rotations = new List<KeyRotation>();
        var packageFiles = new List<Referrals.KeptPackages.Recorded>();
        var (leafHashes, ingested) = await CheckEventsAsync(projected, rotations, packageFiles, findings, cancellationToken);
        var (items, blobsChecked) = await CheckBlobsAsync(ingested, findings, cancellationToken);
        foreach (var (projection, rows) in projected)
        {
            await projection.CompareAsync(db, rows, findings, cancellationToken);
        }
        await CheckStoredIdsAsync(findings, cancellationToken);
        await CheckSealedTextsAsync(findings, cancellationToken);
        await Referrals.KeptPackages.CheckAsync(settings.PackageFolder, packageFiles, kek, clock.GetUtcNow(), findings, cancellationToken);
        var trustedKeys = new List<NoteVerifier>();
        var checkpoints = await CheckCheckpointsAsync(leafHashes, rotations, FirstKey(pinned, rotations), trustedKeys, findings, cancellationToken);
        if (pinned is null)
        {
            CheckKeyInHand(rotations, findings);
        }
        var timestamps = await CheckTimestampsAsync(findings, cancellationToken);
        if (request.LaterCheckpoint is { } later)
        {
            // Only the keys the checkpoints' check trusted: a rotation its checkpoint does not prove (not signed by both keys,
            // or in no checkpoint yet) vouches for nothing, or a DBA's event naming a key of theirs would vouch for their checkpoint.
            await Backup.LaterCheckpoint.CheckAsync(db, later, request.ConsistencyProof, trustedKeys, settings.LedgerName, leafHashes, findings, cancellationToken);
        }

        if (await ledger.AppendPointAsync(cancellationToken) is null)
        {
            // The run cannot be appended to a damaged log; the auditor still gets every finding.
            findings.Add(new Finding("ledger", "append point", "events, subtree hashes and the latest checkpoint agreeing on the log's size",
                "they disagree: this verification could not be recorded in the ledger"));
            return new VerificationReport(items, blobsChecked, leafHashes.Count, checkpoints, timestamps, findings);
        }
        unitOfWork.Record("Verified", null, null,
        [
            new("items", items.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("events", leafHashes.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("checkpoints", checkpoints.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("timestamps", timestamps.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("findings", findings.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            // What kinds were found, so the history says more than a count (runs before 2026-12 lack it); kinds are
            // fixed words, never a subject: a finding's subject can name a stored value.
            new("findingKinds", FindingKinds(findings)),
        ]);
        return new VerificationReport(items, blobsChecked, leafHashes.Count, checkpoints, timestamps, findings);
    }

    /// <summary>Each kind of finding with its count, by kind: <c>blob:1 record:2</c>; empty for a clean run.</summary>
    internal static string FindingKinds(IEnumerable<Finding> findings) =>
        string.Join(' ', findings.GroupBy(f => f.Kind, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}:{g.Count().ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>
    /// SQLite keeps an id as the text EF wrote (36 characters, upper case) and compares it as text, while the rows read
    /// back compare as Guids: a re-cased id in a tag or a membership would hide the row from every query and still look
    /// equal to its event. Every id column must hold the text EF writes. (PostgreSQL stores uuids, which have one form.)
    /// </summary>
    private async Task CheckStoredIdsAsync(List<Finding> findings, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite())
        {
            return;
        }
        var tables = Projections.All.Select(p => p.Table).ToHashSet(StringComparer.Ordinal);
        foreach (var entity in db.Model.GetEntityTypes().Where(t => tables.Contains(t.GetTableName()!)))
        {
            foreach (var column in entity.GetProperties().Where(p => p.ClrType == typeof(Guid) || p.ClrType == typeof(Guid?)).Select(p => p.GetColumnName()))
            {
                var sql = $"SELECT CAST(\"{column}\" AS TEXT) AS \"Value\" FROM \"{entity.GetTableName()}\" " +
                          $"WHERE \"{column}\" IS NOT NULL AND (typeof(\"{column}\") <> 'text' OR \"{column}\" <> upper(\"{column}\") OR length(\"{column}\") <> 36) LIMIT 100";
                foreach (var value in await db.Database.SqlQueryRaw<string>(sql).ToListAsync(cancellationToken))
                {
                    findings.Add(new Finding("record", $"{entity.GetTableName()} {column} {Finding.Cut(value)}", "an id as the application writes it (36 upper-case characters)",
                        "another spelling: the row is hidden from queries that compare ids as text"));
                }
            }
        }
    }

    /// <summary>
    /// Every sealed extracted text must open under this installation's text key, and its blind index must be the one that key
    /// makes of it. The ledger binds the stored (sealed) values, so a text key replaced or deleted (a new one is then made at
    /// start) changes nothing it hashes, yet every older text stops opening (packages of those items fail) and stops being
    /// found: only opening them shows it.
    /// </summary>
    private async Task CheckSealedTextsAsync(List<Finding> findings, CancellationToken cancellationToken)
    {
        var prefix = Search.SealedText.Prefix;
        await foreach (var item in db.EvidenceItems.AsNoTracking().Where(i => i.ExtractedText != null && i.ExtractedText.StartsWith(prefix)).OrderBy(i => i.Id)
                           .Select(i => new { i.Id, i.ExtractedText, i.SearchWords }).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            string? text;
            try
            {
                text = sealedText.Open(item.Id, item.ExtractedText);
            }
            catch (Exception e) when (e is CryptographicException or FormatException)
            {
                findings.Add(new Finding("text", item.Id.ToString(), "its extracted text sealed under this installation's text key (keys/text-aes256.key)",
                    "a sealed text that does not open: the text key was replaced, or the text was altered or moved from another item"));
                continue;
            }
            if (sealedText.IndexWords(text) != item.SearchWords)
            {
                findings.Add(new Finding("text", item.Id.ToString(), "the blind index this installation's text key makes of its text",
                    "another index: it was made under another text key, and searches do not find the item"));
            }
        }
    }

    /// <summary>
    /// The key the chain is followed from: the pinned one, or the ledger's first key when the pinned key is one a rotation
    /// introduced (the checkpoint of that rotation is signed by the pinned key and commits to everything before it), or,
    /// with nothing pinned, the ledger's first key as its first rotation names it, else the key in hand.
    /// </summary>
    private NoteVerifier FirstKey(NoteVerifier? pinned, List<KeyRotation> rotations) =>
        pinned is not null && !rotations.Any(r => r.New.VerifierKey == pinned.VerifierKey) ? pinned
        : rotations.Count > 0 ? rotations[0].Old
        : keys.Current.Verifier;

    /// <summary>
    /// With nothing pinned, the chain is followed from the first key the ledger's own rotations name; that key comes from
    /// the database, so whoever can write the database alone could put there a whole ledger signed by keys of their own that
    /// "rotate" among themselves. The key this installation holds (which they cannot write) must be on that chain: the first
    /// key, or one a rotation introduced (whose checkpoint it must then have signed, which the chain's check holds it to).
    /// </summary>
    private void CheckKeyInHand(List<KeyRotation> rotations, List<Finding> findings)
    {
        var inHand = keys.Current.Verifier;
        if (rotations.Count == 0 || rotations[0].Old.VerifierKey == inHand.VerifierKey || rotations.Any(r => r.New.VerifierKey == inHand.VerifierKey))
        {
            return;
        }
        findings.Add(new Finding("key", "ledger keys", $"a chain of {KeyRotation.Action} events through {inHand.VerifierKey}, the key this installation holds",
            $"a chain from {rotations[0].Old.VerifierKey} that never names it: the ledger was signed by keys this installation never held"));
    }

    private static NoteVerifier ParseKey(string key)
    {
        try
        {
            return NoteVerifier.Parse(key);
        }
        catch (FormatException e)
        {
            throw new InvalidRequestException($"The pinned verifier key is not valid: {e.Message}");
        }
    }

    /// <summary>
    /// Every blob an Ingested event names (and any an item row names) must be there with exactly its bytes, and every
    /// stored blob must be named: the events are the record, so deleting an item's row does not make its bytes unexpected.
    /// </summary>
    private async Task<(int Items, int Blobs)> CheckBlobsAsync(Dictionary<string, long> ingested, List<Finding> findings, CancellationToken cancellationToken)
    {
        var items = await db.EvidenceItems.AsNoTracking().Select(e => new { e.Sha256, e.Size }).ToListAsync(cancellationToken);
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (sha256, size) in ingested.Concat(items.Select(i => KeyValuePair.Create(i.Sha256, i.Size))))
        {
            // A forged hash is a finding, never a path or a crash: only lower-case hex names a blob.
            if (!BlobKey.IsSha256Hex(sha256))
            {
                findings.Add(new Finding("blob", Finding.Cut(sha256), "a SHA-256 in lower-case hex", "something else: the record was altered"));
                continue;
            }
            expected.TryAdd(sha256, size);
        }
        var found = new ConcurrentBag<Finding>();
        await Parallel.ForEachAsync(expected, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            async (blob, ct) =>
            {
                try
                {
                    var opened = await blobs.OpenAsync(blob.Key, ct);
                    await using var stream = opened.Content;
                    using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    var buffer = new byte[1 << 20];
                    long size = 0;
                    int read;
                    while ((read = await stream.ReadAsync(buffer, ct)) > 0)
                    {
                        sha256.AppendData(buffer, 0, read);
                        size += read;
                    }
                    var actual = Convert.ToHexStringLower(sha256.GetHashAndReset());
                    if (actual != blob.Key || size != blob.Value)
                    {
                        found.Add(new Finding("blob", blob.Key, $"sha256 {blob.Key}, {blob.Value} bytes", $"sha256 {actual}, {size} bytes"));
                    }
                    else if (!opened.Encrypted)
                    {
                        // Intact, but readable by anyone who can read the storage: from before encryption, or put back in clear.
                        found.Add(new Finding("blob", blob.Key, "its bytes encrypted at rest", "its bytes stored in clear: run `evidence encrypt-existing`"));
                    }
                    else if (!opened.SealedForAddress)
                    {
                        // Intact, but in a version 1 envelope, which would open as well under any other blob's address.
                        found.Add(new Finding("blob", blob.Key, "an envelope sealed for its address (version 2)",
                                              "a version 1 envelope, not sealed for its address: run `evidence encrypt-existing`"));
                    }
                }
                catch (NotFoundException)
                {
                    found.Add(new Finding("blob", blob.Key, $"a stored blob of {blob.Value} bytes", "no blob"));
                }
                catch (Crypto.DamagedBlobException e)
                {
                    found.Add(new Finding("blob", blob.Key, $"sha256 {blob.Key}, {blob.Value} bytes, sealed under this installation's key", e.Message));
                }
            });
        findings.AddRange(found.OrderBy(f => f.Subject, StringComparer.Ordinal));

        // A blob younger than InFlight may belong to a request on its way to being recorded (blobs are stored before the
        // write lock): not a finding yet. The sweep at the next start removes it if it stays unrecorded. A blob dated in the
        // future is no request's: its time was set by hand, to hide it in that window.
        var now = clock.GetUtcNow();
        await foreach (var stored in blobs.ListAsync(cancellationToken))
        {
            if (expected.ContainsKey(stored.Sha256))
            {
                continue;
            }
            if (stored.StoredAt > now + ClockSkew)
            {
                findings.Add(new Finding("blob", stored.Sha256, "a blob recorded as evidence", $"a blob no custody event records, dated in the future ({stored.StoredAt:u})"));
            }
            else if (stored.StoredAt < now - Recovery.UnrecordedBlobs.InFlight)
            {
                findings.Add(new Finding("blob", stored.Sha256, "a blob recorded as evidence", "a blob no custody event records"));
            }
        }
        return (items.Count, expected.Count);
    }

    /// <summary>
    /// Every event rebuilt from its fields and compared with its stored leaf; on the way, every table the ledger vouches for
    /// is rebuilt from the events (<see cref="Projections"/>), and the blobs the Ingested events name and the package files
    /// the PackageBuilt and PackageSealed events name are collected.
    /// One pass, so the cost stays linear in the number of events.
    /// </summary>
    private async Task<(List<byte[]> LeafHashes, Dictionary<string, long> Ingested)> CheckEventsAsync(
        Dictionary<IProjection, ProjectedRows> projected, List<KeyRotation> rotations, List<Referrals.KeptPackages.Recorded> packageFiles, List<Finding> findings,
        CancellationToken cancellationToken)
    {
        var byAction = Projections.All.SelectMany(p => p.Actions.Select(a => (Action: a, Projection: p)))
            .ToLookup(x => x.Action, x => (x.Projection, Rows: projected[x.Projection]), StringComparer.Ordinal);
        var ingested = new Dictionary<string, long>(StringComparer.Ordinal);
        var leafHashes = new List<byte[]>();
        long next = 0;
        await foreach (var e in db.CustodyEvents.AsNoTracking().OrderBy(e => e.Sequence).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            var subject = $"#{e.Sequence}";
            if (e.Sequence != next)
            {
                findings.Add(new Finding("event", $"#{next}", $"event #{next}", $"the next stored event is #{e.Sequence}: events #{next} to #{e.Sequence - 1} are missing"));
            }
            string rebuilt;
            Dictionary<string, string>? details = null;
            try
            {
                details = JsonSerializer.Deserialize<Dictionary<string, string>>(e.Details) ?? [];
                rebuilt = CustodyLeaf.Json(e.Sequence, e.OccurredAtUtc, e.Actor, e.Role, e.Action, e.EvidenceId, e.Sha256, details);
            }
            catch (JsonException)
            {
                rebuilt = "";
            }
            if (rebuilt != e.Leaf)
            {
                findings.Add(new Finding("event", subject, $"fields that rebuild the stored leaf {Finding.Cut(e.Leaf)}",
                    $"fields that rebuild {Finding.Cut(rebuilt)}"));
            }
            var storedLeafHash = MerkleTree.LeafHash(CustodyLeaf.Bytes(e.Leaf));
            if (Convert.ToHexStringLower(storedLeafHash) != e.LeafHash)
            {
                findings.Add(new Finding("event", subject, $"leaf hash {Convert.ToHexStringLower(storedLeafHash)} (of the stored leaf)", $"leaf hash {Finding.Cut(e.LeafHash)}"));
            }
            // The tree is rebuilt from what the fields say now, so an edit anywhere shows against the checkpoints.
            leafHashes.Add(rebuilt == e.Leaf ? storedLeafHash : MerkleTree.LeafHash(CustodyLeaf.Bytes(rebuilt)));
            next = e.Sequence + 1;
            if (details is null)
            {
                continue;
            }
            CheckAccountChangeByAnAdmin(e, projected[Projections.Accounts], findings);
            Referrals.KeptPackages.Note(e, details, packageFiles);
            if (e.Action == KeyRotation.Action)
            {
                try
                {
                    rotations.Add(KeyRotation.From(e)!);
                }
                catch (FormatException x)
                {
                    findings.Add(new Finding("key", subject, "a KeyRotated event naming the old and the new verifier key", x.Message));
                }
            }
            foreach (var (projection, rows) in byAction[e.Action])
            {
                projection.Apply(rows, e, details);
            }
            if (e is { Action: "Ingested", Sha256: { } sha256 } && long.TryParse(details.GetValueOrDefault("size"), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                ingested.TryAdd(sha256, size);
            }
        }
        return (leafHashes, ingested);
    }

    /// <summary>
    /// An account is changed only by an admin. When the actor of a <c>UserAdded</c>, <c>UserRoleChanged</c>, <c>UserTwoFactorReset</c> or
    /// <c>UserRemoved</c> event is itself an account, the ledger must give it the Admin role at that moment: a role raised
    /// in the database for a moment, used to create an admin and then put back through a request, leaves every row
    /// matching its events, but not this. (An actor that is no account is an operator at the server's console, who
    /// holds the database anyway.)
    /// </summary>
    private static void CheckAccountChangeByAnAdmin(CustodyEvent e, ProjectedRows accounts, List<Finding> findings)
    {
        if (e.Action is not ("UserAdded" or "UserRoleChanged" or "UserRemoved" or "UserTwoFactorReset")
            || !accounts.TryGetValue(e.Actor, out var account) || account.CreatedBy is null
            || !account.Columns.TryGetValue("Role", out var role) || role.Value is null or nameof(Requests.Role.Admin))
        {
            return;
        }
        findings.Add(new Finding("event", $"#{e.Sequence}", $"{e.Action} by an admin",
            $"{e.Actor}, whom the ledger gives the role {role.Value} (event #{role.Event}), acting as {e.Role}"));
    }

    private IReadOnlyList<CosignatureVerifier> WitnessKeys(List<Finding> findings)
    {
        try
        {
            return Cosignatures.Configured(settings.KeyFolder);
        }
        catch (InvalidRequestException e)
        {
            findings.Add(new Finding("cosignature", "keys/witnesses.txt", "witness verifier keys, one a line", e.Message));
            return [];
        }
    }

    /// <summary>
    /// Every stored cosignature must be a valid tlog-cosignature by a configured witness on exactly this checkpoint's body:
    /// the column is the database's, so a line added, altered or moved to another checkpoint by whoever can write it is found here.
    /// </summary>
    private static void CheckCosignatures(CheckpointRecord record, string body, string subject, IReadOnlyList<CosignatureVerifier> witnesses, List<Finding> findings)
    {
        foreach (var line in Cosignatures.Lines(record.Cosignatures))
        {
            var witness = witnesses.FirstOrDefault(w => w.Names(line));
            if (witness is null)
            {
                findings.Add(new Finding("cosignature", subject, "a cosignature by a witness in keys/witnesses.txt", Finding.Cut(line.TrimEnd('\n'))));
            }
            else if (witness.Verify(line, body) is null)
            {
                findings.Add(new Finding("cosignature", subject, $"a valid cosignature by {witness.VerifierKey}", $"{Finding.Cut(line.TrimEnd('\n'))}, which does not verify"));
            }
        }
    }

    /// <summary>
    /// Every checkpoint, oldest first, against the key trusted at its size: the chain of keys starts at
    /// <paramref name="first"/>, and each <c>KeyRotated</c> event extends it in the first checkpoint that covers it, which
    /// must be signed by the key trusted before and the key introduced (<see cref="KeyRotation.Problem"/>); from there on the
    /// new key signs. A checkpoint signed by any other key is a finding that names the key it carries, and so is one still
    /// signed by a key retired before it: a copy of that key was not destroyed. <paramref name="trusted"/> receives the chain
    /// of keys as far as it held: the first key and each key a rotation proven in its checkpoint introduced.
    /// </summary>
    private async Task<int> CheckCheckpointsAsync(List<byte[]> leafHashes, List<KeyRotation> rotations, NoteVerifier first, List<NoteVerifier> trusted,
        List<Finding> findings, CancellationToken cancellationToken)
    {
        var subtrees = PerfectSubtrees(leafHashes);
        var checkpoints = await db.Checkpoints.AsNoTracking().OrderBy(c => c.Size).ThenBy(c => c.Id).ToListAsync(cancellationToken);
        var signed = new List<(CheckpointRecord Record, Checkpoint Checkpoint)>();
        var witnesses = WitnessKeys(findings);
        var chain = new List<NoteVerifier> { first };
        var followed = 0;
        foreach (var record in checkpoints)
        {
            var subject = $"checkpoint {record.Id} (size {record.Size})";
            var retired = chain.Count - 1;
            for (; followed < rotations.Count && rotations[followed].Index < record.Size; followed++)
            {
                var rotation = rotations[followed];
                if (rotation.Problem(chain, record.Text) is { } problem)
                {
                    findings.Add(new Finding("key", $"#{rotation.Index}", $"a {KeyRotation.Action} event from {chain[^1].VerifierKey}, in a checkpoint signed by both keys",
                        $"{problem}: the key it introduces is not trusted"));
                }
                else
                {
                    chain.Add(rotation.New);
                }
            }
            var verifier = chain[^1];
            if (!verifier.Verify(record.Text, out var body))
            {
                findings.Add(new Finding("checkpoint", subject, $"a signature by {verifier.VerifierKey}", Unsigned(record.Text, verifier, chain)));
                continue;
            }
            // Keys retired before this checkpoint's rotations (those signing it hand over here, and may).
            foreach (var old in chain.Take(retired).Where(k => k.Verify(record.Text, out _)))
            {
                findings.Add(new Finding("key", subject, $"no signature by {old.VerifierKey}, retired by an earlier rotation",
                    "a valid signature by it: a copy of the retired private key still exists"));
            }
            Checkpoint checkpoint;
            try
            {
                checkpoint = Checkpoint.Parse(body);
            }
            catch (FormatException e)
            {
                findings.Add(new Finding("checkpoint", subject, "a checkpoint body", e.Message));
                continue;
            }
            if (checkpoint.Origin != settings.LedgerName)
            {
                findings.Add(new Finding("checkpoint", subject, $"origin {settings.LedgerName}", $"origin {checkpoint.Origin}"));
            }
            if (checkpoint.Size > leafHashes.Count)
            {
                findings.Add(new Finding("checkpoint", subject, $"a log of at least {checkpoint.Size} events", $"{leafHashes.Count} events: events were removed"));
                continue;
            }
            var root = MerkleTree.Root(checkpoint.Size, subtrees);
            if (!root.AsSpan().SequenceEqual(checkpoint.Root))
            {
                findings.Add(new Finding("checkpoint", subject, $"root {Convert.ToHexStringLower(checkpoint.Root)} (signed)", $"root {Convert.ToHexStringLower(root)} rebuilt from the events"));
            }
            if (checkpoint.Size != record.Size || Convert.ToHexStringLower(checkpoint.Root) != record.RootHash)
            {
                findings.Add(new Finding("checkpoint", subject, $"size {checkpoint.Size}, root {Convert.ToHexStringLower(checkpoint.Root)} (signed)", $"size {record.Size}, root {Finding.Cut(record.RootHash)} in the row"));
            }
            CheckCosignatures(record, body, subject, witnesses, findings);
            signed.Add((record, checkpoint));
        }
        if (signed.Count > 0)
        {
            var latest = signed[^1].Checkpoint;
            // Each good checkpoint must be a prefix of the latest: prove it the way an outsider would.
            foreach (var (record, old) in signed.Where(s => s.Checkpoint.Size >= 1))
            {
                var proof = MerkleTree.ConsistencyProof(old.Size, latest.Size, subtrees);
                if (!MerkleTree.VerifyConsistency(old.Size, latest.Size, old.Root, latest.Root, proof))
                {
                    findings.Add(new Finding("checkpoint", $"checkpoint {record.Id} (size {record.Size})", $"consistent with the latest checkpoint (size {latest.Size})", "not consistent: the log was rewritten"));
                }
            }
            if (latest.Size < leafHashes.Count)
            {
                findings.Add(new Finding("event", $"#{latest.Size}", $"every event covered by a checkpoint (latest size {latest.Size})", $"{leafHashes.Count} events: later events have no checkpoint"));
            }
        }
        else if (leafHashes.Count > 0)
        {
            findings.Add(new Finding("checkpoint", "latest", $"a checkpoint covering {leafHashes.Count} events", "no valid checkpoint"));
        }
        trusted.AddRange(chain);
        return checkpoints.Count;
    }

    /// <summary>
    /// Why a checkpoint does not verify, naming the keys its signature lines do carry that are not <paramref name="expected"/>:
    /// an insider who made a key of their own and re-signed is named by it.
    /// </summary>
    private static string Unsigned(string text, NoteVerifier expected, List<NoteVerifier> chain)
    {
        var others = NoteVerifier.Signers(text).Where(s => s != expected.Signer).Distinct().ToList();
        if (others.Count == 0)
        {
            return "no valid signature by that key";
        }
        var named = others.Select(s => chain.FirstOrDefault(k => k.Signer == s) is { } known
            ? $"{known.VerifierKey}, retired by a rotation"
            : $"{s}, a key no {KeyRotation.Action} event in a checkpoint signed by a trusted key introduced");
        return $"no valid signature by that key; signed by {string.Join("; ", named)}";
    }

    /// <summary>
    /// Every timestamp token must be over its checkpoint's exact text, signed by a time-stamping authority (the
    /// pinned one when EVIDENCE_TSA_CERT is set), at a time no earlier than the checkpoint says it was made:
    /// a checkpoint cannot have been stamped before it existed.
    /// </summary>
    private async Task<int> CheckTimestampsAsync(List<Finding> findings, CancellationToken cancellationToken)
    {
        var trusted = trust.Certificate;
        var stamped = await db.Checkpoints.AsNoTracking().Where(c => c.TimestampToken != null).OrderBy(c => c.Size).ThenBy(c => c.Id)
            .Select(c => new { c.Id, c.Size, c.Text, c.CreatedAtUtc, c.TimestampToken }).ToListAsync(cancellationToken);
        foreach (var c in stamped)
        {
            var subject = $"checkpoint {c.Id} (size {c.Size})";
            var check = TimestampToken.Check(c.TimestampToken!, System.Text.Encoding.UTF8.GetBytes(c.Text), trusted);
            var expected = trusted is null ? "an RFC 3161 token over the checkpoint text" : $"an RFC 3161 token over the checkpoint text by {trusted.SubjectDN}";
            if (!check.Valid)
            {
                findings.Add(new Finding("timestamp", subject, expected, check.Problem));
            }
            else if (check.GenTimeUtc < c.CreatedAtUtc - ClockSkew)
            {
                findings.Add(new Finding("timestamp", subject, $"a time after the checkpoint was made ({c.CreatedAtUtc:O})",
                    $"stamped at {check.GenTimeUtc:O} by {check.Authority}: the checkpoint's time is later than the authority saw it"));
            }
        }
        return stamped.Count;
    }

    // Our clock and another's (the authority's, the blob store's) may disagree a little; more than this is a finding.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>Every perfect subtree of the rebuilt tree, level by level, so each checkpoint's root costs O(log n).</summary>
    private static MerkleTree.SubtreeHash PerfectSubtrees(List<byte[]> leafHashes)
    {
        var levels = new List<List<byte[]>> { leafHashes };
        while (levels[^1].Count > 1)
        {
            var below = levels[^1];
            var level = new List<byte[]>(below.Count / 2);
            for (var i = 0; i + 1 < below.Count; i += 2)
            {
                level.Add(MerkleTree.NodeHash(below[i], below[i + 1]));
            }
            levels.Add(level);
        }
        return MerkleTree.FromPerfectSubtrees((level, index) => levels[level][(int)index]);
    }
}
