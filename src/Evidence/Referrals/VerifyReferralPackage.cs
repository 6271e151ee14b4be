using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Storage;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Evidence.Referrals;

/// <summary>What <c>verify-package</c> checked and every finding; clean when there is none.</summary>
public sealed record PackageReport(string? PackageId, int Files, int Items, int Events, bool Timestamped, string? VerifierKey, IReadOnlyList<Finding> Findings)
{
    public bool Clean => Findings.Count == 0;
}

/// <summary>
/// Checks a referral package offline, with nothing but the zip (and, optionally, the ledger key and the
/// organisation CA the recipient was given by another channel): the bag's completeness and every manifest
/// hash, Payload-Oxum, both signatures over the tag manifest, the checkpoint's signature, every inclusion
/// proof, and that each item's bytes are the ones its custody events name. Nothing is extracted: entries are
/// read as streams, so a hostile entry name (<c>../x</c>, an absolute path) is reported, never written.
/// Tampering is a finding, never an exception; all findings are returned.
/// </summary>
public static class PackageVerifier
{
    // Tag, metadata and custody files are read whole; evidence files are only streamed through the hashes.
    private const long MaxReadWhole = 256L << 20;

    private static readonly HashSet<string> UnlistedTagFiles = ["tagmanifest-sha256.txt", BagWriter.CmsSignatureFile, BagWriter.NoteSignatureFile];

    public static PackageReport Verify(string zipPath, string? pinnedVerifierKey = null, BcCertificate? pinnedCa = null)
    {
        var findings = new List<Finding>();
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(zipPath);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            findings.Add(new Finding("zip", zipPath, "a readable zip file", e.Message));
            return new PackageReport(null, 0, 0, 0, false, null, findings);
        }
        using (zip)
        {
            return new Check(zip, findings).Run(pinnedVerifierKey, pinnedCa);
        }
    }

    private sealed class Check(ZipArchive zip, List<Finding> findings)
    {
        private readonly Dictionary<string, ZipArchiveEntry> files = new(StringComparer.Ordinal);
        private readonly Dictionary<string, byte[]> whole = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string Sha256, string Sha512, long Size)> hashes = new(StringComparer.Ordinal);
        private readonly byte[] buffer = new byte[1 << 20];
        private string root = "";

        public PackageReport Run(string? pinnedVerifierKey, BcCertificate? pinnedCa)
        {
            if (!ReadEntries())
            {
                return new PackageReport(null, files.Count, 0, 0, false, null, findings);
            }
            HashPayload();
            var bagInfo = CheckBagDeclaration();
            var manifests = CheckManifests();
            CheckTagManifest();
            var tagManifest = Text("tagmanifest-sha256.txt");

            var packageKey = Text("data/custody/ledger-key.txt")?.Trim();
            var verifier = Verifier(pinnedVerifierKey, packageKey);
            CheckCmsSignature(tagManifest, pinnedCa);
            CheckNoteSignature(tagManifest, verifier);
            var (events, leaves, timestamped) = CheckCustody(verifier);
            var items = CheckItems(manifests, leaves);
            return new PackageReport(bagInfo.GetValueOrDefault("External-Identifier"), files.Count, items, events, timestamped,
                verifier?.VerifierKey, findings);
        }

        /// <summary>Every entry has a safe, unique name under one root folder; anything else is reported and skipped.</summary>
        private bool ReadEntries()
        {
            var roots = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries)
            {
                var name = entry.FullName;
                if (!IsSafeEntryName(name))
                {
                    findings.Add(new Finding("zip", Shown(name), "an entry name inside the bag's folder", "an unsafe entry name (absolute, '..', backslash or control characters); not read"));
                    continue;
                }
                if (name.EndsWith('/'))
                {
                    continue; // a folder entry carries no content
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
            }
            if (roots.Count != 1)
            {
                findings.Add(new Finding("zip", "layout", "one bag folder at the top of the zip", roots.Count == 0 ? "no files" : $"{roots.Count} folders: {string.Join(", ", roots.Select(Shown))}"));
                return roots.Count == 1;
            }
            root = roots.Single();
            return true;
        }

        private void HashPayload()
        {
            foreach (var (path, entry) in files)
            {
                try
                {
                    using var stream = entry.Open();
                    using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    using var sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
                    var keep = entry.Length <= MaxReadWhole && !path.StartsWith("data/evidence/", StringComparison.Ordinal) ? new MemoryStream() : null;
                    long size = 0;
                    int read;
                    while ((read = stream.Read(buffer)) > 0)
                    {
                        sha256.AppendData(buffer, 0, read);
                        sha512.AppendData(buffer, 0, read);
                        keep?.Write(buffer, 0, read);
                        size += read;
                    }
                    hashes[path] = (Convert.ToHexStringLower(sha256.GetHashAndReset()), Convert.ToHexStringLower(sha512.GetHashAndReset()), size);
                    if (keep is not null)
                    {
                        whole[path] = keep.ToArray();
                    }
                }
                catch (InvalidDataException e)
                {
                    findings.Add(new Finding("zip", $"{root}/{path}", "an entry that decompresses", e.Message));
                }
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
                findings.Add(new Finding("bag", "bagit.txt", BagWriter.BagItText.ReplaceLineEndings(" "), bagIt.ReplaceLineEndings(" ")));
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
                findings.Add(new Finding("bag", "Payload-Oxum", declared, oxum));
            }
            return info;
        }

        /// <summary>Both payload manifests list exactly the files under data/, each with its right hash.</summary>
        private Dictionary<string, string> CheckManifests()
        {
            var sha256 = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, length, pick) in new (string, int, Func<(string, string, long), string>)[]
                     {
                         ("manifest-sha256.txt", 64, h => h.Item1),
                         ("manifest-sha512.txt", 128, h => h.Item2),
                     })
            {
                var listed = ParseManifest(name, length);
                if (listed is null)
                {
                    continue;
                }
                foreach (var (path, expected) in listed)
                {
                    if (!path.StartsWith("data/", StringComparison.Ordinal))
                    {
                        findings.Add(new Finding("manifest", $"{name}: {Shown(path)}", "a payload file under data/", "a path outside it"));
                    }
                    else if (!hashes.TryGetValue(path, out var found))
                    {
                        findings.Add(new Finding("missing", Shown(path), $"a file listed in {name}", "no such file in the bag"));
                    }
                    else if (pick(found) != expected)
                    {
                        findings.Add(new Finding("hash", Shown(path), $"{name}: {expected}", pick(found)));
                    }
                }
                foreach (var path in hashes.Keys.Where(p => p.StartsWith("data/", StringComparison.Ordinal) && !listed.ContainsKey(p)))
                {
                    findings.Add(new Finding("extra", Shown(path), $"only files listed in {name}", "a file the manifest does not list"));
                }
                if (length == 64)
                {
                    sha256 = listed;
                }
            }
            return sha256;
        }

        /// <summary>The tag manifest lists the tag files with their right hashes; nothing else sits beside them.</summary>
        private void CheckTagManifest()
        {
            var listed = ParseManifest("tagmanifest-sha256.txt", 64) ?? [];
            foreach (var (path, expected) in listed)
            {
                if (!hashes.TryGetValue(path, out var found))
                {
                    findings.Add(new Finding("missing", Shown(path), "a tag file listed in tagmanifest-sha256.txt", "no such file in the bag"));
                }
                else if (found.Sha256 != expected)
                {
                    findings.Add(new Finding("hash", Shown(path), $"tagmanifest-sha256.txt: {expected}", found.Sha256));
                }
            }
            foreach (var required in new[] { "bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt" })
            {
                if (!listed.ContainsKey(required))
                {
                    findings.Add(new Finding("manifest", "tagmanifest-sha256.txt", $"a line for {required}", "none"));
                }
            }
            foreach (var path in hashes.Keys.Where(p => !p.StartsWith("data/", StringComparison.Ordinal) && !listed.ContainsKey(p) && !UnlistedTagFiles.Contains(p)))
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
                findings.Add(new Finding("key", "data/custody/ledger-key.txt", "a signed-note verifier key", e.Message));
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
                findings.Add(new Finding("key", "--key", "a signed-note verifier key", e.Message));
                return fromPackage;
            }
            if (fromPackage is not null && fromPackage.VerifierKey != expected.VerifierKey)
            {
                findings.Add(new Finding("key", "data/custody/ledger-key.txt", expected.VerifierKey, fromPackage.VerifierKey));
            }
            return expected;
        }

        private void CheckCmsSignature(string? tagManifest, BcCertificate? pinnedCa)
        {
            var signature = Bytes(BagWriter.CmsSignatureFile);
            if (signature is null || tagManifest is null)
            {
                findings.Add(new Finding("signature", BagWriter.CmsSignatureFile, "a CMS signature over tagmanifest-sha256.txt", "missing"));
                return;
            }
            if (OrganisationSigner.VerifyDetached(signature, Encoding.UTF8.GetBytes(tagManifest), out var signer) is { } problem)
            {
                findings.Add(new Finding("signature", BagWriter.CmsSignatureFile, "a valid signature over tagmanifest-sha256.txt", problem));
                return;
            }
            // The certificate inside the bag is pinned by the manifests; the CMS must have been made with it.
            var declared = Certificate("data/custody/organisation.pem");
            if (declared is not null && !declared.Equals(signer))
            {
                findings.Add(new Finding("signature", BagWriter.CmsSignatureFile, $"signed by the certificate in data/custody/organisation.pem ({declared.SubjectDN})", $"signed by {signer!.SubjectDN}"));
            }
            var ca = pinnedCa ?? Certificate("data/custody/organisation-ca.pem");
            if (ca is not null && !Certificates.IsOrIssuedBy(signer!, ca))
            {
                findings.Add(new Finding("signature", BagWriter.CmsSignatureFile, $"a signer certificate issued by {ca.SubjectDN}", $"one issued by {signer!.IssuerDN}"));
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
                findings.Add(new Finding("signature", BagWriter.NoteSignatureFile, $"a signature over tagmanifest-sha256.txt by {verifier.VerifierKey}", "none that verifies"));
            }
        }

        /// <summary>The checkpoint's signature and token, and every event's inclusion proof against it. Returns the events by evidence id.</summary>
        private (int Events, List<JsonElement> Leaves, bool Timestamped) CheckCustody(NoteVerifier? verifier)
        {
            var leaves = new List<JsonElement>();
            var text = Text("data/custody/checkpoint.txt");
            if (text is null)
            {
                findings.Add(new Finding("checkpoint", "data/custody/checkpoint.txt", "the package checkpoint", "missing"));
                return (0, leaves, false);
            }
            Checkpoint? checkpoint = null;
            if (verifier is not null && !verifier.Verify(text, out _))
            {
                findings.Add(new Finding("checkpoint", "data/custody/checkpoint.txt", $"signed by {verifier.VerifierKey}", "no signature that verifies"));
            }
            try
            {
                checkpoint = Checkpoint.Parse(text[..(text.IndexOf("\n\n", StringComparison.Ordinal) + 1)]);
            }
            catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException)
            {
                findings.Add(new Finding("checkpoint", "data/custody/checkpoint.txt", "a checkpoint (origin, size, root)", e.Message));
            }
            var timestamped = false;
            if (Bytes("data/custody/checkpoint.tsr") is { } token)
            {
                timestamped = true;
                var check = TimestampToken.Check(token, Encoding.UTF8.GetBytes(text), null);
                if (!check.Valid)
                {
                    findings.Add(new Finding("timestamp", "data/custody/checkpoint.tsr", "an RFC 3161 token over checkpoint.txt", check.Problem));
                }
            }
            var events = Lines("data/custody/events.jsonl");
            var proofs = Lines("data/custody/proofs.jsonl");
            if (events.Count != proofs.Count)
            {
                findings.Add(new Finding("proof", "data/custody/proofs.jsonl", $"{events.Count} proofs, one per event", proofs.Count.ToString(CultureInfo.InvariantCulture)));
            }
            for (var i = 0; i < Math.Min(events.Count, proofs.Count); i++)
            {
                var leafHash = MerkleTree.LeafHash(Encoding.UTF8.GetBytes(events[i]));
                try
                {
                    using var leaf = JsonDocument.Parse(events[i]);
                    leaves.Add(leaf.RootElement.Clone());
                    var proof = JsonSerializer.Deserialize<ProofLine>(proofs[i], ProofLine.Json)
                                ?? throw new JsonException("an empty line");
                    var index = leaf.RootElement.GetProperty("index").GetInt64();
                    if (proof.Index != index || !proof.LeafHash.Equals(Convert.ToHexStringLower(leafHash), StringComparison.Ordinal))
                    {
                        findings.Add(new Finding("proof", $"event {index}", $"a proof for leaf {index} with hash {Convert.ToHexStringLower(leafHash)}", $"one for leaf {proof.Index} with hash {proof.LeafHash}"));
                    }
                    else if (checkpoint is not null && (proof.Size != checkpoint.Size ||
                             !MerkleTree.VerifyInclusion(leafHash, index, checkpoint.Size, proof.Proof.Select(Convert.FromHexString).ToList(), checkpoint.Root)))
                    {
                        findings.Add(new Finding("proof", $"event {index}", $"an audit path to the root of the checkpoint of {checkpoint.Size} events", "one that does not lead there"));
                    }
                }
                catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
                {
                    findings.Add(new Finding("proof", $"data/custody line {i + 1}", "a custody event and its proof as JSON", e.Message));
                }
            }
            return (events.Count, leaves, timestamped);
        }

        /// <summary>Each listed item's file hashes to the SHA-256 that its Ingested custody event (proved above) names.</summary>
        private int CheckItems(Dictionary<string, string> manifest, List<JsonElement> leaves)
        {
            var json = Bytes("data/metadata/items.json");
            if (json is null)
            {
                findings.Add(new Finding("metadata", "data/metadata/items.json", "the item list", "missing"));
                return 0;
            }
            List<PackageItem> items;
            try
            {
                items = JsonSerializer.Deserialize<List<PackageItem>>(json, ProofLine.Json) ?? [];
            }
            catch (JsonException e)
            {
                findings.Add(new Finding("metadata", "data/metadata/items.json", "the item list as JSON", e.Message));
                return 0;
            }
            var ingested = leaves
                .Where(l => l.TryGetProperty("action", out var action) && action.GetString() == "Ingested")
                .Select(l => (Id: l.TryGetProperty("evidence", out var id) ? id.GetString() : null, Sha256: l.TryGetProperty("sha256", out var sha) ? sha.GetString() : null))
                .ToList();
            foreach (var item in items)
            {
                if (!manifest.TryGetValue(item.File, out var fileHash))
                {
                    findings.Add(new Finding("item", item.Ern, $"its file {Shown(item.File)} in the manifest", "not listed"));
                    continue;
                }
                if (fileHash != item.Sha256 || !BlobKey.IsSha256Hex(item.Sha256))
                {
                    findings.Add(new Finding("item", item.Ern, $"items.json's SHA-256 {item.Sha256}", fileHash));
                }
                if (!ingested.Any(e => e.Id == item.EvidenceId.ToString() && e.Sha256 == fileHash))
                {
                    findings.Add(new Finding("item", item.Ern, "an Ingested custody event naming these bytes", "none in data/custody/events.jsonl"));
                }
            }
            var evidenceFiles = manifest.Keys.Count(p => p.StartsWith("data/evidence/", StringComparison.Ordinal));
            if (evidenceFiles != items.Count)
            {
                findings.Add(new Finding("metadata", "data/metadata/items.json", $"{evidenceFiles} items, one per evidence file", items.Count.ToString(CultureInfo.InvariantCulture)));
            }
            return items.Count;
        }

        private Dictionary<string, string>? ParseManifest(string name, int hashLength)
        {
            var text = Text(name);
            if (text is null)
            {
                findings.Add(new Finding("missing", name, "a manifest", "no such file in the bag"));
                return null;
            }
            var listed = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
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
                else if (!listed.TryAdd(path, hash.ToLowerInvariant()))
                {
                    findings.Add(new Finding("manifest", $"{name}: {Shown(path)}", "one line per file", "two lines"));
                }
            }
            return listed;
        }

        private BcCertificate? Certificate(string path)
        {
            if (Bytes(path) is not { } bytes)
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
                findings.Add(new Finding("signature", path, "a certificate", e.Message));
                return null;
            }
        }

        private byte[]? Bytes(string path)
        {
            if (whole.TryGetValue(path, out var bytes))
            {
                return bytes;
            }
            if (files.TryGetValue(path, out var entry) && entry.Length > MaxReadWhole)
            {
                findings.Add(new Finding("bag", Shown(path), $"a file under {MaxReadWhole >> 20} MiB", $"{entry.Length} bytes; not read"));
            }
            return null;
        }

        private string? Text(string path)
        {
            try
            {
                return Bytes(path) is { } bytes ? new UTF8Encoding(false, true).GetString(bytes) : null;
            }
            catch (DecoderFallbackException)
            {
                findings.Add(new Finding("bag", Shown(path), "UTF-8 text", "bytes that are not UTF-8"));
                return null;
            }
        }

        private List<string> Lines(string path) =>
            (Text(path) ?? "").Split('\n').Where(l => l.Length > 0).ToList();
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

    private static string Shown(string value) => Ingest.Display.Text(value);
}
