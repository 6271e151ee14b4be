using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Storage;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Evidence.Referrals;

/// <summary>
/// What <c>verify-package</c> checked and every finding; clean when there is none. <c>verify-package --json</c> prints
/// this record, under the documented names <c>package</c> and <c>key</c> (the ledger key it checked against).
/// </summary>
public sealed record PackageReport(
    [property: JsonPropertyName("package")] string? PackageId,
    int Files,
    int Items,
    int Events,
    bool Timestamped,
    [property: JsonPropertyName("key")] string? VerifierKey,
    IReadOnlyList<Finding> Findings)
{
    // First, where a reader of the printed report looks.
    [JsonPropertyOrder(-1)]
    public bool Clean => Findings.Count == 0;
}

/// <summary>
/// Checks a referral package offline, with nothing but the zip and what the recipient was given by another channel
/// (the ledger key, or the organisation CA): the zip's structure (<see cref="StrictZip"/>: every entry's CRC-32 and
/// sizes, local and central headers agreeing), the bag's completeness and every manifest hash, Payload-Oxum, both
/// signatures over the tag manifest, the checkpoint's signature, every inclusion proof, and that each item's bytes
/// are the ones its custody events name. Nothing is extracted: entries are read as streams, so a hostile entry
/// name (<c>../x</c>, an absolute path) is reported, never written.
/// <para>
/// Hostile input cannot take more than bounded memory or output: evidence is only streamed through the hashes,
/// small tag files are read whole under <see cref="MaxTagFileBytes"/>, manifests and custody files line by line
/// (a line over <see cref="MaxLineBytes"/> is a finding), values shown in findings are cut to
/// <see cref="MaxShownCharacters"/>, and at most <see cref="MaxFindings"/> findings are listed.
/// </para>
/// Tampering is a finding, never an exception; all findings are returned. Without a pinned key or CA everything
/// is checked and then "signer not pinned" is a finding: a package can only vouch for itself.
/// </summary>
public static class PackageVerifier
{
    /// <summary>bagit.txt, bag-info.txt, the tag manifest, its signatures, the checkpoint, keys and certificates are a few KiB.</summary>
    public const int MaxTagFileBytes = 1 << 20;

    /// <summary>items.json holds about 1 KiB per item: 64 MiB is some 60,000 items.</summary>
    public const int MaxItemsBytes = 64 << 20;

    /// <summary>A manifest line is a hash and a path; a custody event or its proof a few KiB.</summary>
    public const int MaxLineBytes = 64 << 10;

    public const int MaxShownCharacters = 200;
    public const int MaxFindings = 1000;

    private static readonly HashSet<string> UnlistedTagFiles = ["tagmanifest-sha256.txt", BagWriter.CmsSignatureFile, BagWriter.NoteSignatureFile];

    public static PackageReport Verify(string zipPath, string? pinnedVerifierKey = null, BcCertificate? pinnedCa = null)
    {
        var findings = new FindingList();
        using var zip = StrictZip.Read(zipPath, findings.Add);
        if (zip is null)
        {
            return new PackageReport(null, 0, 0, 0, false, null, findings.ToList());
        }
        return new Check(zip, findings).Run(pinnedVerifierKey, pinnedCa);
    }

    /// <summary>A value as a finding shows it: control and format characters made visible, cut to <see cref="MaxShownCharacters"/>.</summary>
    internal static string Shown(string value) =>
        Text.Display.Text(value.Length <= MaxShownCharacters ? value : $"{value[..MaxShownCharacters]}… ({value.Length:N0} characters)");

    /// <summary>Keeps the first <see cref="MaxFindings"/> findings and counts the rest, so a hostile package cannot flood memory or output.</summary>
    private sealed class FindingList
    {
        private readonly List<Finding> kept = [];
        private long dropped;

        public void Add(Finding finding)
        {
            if (kept.Count < MaxFindings)
            {
                kept.Add(finding);
            }
            else
            {
                dropped++;
            }
        }

        public IReadOnlyList<Finding> ToList() => dropped == 0
            ? kept.ToList()
            : [.. kept, new Finding("limit", "findings", $"at most {MaxFindings} findings listed", $"{dropped:N0} more, not listed")];
    }

    private sealed class Check(StrictZip zip, FindingList findings)
    {
        private readonly Dictionary<string, StrictZipEntry> files = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string Sha256, string Sha512, long Size)> hashes = new(StringComparer.Ordinal);
        private readonly byte[] buffer = new byte[1 << 20];
        private string root = "";

        public PackageReport Run(string? pinnedVerifierKey, BcCertificate? pinnedCa)
        {
            if (!ReadEntries())
            {
                return new PackageReport(null, files.Count, 0, 0, false, null, findings.ToList());
            }
            HashPayload();
            var bagInfo = CheckBagDeclaration();
            var manifest = CheckManifests();
            CheckTagManifest();
            var tagManifest = Text("tagmanifest-sha256.txt");

            var packageKey = Text("data/custody/ledger-key.txt")?.Trim();
            var verifier = Verifier(pinnedVerifierKey, packageKey);
            CheckCmsSignature(tagManifest, pinnedCa);
            CheckNoteSignature(tagManifest, verifier);
            var items = ReadItems();
            var (events, ingested, timestamped) = CheckCustody(verifier, items?.Select(i => i.EvidenceId.ToString()).ToHashSet());
            CheckItems(manifest, items, ingested);
            var listed = findings.ToList();
            if (pinnedVerifierKey is null && pinnedCa is null)
            {
                // Last, once everything else is checked, and never cut by the limit: a key inside the package can only
                // vouch for the package itself. (With --ca, the CMS signature pins the tag manifest and so the ledger key.)
                listed = [.. listed, new Finding("key", "signer not pinned",
                    "the ledger key the sender published, given with --key (or the organisation's CA, with --ca)",
                    $"the package claims {(packageKey is null ? "no key" : Shown(packageKey))}; compare it with the key the sender published")];
            }
            return new PackageReport(bagInfo.GetValueOrDefault("External-Identifier"), files.Count, items?.Count ?? 0, events, timestamped,
                verifier?.VerifierKey, listed);
        }

        /// <summary>Every entry has a safe, unique name under one root folder; anything else is reported and skipped.</summary>
        private bool ReadEntries()
        {
            var roots = new HashSet<string>(StringComparer.Ordinal);
            // Two names that differ only in case become one file when unzipped on Windows or macOS: the second overwrites the first.
            var folded = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var folders = new List<string>();
            foreach (var entry in zip.Entries)
            {
                var name = entry.Name;
                if (!IsSafeEntryName(name))
                {
                    findings.Add(new Finding("zip", Shown(name), "an entry name inside the bag's folder", "an unsafe entry name (absolute, '..', backslash or control characters); not read"));
                    continue;
                }
                if (name.EndsWith('/'))
                {
                    if (entry.Size != 0)
                    {
                        findings.Add(new Finding("zip", Shown(name), "a folder entry without content", $"{entry.Size} bytes"));
                    }
                    folders.Add(name);
                    continue;
                }
                var slash = name.IndexOf('/');
                if (slash < 0)
                {
                    findings.Add(new Finding("zip", Shown(name), "every file inside the bag's folder", "a file at the top of the zip"));
                    continue;
                }
                roots.Add(name[..slash]);
                var path = name[(slash + 1)..];
                if (!files.TryAdd(path, entry))
                {
                    // Unzip tools disagree on which of two same-named entries wins: the package is ambiguous.
                    findings.Add(new Finding("zip", Shown(name), "one entry per name", "two entries with this name"));
                }
                else if (!folded.Add(name))
                {
                    findings.Add(new Finding("zip", Shown(name), "names that stay distinct on a file system that ignores case", "two entries whose names differ only in case"));
                }
            }
            if (roots.Count != 1)
            {
                findings.Add(new Finding("zip", "layout", "one bag folder at the top of the zip", roots.Count == 0 ? "no files" : $"{roots.Count} folders: {Shown(string.Join(", ", roots))}"));
                return roots.Count == 1;
            }
            root = roots.Single();
            // A folder entry is harmless only inside the bag and where no file is: a folder named like a file makes unzip
            // create the folder and never write the file (a testimony that is "verified" but never reaches the disk).
            foreach (var folder in folders)
            {
                var inside = folder.StartsWith(root + "/", StringComparison.Ordinal) ? folder[(root.Length + 1)..].TrimEnd('/') : null;
                if (inside is null || files.Keys.Any(f => inside.Length > 0 && (f == inside || inside.StartsWith(f + "/", StringComparison.Ordinal))))
                {
                    findings.Add(new Finding("zip", Shown(folder), "folder entries only inside the bag's folder and never in a file's place",
                        inside is null ? "a folder outside the bag" : "a folder where a file of the bag is"));
                }
            }
            return true;
        }

        /// <summary>
        /// Streams every entry once through SHA-256, SHA-512 and CRC-32, and checks the CRC-32 and size its headers
        /// declare, so that the bytes hashed are exactly the bytes any standard unzip produces. An entry that fails is
        /// refused like any other malformed entry: the manifests then report it missing.
        /// </summary>
        private void HashPayload()
        {
            foreach (var (path, entry) in files.ToList())
            {
                try
                {
                    using var stream = zip.Open(entry);
                    using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    using var sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
                    var crc = new Crc32();
                    long size = 0;
                    int read;
                    while ((read = stream.Read(buffer)) > 0)
                    {
                        sha256.AppendData(buffer, 0, read);
                        sha512.AppendData(buffer, 0, read);
                        crc.Append(buffer.AsSpan(0, read));
                        size += read;
                    }
                    // The stream stops one byte past the declared size: that is enough to know the headers understate
                    // the entry, and a zip bomb stops there.
                    if (size == entry.Size && crc.GetCurrentHashAsUInt32() == entry.Crc32)
                    {
                        hashes[path] = (Convert.ToHexStringLower(sha256.GetHashAndReset()), Convert.ToHexStringLower(sha512.GetHashAndReset()), size);
                        continue;
                    }
                    findings.Add(new Finding("zip", Shown($"{root}/{path}"), $"{entry.Size} bytes with CRC-32 {entry.Crc32:x8}, as its headers declare",
                        (size > entry.Size ? "more bytes than that" : $"{size} bytes with CRC-32 {crc.GetCurrentHashAsUInt32():x8}") + "; not read"));
                }
                catch (InvalidDataException e)
                {
                    findings.Add(new Finding("zip", Shown($"{root}/{path}"), "an entry that decompresses", $"{Shown(e.Message)}; not read"));
                }
                files.Remove(path);
            }
        }

        private Dictionary<string, string> CheckBagDeclaration()
        {
            var bagIt = Text("bagit.txt");
            if (bagIt is null)
            {
                findings.Add(new Finding("bag", "bagit.txt", "the bag declaration", "missing"));
            }
            else if (bagIt != BagWriter.BagItText)
            {
                findings.Add(new Finding("bag", "bagit.txt", BagWriter.BagItText.ReplaceLineEndings(" "), Shown(bagIt.ReplaceLineEndings(" "))));
            }
            var info = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in (Text("bag-info.txt") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var colon = line.IndexOf(':');
                if (colon > 0)
                {
                    info.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
                }
            }
            foreach (var field in new[] { "Source-Organization", "Contact-Name", "External-Identifier", "Bagging-Date", "Payload-Oxum", "Bag-Count", "Internal-Sender-Description" })
            {
                if (!info.ContainsKey(field))
                {
                    findings.Add(new Finding("bag", "bag-info.txt", $"a {field} field", "none"));
                }
            }
            var payload = hashes.Where(h => h.Key.StartsWith("data/", StringComparison.Ordinal)).ToList();
            var oxum = string.Create(CultureInfo.InvariantCulture, $"{payload.Sum(p => p.Value.Size)}.{payload.Count}");
            if (info.TryGetValue("Payload-Oxum", out var declared) && declared != oxum)
            {
                findings.Add(new Finding("bag", "Payload-Oxum", Shown(declared), oxum));
            }
            return info;
        }

        /// <summary>Both payload manifests list exactly the files under data/, each with its right hash. Returns the SHA-256 manifest.</summary>
        private Dictionary<string, string> CheckManifests()
        {
            var sha256 = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, length, pick) in new (string, int, Func<(string, string, long), string>)[]
                     {
                         ("manifest-sha256.txt", 64, h => h.Item1),
                         ("manifest-sha512.txt", 128, h => h.Item2),
                     })
            {
                if (!Exists(name, "a manifest"))
                {
                    continue;
                }
                // Only paths that are files in the zip are remembered, so a manifest of millions of lines costs no memory.
                var listed = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (path, expected) in ManifestLines(name, length))
                {
                    if (!path.StartsWith("data/", StringComparison.Ordinal))
                    {
                        findings.Add(new Finding("manifest", $"{name}: {Shown(path)}", "a payload file under data/", "a path outside it"));
                    }
                    else if (!hashes.TryGetValue(path, out var found))
                    {
                        findings.Add(new Finding("missing", Shown(path), $"a file listed in {name}", "no such file in the bag"));
                    }
                    else if (!listed.Add(path))
                    {
                        findings.Add(new Finding("manifest", $"{name}: {Shown(path)}", "one line per file", "two lines"));
                    }
                    else if (pick(found) != expected)
                    {
                        findings.Add(new Finding("hash", Shown(path), $"{name}: {expected}", pick(found)));
                    }
                    if (length == 64)
                    {
                        sha256.TryAdd(path, expected);
                    }
                }
                foreach (var path in hashes.Keys.Where(p => p.StartsWith("data/", StringComparison.Ordinal) && !listed.Contains(p)))
                {
                    findings.Add(new Finding("extra", Shown(path), $"only files listed in {name}", "a file the manifest does not list"));
                }
            }
            return sha256;
        }

        /// <summary>The tag manifest lists the tag files with their right hashes; nothing else sits beside them.</summary>
        private void CheckTagManifest()
        {
            var listed = new HashSet<string>(StringComparer.Ordinal);
            if (Exists("tagmanifest-sha256.txt", "a manifest"))
            {
                foreach (var (path, expected) in ManifestLines("tagmanifest-sha256.txt", 64))
                {
                    if (!hashes.TryGetValue(path, out var found))
                    {
                        findings.Add(new Finding("missing", Shown(path), "a tag file listed in tagmanifest-sha256.txt", "no such file in the bag"));
                    }
                    else if (!listed.Add(path))
                    {
                        findings.Add(new Finding("manifest", $"tagmanifest-sha256.txt: {Shown(path)}", "one line per file", "two lines"));
                    }
                    else if (found.Sha256 != expected)
                    {
                        findings.Add(new Finding("hash", Shown(path), $"tagmanifest-sha256.txt: {expected}", found.Sha256));
                    }
                }
            }
            foreach (var required in new[] { "bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt" })
            {
                if (!listed.Contains(required))
                {
                    findings.Add(new Finding("manifest", "tagmanifest-sha256.txt", $"a line for {required}", "none"));
                }
            }
            foreach (var path in hashes.Keys.Where(p => !p.StartsWith("data/", StringComparison.Ordinal) && !listed.Contains(p) && !UnlistedTagFiles.Contains(p)))
            {
                findings.Add(new Finding("extra", Shown(path), "only the tag files the tag manifest lists, and its two signatures", "a file nothing lists"));
            }
        }

        private NoteVerifier? Verifier(string? pinned, string? packageKey)
        {
            NoteVerifier? fromPackage = null;
            try
            {
                fromPackage = packageKey is null ? null : NoteVerifier.Parse(packageKey);
            }
            catch (FormatException e)
            {
                findings.Add(new Finding("key", "data/custody/ledger-key.txt", "a signed-note verifier key", Shown(e.Message)));
            }
            if (pinned is null)
            {
                if (packageKey is null)
                {
                    findings.Add(new Finding("key", "data/custody/ledger-key.txt", "the ledger's verifier key", "missing"));
                }
                return fromPackage;
            }
            NoteVerifier expected;
            try
            {
                expected = NoteVerifier.Parse(pinned);
            }
            catch (FormatException e)
            {
                findings.Add(new Finding("key", "--key", "a signed-note verifier key", Shown(e.Message)));
                return fromPackage;
            }
            if (fromPackage is not null && fromPackage.VerifierKey != expected.VerifierKey)
            {
                findings.Add(new Finding("key", "data/custody/ledger-key.txt", Shown(expected.VerifierKey), Shown(fromPackage.VerifierKey)));
            }
            return expected;
        }

        private void CheckCmsSignature(string? tagManifest, BcCertificate? pinnedCa)
        {
            var signature = Bytes(BagWriter.CmsSignatureFile, MaxTagFileBytes);
            if (signature is null || tagManifest is null)
            {
                findings.Add(new Finding("signature", BagWriter.CmsSignatureFile, "a CMS signature over tagmanifest-sha256.txt", "missing"));
                return;
            }
            if (OrganisationSigner.VerifyDetached(signature, Encoding.UTF8.GetBytes(tagManifest), out var signer) is { } problem)
            {
                findings.Add(new Finding("signature", BagWriter.CmsSignatureFile, "a valid signature over tagmanifest-sha256.txt", Shown(problem)));
                return;
            }
            // The certificate inside the bag is pinned by the manifests; the CMS must have been made with it.
            var declared = Certificate("data/custody/organisation.pem");
            if (declared is not null && !declared.Equals(signer))
            {
                findings.Add(new Finding("signature", BagWriter.CmsSignatureFile, $"signed by the certificate in data/custody/organisation.pem ({Shown(declared.SubjectDN.ToString())})", $"signed by {Shown(signer!.SubjectDN.ToString())}"));
            }
            var ca = pinnedCa ?? Certificate("data/custody/organisation-ca.pem");
            if (ca is not null && !Certificates.IsOrIssuedBy(signer!, ca))
            {
                findings.Add(new Finding("signature", BagWriter.CmsSignatureFile, $"a signer certificate issued by {Shown(ca.SubjectDN.ToString())}", $"one issued by {Shown(signer!.IssuerDN.ToString())}"));
            }
        }

        private void CheckNoteSignature(string? tagManifest, NoteVerifier? verifier)
        {
            var line = Text(BagWriter.NoteSignatureFile);
            if (line is null || tagManifest is null || verifier is null)
            {
                findings.Add(new Finding("signature", BagWriter.NoteSignatureFile, "an Ed25519 signed-note signature over tagmanifest-sha256.txt by the ledger key", "missing"));
                return;
            }
            if (!verifier.Verify(tagManifest + "\n" + line, out _))
            {
                findings.Add(new Finding("signature", BagWriter.NoteSignatureFile, $"a signature over tagmanifest-sha256.txt by {Shown(verifier.VerifierKey)}", "none that verifies"));
            }
        }

        /// <summary>
        /// The checkpoint's signature and token, and every event's inclusion proof against it, read a line at a time.
        /// Returns the number of events and the (evidence id, SHA-256) of each Ingested event of the listed items.
        /// </summary>
        private (int Events, HashSet<(string Id, string Sha256)> Ingested, bool Timestamped) CheckCustody(NoteVerifier? verifier, HashSet<string>? itemIds)
        {
            var ingested = new HashSet<(string, string)>();
            var text = Text("data/custody/checkpoint.txt");
            if (text is null)
            {
                findings.Add(new Finding("checkpoint", "data/custody/checkpoint.txt", "the package checkpoint", "missing"));
                return (0, ingested, false);
            }
            Checkpoint? checkpoint = null;
            if (verifier is not null && !verifier.Verify(text, out _))
            {
                findings.Add(new Finding("checkpoint", "data/custody/checkpoint.txt", $"signed by {Shown(verifier.VerifierKey)}", "no signature that verifies"));
            }
            try
            {
                checkpoint = Checkpoint.Parse(text[..(text.IndexOf("\n\n", StringComparison.Ordinal) + 1)]);
            }
            catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException)
            {
                findings.Add(new Finding("checkpoint", "data/custody/checkpoint.txt", "a checkpoint (origin, size, root)", Shown(e.Message)));
            }
            var timestamped = false;
            if (Bytes("data/custody/checkpoint.tsr", MaxTagFileBytes) is { } token)
            {
                timestamped = true;
                var check = TimestampToken.Check(token, Encoding.UTF8.GetBytes(text), null);
                if (!check.Valid)
                {
                    findings.Add(new Finding("timestamp", "data/custody/checkpoint.tsr", "an RFC 3161 token over checkpoint.txt", Shown(check.Problem ?? "")));
                }
            }
            // Events and their proofs are read side by side, a line of each at a time: memory does not grow with the custody history.
            using var events = Lines("data/custody/events.jsonl").GetEnumerator();
            using var proofs = Lines("data/custody/proofs.jsonl").GetEnumerator();
            int eventCount = 0, proofCount = 0;
            while (true)
            {
                var hasEvent = events.MoveNext();
                var hasProof = proofs.MoveNext();
                eventCount += hasEvent ? 1 : 0;
                proofCount += hasProof ? 1 : 0;
                if (!hasEvent || !hasProof)
                {
                    while (hasEvent && events.MoveNext()) { eventCount++; }
                    while (hasProof && proofs.MoveNext()) { proofCount++; }
                    break;
                }
                if (events.Current is { } eventLine && proofs.Current is { } proofLine)
                {
                    CheckEvent(eventLine, proofLine, eventCount, checkpoint, itemIds, ingested);
                }
            }
            if (eventCount != proofCount)
            {
                findings.Add(new Finding("proof", "data/custody/proofs.jsonl", $"{eventCount} proofs, one per event", proofCount.ToString(CultureInfo.InvariantCulture)));
            }
            return (eventCount, ingested, timestamped);
        }

        private void CheckEvent(string eventLine, string proofLine, int lineNumber, Checkpoint? checkpoint, HashSet<string>? itemIds, HashSet<(string, string)> ingested)
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
                    findings.Add(new Finding("proof", $"event {index}", $"a proof for leaf {index} with hash {Convert.ToHexStringLower(leafHash)}", $"one for leaf {proof.Index} with hash {Shown(proof.LeafHash)}"));
                }
                else if (checkpoint is not null && (proof.Size != checkpoint.Size ||
                         !MerkleTree.VerifyInclusion(leafHash, index, checkpoint.Size, proof.Proof.Select(Convert.FromHexString).ToList(), checkpoint.Root)))
                {
                    findings.Add(new Finding("proof", $"event {index}", $"an audit path to the root of the checkpoint of {checkpoint.Size} events", "one that does not lead there"));
                }
                else if (leaf.RootElement.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.String && action.GetString() == "Ingested" &&
                         leaf.RootElement.TryGetProperty("evidence", out var id) && id.ValueKind == JsonValueKind.String && itemIds?.Contains(id.GetString()!) == true &&
                         leaf.RootElement.TryGetProperty("sha256", out var sha) && sha.ValueKind == JsonValueKind.String)
                {
                    // Only what the item check needs is kept, and only for the items the package lists.
                    ingested.Add((id.GetString()!, sha.GetString()!));
                }
            }
            catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or ArgumentException)
            {
                findings.Add(new Finding("proof", $"data/custody line {lineNumber}", "a custody event and its proof as JSON", Shown(e.Message)));
            }
        }

        private List<PackageItem>? ReadItems()
        {
            var json = Bytes("data/metadata/items.json", MaxItemsBytes);
            if (json is null)
            {
                findings.Add(new Finding("metadata", "data/metadata/items.json", "the item list", "missing"));
                return null;
            }
            try
            {
                var items = JsonSerializer.Deserialize<List<PackageItem?>>(json, ProofLine.Json) ?? [];
                if (items.Contains(null))
                {
                    findings.Add(new Finding("metadata", "data/metadata/items.json", "an item in every place of the list", "null"));
                }
                return items.OfType<PackageItem>().ToList();
            }
            catch (JsonException e)
            {
                findings.Add(new Finding("metadata", "data/metadata/items.json", "the item list as JSON", Shown(e.Message)));
                return null;
            }
        }

        /// <summary>Each listed item's file hashes to the SHA-256 that its Ingested custody event (proved above) names.</summary>
        private void CheckItems(Dictionary<string, string> manifest, List<PackageItem>? items, HashSet<(string Id, string Sha256)> ingested)
        {
            if (items is null)
            {
                return;
            }
            foreach (var item in items)
            {
                if (!manifest.TryGetValue(item.File, out var fileHash))
                {
                    findings.Add(new Finding("item", Shown(item.Ern), $"its file {Shown(item.File)} in the manifest", "not listed"));
                    continue;
                }
                if (fileHash != item.Sha256 || !BlobKey.IsSha256Hex(item.Sha256))
                {
                    findings.Add(new Finding("item", Shown(item.Ern), $"items.json's SHA-256 {Shown(item.Sha256)}", fileHash));
                }
                if (!ingested.Contains((item.EvidenceId.ToString(), fileHash)))
                {
                    findings.Add(new Finding("item", Shown(item.Ern), "an Ingested custody event naming these bytes", "none in data/custody/events.jsonl"));
                }
            }
            var evidenceFiles = manifest.Keys.Count(p => p.StartsWith("data/evidence/", StringComparison.Ordinal));
            if (evidenceFiles != items.Count)
            {
                findings.Add(new Finding("metadata", "data/metadata/items.json", $"{evidenceFiles} items, one per evidence file", items.Count.ToString(CultureInfo.InvariantCulture)));
            }
        }

        /// <summary>Each "hash  path" line of a manifest, read a line at a time; malformed and unsafe lines are findings and skipped.</summary>
        private IEnumerable<(string Path, string Hash)> ManifestLines(string name, int hashLength)
        {
            foreach (var line in Lines(name))
            {
                if (line is null)
                {
                    continue;
                }
                var space = line.IndexOf(' ');
                var hash = space > 0 ? line[..space] : line;
                var path = space > 0 ? DecodePath(line[(space + 1)..].TrimStart(' ', '\t')) : "";
                if (hash.Length != hashLength || !hash.All(Uri.IsHexDigit) || path.Length == 0)
                {
                    findings.Add(new Finding("manifest", name, "lines of 'hash  path'", Shown(line)));
                }
                else if (!IsSafeEntryName(path))
                {
                    findings.Add(new Finding("manifest", $"{name}: {Shown(path)}", "a relative path inside the bag", "an unsafe path"));
                }
                else
                {
                    yield return (path, hash.ToLowerInvariant());
                }
            }
        }

        private BcCertificate? Certificate(string path)
        {
            if (Bytes(path, MaxTagFileBytes) is not { } bytes)
            {
                findings.Add(new Finding("signature", path, "the organisation's certificate", "missing"));
                return null;
            }
            try
            {
                return new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(bytes)
                       ?? throw new Org.BouncyCastle.Security.Certificates.CertificateException("no certificate");
            }
            catch (Exception e) when (e is Org.BouncyCastle.Security.Certificates.CertificateException or IOException or ArgumentException)
            {
                findings.Add(new Finding("signature", path, "a certificate", Shown(e.Message)));
                return null;
            }
        }

        private bool Exists(string path, string what)
        {
            if (files.ContainsKey(path))
            {
                return true;
            }
            findings.Add(new Finding("missing", path, what, "no such file in the bag"));
            return false;
        }

        /// <summary>A file's bytes, if the zip has it and it is at most <paramref name="max"/> bytes (a larger one is a finding, and not read).</summary>
        private byte[]? Bytes(string path, int max)
        {
            if (!files.TryGetValue(path, out var entry))
            {
                return null;
            }
            if (entry.Size > max)
            {
                findings.Add(new Finding("bag", Shown(path), $"a file of at most {max:N0} bytes", $"{entry.Size:N0} bytes; not read"));
                return null;
            }
            try
            {
                using var stream = zip.Open(entry);
                using var bytes = new MemoryStream((int)entry.Size);
                // The stream gives at most the declared size plus one byte; a CRC-32 or size mismatch was reported by HashPayload.
                stream.CopyTo(bytes);
                return bytes.ToArray();
            }
            catch (InvalidDataException)
            {
                return null; // reported by HashPayload
            }
        }

        /// <summary>A small tag file as UTF-8 text.</summary>
        private string? Text(string path)
        {
            try
            {
                return Bytes(path, MaxTagFileBytes) is { } bytes ? new UTF8Encoding(false, true).GetString(bytes) : null;
            }
            catch (DecoderFallbackException)
            {
                findings.Add(new Finding("bag", Shown(path), "UTF-8 text", "bytes that are not UTF-8"));
                return null;
            }
        }

        /// <summary>
        /// The file's non-empty lines, streamed: a line over <see cref="MaxLineBytes"/> or not UTF-8 is a finding that
        /// shows only its start, and comes back as null so that callers can count it without reading it.
        /// </summary>
        private IEnumerable<string?> Lines(string path)
        {
            if (!files.TryGetValue(path, out var entry))
            {
                yield break;
            }
            using var stream = zip.Open(entry);
            var line = new byte[MaxLineBytes];
            var chunk = new byte[64 << 10];
            int kept = 0, number = 0, read;
            long length = 0;
            while ((read = ReadOrStop(stream, chunk)) > 0)
            {
                var at = 0;
                while (at < read)
                {
                    var newline = Array.IndexOf(chunk, (byte)'\n', at, read - at);
                    var end = newline < 0 ? read : newline;
                    var keep = Math.Min(end - at, MaxLineBytes - kept);
                    Array.Copy(chunk, at, line, kept, keep);
                    kept += keep;
                    length += end - at;
                    if (newline < 0)
                    {
                        break;
                    }
                    at = newline + 1;
                    number++;
                    if (length > 0)
                    {
                        yield return Line(path, number, line.AsSpan(0, kept), length);
                    }
                    kept = 0;
                    length = 0;
                }
            }
            if (length > 0)
            {
                yield return Line(path, number + 1, line.AsSpan(0, kept), length);
            }
        }

        private string? Line(string path, int number, ReadOnlySpan<byte> kept, long length)
        {
            if (length > MaxLineBytes)
            {
                findings.Add(new Finding("bag", $"{Shown(path)} line {number}", $"lines of at most {MaxLineBytes:N0} bytes",
                    $"{length:N0} bytes, starting {Shown(Encoding.UTF8.GetString(kept[..Math.Min(kept.Length, MaxShownCharacters)]))}…"));
                return null;
            }
            try
            {
                return new UTF8Encoding(false, true).GetString(kept);
            }
            catch (DecoderFallbackException)
            {
                findings.Add(new Finding("bag", $"{Shown(path)} line {number}", "UTF-8 text", "bytes that are not UTF-8"));
                return null;
            }
        }

        // A corrupt deflate stream was reported by HashPayload; here it just ends the file.
        private static int ReadOrStop(Stream stream, byte[] chunk)
        {
            try
            {
                return stream.Read(chunk);
            }
            catch (InvalidDataException)
            {
                return 0;
            }
        }
    }

    /// <summary>A relative path of named segments: no '..', no absolute path, no drive, no backslash, no control characters.</summary>
    internal static bool IsSafeEntryName(string name)
    {
        if (name.Length == 0 || name.StartsWith('/') || name.Contains('\\') || name.Contains(':') || name.Any(char.IsControl))
        {
            return false;
        }
        var segments = name.TrimEnd('/').Split('/');
        return segments.All(s => s.Length > 0 && s != "." && s != "..");
    }

    // BagIt percent-encodes CR, LF and '%' in manifest paths (RFC 8493 §2.1.3).
    private static string DecodePath(string path) =>
        path.Replace("%0D", "\r", StringComparison.OrdinalIgnoreCase).Replace("%0A", "\n", StringComparison.OrdinalIgnoreCase).Replace("%25", "%", StringComparison.Ordinal);
}
