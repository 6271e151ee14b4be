using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Referrals;
using Evidence.Requests;

namespace Evidence.Handover;

/// <summary>
/// A handover bundle as the office reads it, checked against the field ledger key the office pinned before anything is
/// recorded: the zip read as strictly as a referral package (<see cref="StrictZip"/>: local and central headers agreeing,
/// every byte accounted for; safe, unique names; size limits), the key it names, the manifest's signature, the checkpoint's
/// signature, every event's inclusion proof against that checkpoint (<see cref="EventProofs"/>), each item's events exactly
/// the ones the manifest lists, and each item's name, collector, source, capture date and court statement as its proven
/// field events bind them. Any problem refuses the whole bundle (<see cref="Open(string, NoteVerifier)"/> throws, listing them). The item bytes
/// are checked as the intake stages them (<see cref="OpenItem"/>): against the SHA-256 and size of their Ingested event.
/// </summary>
internal sealed class ReceivedBundle : IDisposable
{
    /// <summary>Problems listed in a refusal; a hostile bundle can have thousands.</summary>
    private const int MaxListed = 50;

    private readonly StrictZip zip;
    private readonly Dictionary<string, StrictZipEntry> files;

    private ReceivedBundle(StrictZip zip, Dictionary<string, StrictZipEntry> files, HandoverManifest manifest, Checkpoint checkpoint,
        Dictionary<Guid, List<CustodyEvent>> events, IReadOnlyList<NoteVerifier> fieldKeys)
    {
        this.zip = zip;
        this.files = files;
        Manifest = manifest;
        Checkpoint = checkpoint;
        EventsOf = events;
        FieldKeys = fieldKeys;
    }

    /// <summary>
    /// The field keys from the pinned one to the one that signed the bundle (<see cref="FieldKey"/>, the last): one key when the
    /// field never rotated it. Items received before under any of them are this field home's.
    /// </summary>
    public IReadOnlyList<NoteVerifier> FieldKeys { get; }

    /// <summary>The field key that signed the bundle: the pinned one, or the one its rotations lead to from it.</summary>
    public NoteVerifier FieldKey => FieldKeys[^1];

    public HandoverManifest Manifest { get; }

    /// <summary>The field checkpoint, signed by the pinned key, that every event was proven against.</summary>
    public Checkpoint Checkpoint { get; }

    /// <summary>Each item's field events, read from their proven leaves, in ledger order.</summary>
    public IReadOnlyDictionary<Guid, List<CustodyEvent>> EventsOf { get; }

    /// <summary>Reads and checks the bundle at <paramref name="path"/>; refuses it whole, naming every problem found, unless all is as the pinned key signed it.</summary>
    public static ReceivedBundle Open(string path, NoteVerifier pinned)
    {
        var problems = new List<string>();
        return Checked(StrictZip.Read(path, f => problems.Add($"{f.Subject}: expected {f.Expected}; found {f.Found}")), path, pinned, problems);
    }

    /// <summary>
    /// As <see cref="Open(string, NoteVerifier)"/>, for the zip an encrypted bundle (<paramref name="path"/>) held, decrypted into
    /// a scratch file scrambled under <paramref name="scratchKey"/>; the bundle owns the handle from here.
    /// </summary>
    public static ReceivedBundle Open(Microsoft.Win32.SafeHandles.SafeFileHandle scratch, byte[] scratchKey, string path, NoteVerifier pinned)
    {
        var problems = new List<string>();
        return Checked(StrictZip.ReadScrambled(scratch, scratchKey, path, f => problems.Add($"{f.Subject}: expected {f.Expected}; found {f.Found}")), path, pinned, problems);
    }

    private static ReceivedBundle Checked(StrictZip? zip, string path, NoteVerifier pinned, List<string> problems)
    {
        if (zip is null)
        {
            throw Refused(path, problems);
        }
        try
        {
            var files = Entries(zip, problems);
            RefuseIf(path, problems);
            var reader = new Reader(zip, files, problems);
            var key = reader.ReadText(HandoverBundle.FieldKey, PackageVerifier.MaxTagFileBytes);
            var manifestText = reader.ReadText(HandoverBundle.Manifest, PackageVerifier.MaxItemsBytes);
            var signature = reader.ReadText(HandoverBundle.ManifestSignature, PackageVerifier.MaxTagFileBytes);
            var checkpointText = reader.ReadText(HandoverBundle.Checkpoint, PackageVerifier.MaxTagFileBytes);
            var rotations = files.ContainsKey(HandoverBundle.KeyRotations) ? reader.ReadText(HandoverBundle.KeyRotations, PackageVerifier.MaxItemsBytes) : null;
            RefuseIf(path, problems);

            // Signatures first: nothing a bundle says is read further unless the field key the office pinned vouches for it, or
            // the key its rotations lead to from the pinned one.
            var chain = Chain(pinned, rotations, checkpointText!, problems);
            RefuseIf(path, problems);
            var signer = chain[^1];
            var whose = chain.Count == 1 ? "the pinned field key" : "the field key the rotations lead to from the pinned one,";
            if (key!.Trim() != signer.VerifierKey)
            {
                problems.Add($"{HandoverBundle.FieldKey}: expected {whose} {signer.VerifierKey}; found {Shown(key.Trim())}");
            }
            if (!signer.Verify(manifestText + "\n" + signature, out _))
            {
                problems.Add($"{HandoverBundle.Manifest}: expected a signature by {whose} {signer.VerifierKey}; found none that verifies");
            }
            Checkpoint? checkpoint = null;
            if (!signer.Verify(checkpointText!, out var body))
            {
                problems.Add($"{HandoverBundle.Checkpoint}: expected a checkpoint signed by {whose} {signer.VerifierKey}; found none that verifies");
            }
            else
            {
                try
                {
                    checkpoint = Checkpoint.Parse(body);
                }
                catch (FormatException e)
                {
                    problems.Add($"{HandoverBundle.Checkpoint}: expected a checkpoint (origin, size, root); found {Shown(e.Message)}");
                }
            }
            RefuseIf(path, problems);

            var manifest = ReadManifest(manifestText!, signer, checkpoint!, problems);
            RefuseIf(path, problems);
            var events = reader.ProvenEvents(checkpoint!);
            RefuseIf(path, problems);
            var byItem = CheckItems(manifest!, events, files, problems);
            RefuseIf(path, problems);
            return new ReceivedBundle(zip, files, manifest!, checkpoint!, byItem, chain);
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    /// <summary>
    /// An item's bytes as a standard unzip produces them, counted and run through CRC-32 as they are read, so that the
    /// intake's check after staging sees both (<see cref="ItemStream.Matches"/>).
    /// </summary>
    public ItemStream OpenItem(HandoverItem item)
    {
        var entry = files[item.File];
        return new ItemStream(zip.Open(entry), entry);
    }

    public void Dispose() => zip.Dispose();

    /// <summary>Every entry: a safe name under the one bundle folder, once, and one of the files the format has.</summary>
    private static Dictionary<string, StrictZipEntry> Entries(StrictZip zip, List<string> problems)
    {
        var files = new Dictionary<string, StrictZipEntry>(StringComparer.Ordinal);
        // Two names that differ only in case become one file when unzipped on Windows or macOS.
        var folded = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? root = null;
        foreach (var entry in zip.Entries)
        {
            var name = entry.Name;
            var slash = name.IndexOf('/');
            if (!PackageVerifier.IsSafeEntryName(name) || name.EndsWith('/') || slash < 0)
            {
                problems.Add($"{Shown(name)}: expected a file inside the bundle's folder; found an unsafe name (absolute, '..', backslash, control characters, " +
                             "a folder entry or a file outside the folder); not read");
                continue;
            }
            root ??= name[..slash];
            var inside = name[(slash + 1)..];
            if (name[..slash] != root || !root.StartsWith("handover-", StringComparison.Ordinal))
            {
                problems.Add($"{Shown(name)}: expected every file inside one folder handover-ID; found it in another");
            }
            else if (!IsBundleFile(inside))
            {
                problems.Add($"{Shown(name)}: expected only the files of a handover bundle; found a file the format does not have");
            }
            else if (!files.TryAdd(inside, entry) || !folded.Add(inside))
            {
                problems.Add($"{Shown(name)}: expected one entry per name; found two entries with this name (or names that differ only in case)");
            }
        }
        if (files.Count == 0 && problems.Count == 0)
        {
            problems.Add("the zip: expected a handover bundle; found no files");
        }
        return files;
    }

    private static bool IsBundleFile(string path) =>
        path is HandoverBundle.Manifest or HandoverBundle.ManifestSignature or HandoverBundle.Checkpoint or HandoverBundle.FieldKey or HandoverBundle.Events or HandoverBundle.Proofs
            or HandoverBundle.KeyRotations
        || path.StartsWith("items/", StringComparison.Ordinal) && Guid.TryParseExact(path["items/".Length..], "D", out var id) && HandoverBundle.ItemFile(id) == path;

    /// <summary>
    /// The chain of field keys from <paramref name="pinned"/> through the bundle's rotations (<paramref name="rotations"/>, the
    /// text of key-rotations.jsonl, or null) to the key that must sign <paramref name="checkpointText"/>: followed exactly as
    /// verify-package follows a package's (<see cref="KeyRotationProof.Follow"/>), each rotation's checkpoint signed by the key
    /// trusted before it and the one it introduces. A rotation that does not hold is a problem, and the bundle is refused.
    /// </summary>
    private static List<NoteVerifier> Chain(NoteVerifier pinned, string? rotations, string checkpointText, List<string> problems)
    {
        if (rotations is null)
        {
            return [pinned];
        }
        List<KeyRotationProof> proofs;
        Checkpoint target;
        try
        {
            proofs = KeyRotationProof.Parse(rotations);
            var split = checkpointText.IndexOf("\n\n", StringComparison.Ordinal);
            target = Checkpoint.Parse(split < 0 ? checkpointText : checkpointText[..(split + 1)]);
        }
        catch (FormatException e)
        {
            problems.Add($"{HandoverBundle.KeyRotations}: expected key rotations, one JSON object a line, leading to {HandoverBundle.Checkpoint}; found {Shown(e.Message)}");
            return [pinned];
        }
        var followed = KeyRotationProof.Follow(pinned, proofs, target, (proof, rotated) => proof.Extends(rotated, target));
        if (followed.Problem is { } problem)
        {
            problems.Add($"{HandoverBundle.KeyRotations}: expected rotations that lead from the pinned field key {pinned.VerifierKey} to the key that signs " +
                         $"{HandoverBundle.Checkpoint}; found {Shown(problem)}");
        }
        foreach (var k in KeyRotationProof.RetiredSigners(followed.Chain, proofs, checkpointText))
        {
            problems.Add($"{HandoverBundle.Checkpoint}: expected no signature by {followed.Chain[k].VerifierKey}, retired by key rotation {k + 1}; " +
                         "found a valid signature by it: a copy of the retired private key still exists");
        }
        return [.. followed.Chain];
    }

    private static HandoverManifest? ReadManifest(string text, NoteVerifier pinned, Checkpoint checkpoint, List<string> problems)
    {
        HandoverManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<HandoverManifest>(text, HandoverBundle.Json);
        }
        catch (JsonException e)
        {
            problems.Add($"{HandoverBundle.Manifest}: expected the manifest as JSON; found {Shown(e.Message)}");
            return null;
        }
        if (manifest is null || manifest.Format != HandoverBundle.Format)
        {
            problems.Add($"{HandoverBundle.Manifest}: expected format {HandoverBundle.Format}; found {Shown(manifest?.Format ?? "null")}");
            return null;
        }
        if (manifest.FieldKey != pinned.VerifierKey)
        {
            problems.Add($"{HandoverBundle.Manifest}: expected the field key {pinned.VerifierKey}; found {Shown(manifest.FieldKey)}");
        }
        if (manifest.CheckpointSize != checkpoint.Size || manifest.CheckpointRoot != Convert.ToHexStringLower(checkpoint.Root))
        {
            problems.Add($"{HandoverBundle.Manifest}: expected the checkpoint of checkpoint.txt ({checkpoint.Size} events); found one of {manifest.CheckpointSize} events " +
                         $"with root {Shown(manifest.CheckpointRoot)}");
        }
        foreach (var problem in new[] { HandoverBundle.NameProblem("exportedBy", manifest.ExportedBy), HandoverBundle.NameProblem("to", manifest.To) })
        {
            if (problem is not null)
            {
                problems.Add($"{HandoverBundle.Manifest}: {Shown(problem)}");
            }
        }
        if (manifest.Items.Count == 0 || manifest.Items.Select(i => i.Id).Distinct().Count() != manifest.Items.Count)
        {
            problems.Add($"{HandoverBundle.Manifest}: expected at least one item, each once; found {manifest.Items.Count} items, {manifest.Items.Select(i => i.Id).Distinct().Count()} distinct");
        }
        return manifest;
    }

    /// <summary>
    /// Each item against its proven field events: they are exactly the events the manifest lists for it, no event is left over,
    /// its Ingested event names its bytes and binds its name, collector, source and capture date, and its court statement is
    /// the current one its events recorded. Returns each item's events.
    /// </summary>
    private static Dictionary<Guid, List<CustodyEvent>> CheckItems(HandoverManifest manifest, Dictionary<long, CustodyEvent> events,
        Dictionary<string, StrictZipEntry> files, List<string> problems)
    {
        var byItem = new Dictionary<Guid, List<CustodyEvent>>();
        foreach (var item in manifest.Items)
        {
            var subject = $"item {item.Id}";
            if (item.File != HandoverBundle.ItemFile(item.Id) || !files.TryGetValue(item.File, out var entry))
            {
                problems.Add($"{subject}: expected its bytes at {HandoverBundle.ItemFile(item.Id)}; found {(files.ContainsKey(item.File) ? Shown(item.File) : "no such file")}");
            }
            else if (entry.Size != item.Size)
            {
                problems.Add($"{subject}: expected {item.Size} bytes in {item.File}; found {entry.Size}");
            }
            var own = new List<CustodyEvent>();
            foreach (var listed in item.Events)
            {
                if (!events.TryGetValue(listed.Index, out var e) || e.LeafHash != listed.LeafHash)
                {
                    problems.Add($"{subject}: expected its field event {listed.Index} (leaf hash {Shown(listed.LeafHash)}) in {HandoverBundle.Events}; found " +
                                 (e is null ? "no such event" : $"leaf hash {e.LeafHash}"));
                }
                else if (e.EvidenceId != item.Id)
                {
                    problems.Add($"{subject}: expected field event {listed.Index} to be about this item; found it about {e.EvidenceId?.ToString() ?? "no item"}");
                }
                else
                {
                    own.Add(e);
                }
            }
            own = own.DistinctBy(e => e.Sequence).OrderBy(e => e.Sequence).ToList();
            byItem[item.Id] = own;
            CheckIngested(item, subject, own, problems);
            CheckStatement(item, subject, own, problems);
        }
        var listedFiles = manifest.Items.Select(i => i.File).ToHashSet(StringComparer.Ordinal);
        foreach (var unlisted in files.Keys.Where(f => f.StartsWith("items/", StringComparison.Ordinal) && !listedFiles.Contains(f)).Take(MaxListed))
        {
            problems.Add($"{unlisted}: expected only the items the manifest lists; found one it does not list");
        }
        var listedEvents = byItem.Values.SelectMany(e => e).Select(e => e.Sequence).ToHashSet();
        foreach (var stray in events.Values.Where(e => !listedEvents.Contains(e.Sequence)).Take(MaxListed))
        {
            problems.Add($"event {stray.Sequence}: expected only events the manifest lists for its items; found one it does not list");
        }
        return byItem;
    }

    private static void CheckIngested(HandoverItem item, string subject, List<CustodyEvent> own, List<string> problems)
    {
        var ingested = own.Where(e => e.Action == "Ingested").ToList();
        if (ingested.Count != 1)
        {
            problems.Add($"{subject}: expected one Ingested field event among its events; found {ingested.Count}");
            return;
        }
        var leaf = ingested[0];
        var recorded = JsonSerializer.Deserialize<Dictionary<string, string>>(leaf.Details) ?? [];
        if (leaf.Sha256 != item.Sha256 || recorded.GetValueOrDefault("size") != Fact.Number(item.Size))
        {
            problems.Add($"{subject}: expected the SHA-256 and size its Ingested event {leaf.Sequence} recorded ({Shown(leaf.Sha256 ?? "none")}, " +
                         $"{Shown(recorded.GetValueOrDefault("size") ?? "none")} bytes); found {Shown(item.Sha256)}, {item.Size} bytes");
        }
        foreach (var problem in IntakeFields.Problems(item.Collector, item.Source, item.CapturedAt))
        {
            problems.Add($"{subject}: {Shown(problem)}");
        }
        // What the office will record is what the field event bound: each fact as the item's Ingested event states it
        // (free text by its SHA-256), from the one definition both ends use (Custody/Projections.cs).
        var stated = new EvidenceItem
        {
            Id = item.Id,
            Sha256 = item.Sha256,
            MediaType = "",
            OriginalName = item.OriginalName,
            Collector = item.Collector,
            Source = item.Source,
            CapturedAt = item.CapturedAt,
            IngestedBy = leaf.Actor,
        };
        foreach (var (detail, value) in Projections.Items.Details("Ingested", stated).Where(d => d.Key is "nameSha256" or "collectorSha256" or "sourceSha256" or "capturedAt"))
        {
            // A detail the field event does not carry was recorded before it was bound (an older field home): nothing to hold it to.
            if (recorded.TryGetValue(detail, out var bound) && bound != value)
            {
                problems.Add($"{subject}: expected the {detail} its Ingested event {leaf.Sequence} recorded; found another value");
            }
        }
    }

    /// <summary>The court statement the bundle carries is the item's latest, exactly as its field event recorded it (salted hashes included).</summary>
    private static void CheckStatement(HandoverItem item, string subject, List<CustodyEvent> own, List<string> problems)
    {
        var latest = own.LastOrDefault(e => e.Action is "Ingested" or "MetadataAmended"
                                            && (JsonSerializer.Deserialize<Dictionary<string, string>>(e.Details) ?? []).ContainsKey("metadata"));
        var latestId = latest is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(latest.Details)!["metadata"];
        if (item.Statement is null)
        {
            if (latestId is not null)
            {
                problems.Add($"{subject}: expected its court statement {Shown(latestId)} (event {latest!.Sequence}); found none");
            }
            return;
        }
        if (item.Statement.Id.ToString() != latestId || item.Statement.EvidenceId != item.Id)
        {
            problems.Add($"{subject}: expected its current court statement {Shown(latestId ?? "none")}; found statement {item.Statement.Id}");
            return;
        }
        foreach (var finding in Projections.Metadata.Check([item.Statement], own))
        {
            problems.Add($"{subject}: statement {finding.Subject}: expected {finding.Expected}; found {finding.Found}");
        }
        foreach (var problem in StatedFrom(item.Statement, null).Problems(DateTimeOffset.MaxValue))
        {
            problems.Add($"{subject}: {Shown(problem)}");
        }
    }

    /// <summary>
    /// The field's statement as the office states it anew for its own item: the same values, with the item it derives from
    /// given as the office's id of that item (<paramref name="derivedFrom"/>).
    /// </summary>
    public static Metadata.StatedMetadata StatedFrom(ItemMetadata s, Guid? derivedFrom) => new()
    {
        Place = s.Place,
        // Decimal keeps the digits the investigator typed (a double's shortest form may use an exponent the parser refuses).
        Coordinates = s.Latitude is { } latitude && s.Longitude is { } longitude
            ? string.Create(CultureInfo.InvariantCulture, $"{(decimal)latitude},{(decimal)longitude}")
            : null,
        Languages = s.Languages?.Split(' ', StringSplitOptions.RemoveEmptyEntries),
        Generation = Metadata.StatedMetadata.Word(s.Generation),
        OriginalHeldAt = s.OriginalHeldAt,
        DerivedFrom = derivedFrom,
        DerivedKind = Metadata.StatedMetadata.Word(s.DerivedKind),
        SourceUrl = s.SourceUrl,
        RetrievedAt = s.RetrievedAt,
        Device = s.Device,
        Consent = Metadata.StatedMetadata.Word(s.Consent),
        ConsentScope = s.ConsentScope,
        WillingToTestify = s.WillingToTestify,
        Confidentiality = Metadata.StatedMetadata.Word<Confidentiality>(s.Confidentiality),
    };

    private static void RefuseIf(string path, List<string> problems)
    {
        if (problems.Count > 0)
        {
            throw Refused(path, problems);
        }
    }

    private static InvalidRequestException Refused(string path, List<string> problems) =>
        new($"The handover bundle {Text.Display.Path(path)} was refused whole; nothing was recorded.",
            problems.Count <= MaxListed ? problems : [.. problems.Take(MaxListed), $"and {problems.Count - MaxListed} more problems, not listed"]);

    private static string Shown(string value) => PackageVerifier.Shown(value);

    /// <summary>Reads the bundle's small files and its custody lines, bounded, checking each entry's CRC-32 and size as a standard unzip would.</summary>
    private sealed class Reader(StrictZip zip, Dictionary<string, StrictZipEntry> files, List<string> problems)
    {
        public string? ReadText(string path, int max)
        {
            if (!files.TryGetValue(path, out var entry))
            {
                problems.Add($"{path}: expected in the bundle; found no such file");
                return null;
            }
            if (entry.Size > max)
            {
                problems.Add($"{path}: expected at most {max:N0} bytes; found {entry.Size:N0}; not read");
                return null;
            }
            try
            {
                using var stream = zip.Open(entry);
                using var bytes = new MemoryStream((int)entry.Size);
                stream.CopyTo(bytes);
                if (bytes.Length != entry.Size || Crc32.HashToUInt32(bytes.GetBuffer().AsSpan(0, (int)bytes.Length)) != entry.Crc32)
                {
                    problems.Add($"{path}: expected {entry.Size} bytes with CRC-32 {entry.Crc32:x8}, as its headers declare; found other bytes");
                    return null;
                }
                return new UTF8Encoding(false, true).GetString(bytes.GetBuffer(), 0, (int)bytes.Length);
            }
            catch (InvalidDataException e)
            {
                problems.Add($"{path}: expected an entry that decompresses; found {Shown(e.Message)}");
            }
            catch (DecoderFallbackException)
            {
                problems.Add($"{path}: expected UTF-8 text; found bytes that are not UTF-8");
            }
            return null;
        }

        /// <summary>Every event of events.jsonl, proven by the same line of proofs.jsonl against <paramref name="checkpoint"/>, read from its leaf; by index.</summary>
        public Dictionary<long, CustodyEvent> ProvenEvents(Checkpoint checkpoint)
        {
            var proven = new Dictionary<long, CustodyEvent>();
            var events = Lines(HandoverBundle.Events);
            var proofs = Lines(HandoverBundle.Proofs);
            if (events is null || proofs is null)
            {
                return proven;
            }
            if (events.Count != proofs.Count)
            {
                problems.Add($"{HandoverBundle.Proofs}: expected {events.Count} proofs, one per event; found {proofs.Count}");
                return proven;
            }
            for (var i = 0; i < events.Count && problems.Count <= MaxListed; i++)
            {
                if (events[i].Length > PackageVerifier.MaxLineBytes || proofs[i].Length > PackageVerifier.MaxLineBytes)
                {
                    problems.Add($"line {i + 1} of {HandoverBundle.Events}: expected lines of at most {PackageVerifier.MaxLineBytes:N0} bytes; found a longer one");
                    continue;
                }
                var problem = EventProofs.Check(events[i], proofs[i], $"line {i + 1} of {HandoverBundle.Events}", checkpoint, Shown);
                if (problem is not null)
                {
                    problems.Add($"{problem.Subject}: expected {problem.Expected}; found {problem.Found}");
                }
                else if (CustodyLeaf.Parse(events[i]) is not { EvidenceId: not null } leaf || CustodyLeaf.Json(leaf) != events[i])
                {
                    problems.Add($"line {i + 1} of {HandoverBundle.Events}: expected a custody event of an item, in canonical form; found another leaf");
                }
                else if (!proven.TryAdd(leaf.Sequence, leaf))
                {
                    problems.Add($"event {leaf.Sequence}: expected once; found twice");
                }
            }
            return proven;
        }

        private List<string>? Lines(string path) =>
            ReadText(path, PackageVerifier.MaxItemsBytes)?.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}

/// <summary>An item's bytes read from the bundle, counted and run through CRC-32 on the way.</summary>
internal sealed class ItemStream(Stream inner, StrictZipEntry entry) : Stream
{
    private readonly Crc32 crc = new();
    private long read;

    /// <summary>Whether what was read is exactly the entry as both its headers declare it (size and CRC-32).</summary>
    public bool Matches => read == entry.Size && crc.GetCurrentHashAsUInt32() == entry.Crc32;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        crc.Append(buffer[..n]);
        read += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        crc.Append(buffer.Span[..n]);
        read += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
