using System.Globalization;
using System.Text;
using System.Text.Json;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Storage;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Evidence.Referrals;

// The custody check: who signed the tag manifest (the organisation's certificate and the ledger key), the signed
// checkpoint and its timestamp, every event's inclusion proof, and each listed item's bytes bound to its Ingested event.
public static partial class PackageVerifier
{
    private sealed partial class Check
    {
        /// <summary>
        /// The key that must have signed the package: the pinned one, or the one its key rotations lead to from it
        /// (data/custody/key-rotations.jsonl, <see cref="KeyRotationProof.Follow"/>), which ledger-key.txt must name. Without a
        /// pinned key, the package's own key, whose rotations must still hold together. Also returns every key followed.
        /// </summary>
        private (NoteVerifier? Key, IReadOnlyList<NoteVerifier> Chain) Verifier(string? pinned, string? packageKey)
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
            NoteVerifier? anchor = fromPackage;
            if (pinned is null)
            {
                if (packageKey is null)
                {
                    findings.Add(new Finding("key", "data/custody/ledger-key.txt", "the ledger's verifier key", "missing"));
                }
            }
            else
            {
                try
                {
                    anchor = NoteVerifier.Parse(pinned);
                }
                catch (FormatException e)
                {
                    findings.Add(new Finding("key", "--key", "a signed-note verifier key", Shown(e.Message)));
                    return (fromPackage, fromPackage is null ? [] : [fromPackage]);
                }
            }
            if (anchor is null)
            {
                return (null, []);
            }
            var (expected, chain) = FollowRotations(anchor);
            if (fromPackage is not null && fromPackage.VerifierKey != expected.VerifierKey)
            {
                findings.Add(new Finding("key", "data/custody/ledger-key.txt", Shown(expected.VerifierKey), Shown(fromPackage.VerifierKey)));
            }
            return (expected, chain);
        }

        /// <summary>
        /// The key the package's rotations lead to from <paramref name="anchor"/>, and every key on the way; the anchor itself when
        /// the package carries none. A rotation that does not hold is a finding, and the chain stops before it.
        /// </summary>
        private (NoteVerifier Key, IReadOnlyList<NoteVerifier> Chain) FollowRotations(NoteVerifier anchor)
        {
            const string file = "data/custody/key-rotations.jsonl";
            if (Text(file) is not { } lines)
            {
                return (anchor, [anchor]);
            }
            List<KeyRotationProof> rotations;
            Checkpoint target;
            string text;
            try
            {
                rotations = KeyRotationProof.Parse(lines);
                text = Text("data/custody/checkpoint.txt") ?? throw new FormatException("there is no checkpoint.txt to lead to");
                target = Checkpoint.Parse(Body(text));
            }
            catch (FormatException e)
            {
                findings.Add(new Finding("key", file, "key rotations, one JSON object a line, leading to checkpoint.txt", Shown(e.Message)));
                return (anchor, [anchor]);
            }
            var followed = KeyRotationProof.Follow(anchor, rotations, target, (proof, rotated) => proof.Extends(rotated, target));
            if (followed.Problem is { } problem)
            {
                findings.Add(new Finding("key", file, $"rotations that lead from {Shown(anchor.VerifierKey)} to the key that signs checkpoint.txt", Shown(problem)));
            }
            // Key k of the chain was retired by rotation k, and signs only that rotation's checkpoint: anywhere else, its
            // signature means a copy of the retired private key survived.
            foreach (var k in KeyRotationProof.RetiredSigners(followed.Chain, rotations, text))
            {
                findings.Add(new Finding("key", "data/custody/checkpoint.txt", $"no signature by {Shown(followed.Chain[k].VerifierKey)}, retired by key rotation {k + 1}",
                    "a valid signature by it: a copy of the retired private key still exists"));
            }
            return (followed.Current, followed.Chain);
        }

        private static string Body(string note)
        {
            var split = note.IndexOf("\n\n", StringComparison.Ordinal);
            return split < 0 ? note : note[..(split + 1)];
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
        /// Witnesses' cosignatures on the package checkpoint (data/custody/cosignatures.txt), each of which must verify over
        /// checkpoint.txt's body under a witness key the package names (data/custody/witnesses.txt); a line that does not verify
        /// is a finding. Only witnesses the reader pinned count as witnessing (the report's WitnessedBy): the key of a witness
        /// named inside the package is the sender's word, as the ledger key is, and a pinned witness without a valid
        /// cosignature is a finding.
        /// </summary>
        private void CheckCosignatures(string checkpointText)
        {
            var lines = Text("data/custody/cosignatures.txt");
            if (lines is null)
            {
                return;
            }
            var witnesses = new List<CosignatureVerifier>();
            foreach (var key in (Text("data/custody/witnesses.txt") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                try
                {
                    witnesses.Add(CosignatureVerifier.Parse(key));
                }
                catch (FormatException e)
                {
                    findings.Add(new Finding("cosignature", "data/custody/witnesses.txt", "a witness verifier key (name+keyid+base64(0x04 || key))", Shown(e.Message)));
                }
            }
            var split = checkpointText.IndexOf("\n\n", StringComparison.Ordinal);
            var body = split < 0 ? checkpointText : checkpointText[..(split + 1)];
            foreach (var line in Cosignatures.Lines(lines))
            {
                var witness = witnesses.FirstOrDefault(w => w.Names(line));
                if (witness is null)
                {
                    findings.Add(new Finding("cosignature", "data/custody/cosignatures.txt", "a cosignature by a witness in witnesses.txt", Shown(line.TrimEnd('\n'))));
                }
                else if (witness.Verify(line, body) is null)
                {
                    findings.Add(new Finding("cosignature", "data/custody/cosignatures.txt", $"a valid cosignature of checkpoint.txt by {Shown(witness.VerifierKey)}",
                        $"{Shown(line.TrimEnd('\n'))}, which does not verify"));
                }
                else if (pinnedWitnesses.Any(p => p.VerifierKey == witness.VerifierKey))
                {
                    witnessedBy.Add(witness.VerifierKey);
                }
                else
                {
                    witnessesNotPinned.Add(witness.VerifierKey);
                }
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
            CheckCosignatures(text);
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
            var problem = EventProofs.Check(eventLine, proofLine, $"data/custody line {lineNumber}", checkpoint, Shown, leaf =>
            {
                if (leaf.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.String && action.GetString() == "Ingested" &&
                    leaf.TryGetProperty("evidence", out var id) && id.ValueKind == JsonValueKind.String && itemIds?.Contains(id.GetString()!) == true &&
                    leaf.TryGetProperty("sha256", out var sha) && sha.ValueKind == JsonValueKind.String)
                {
                    // Only what the item check needs is kept, and only for the items the package lists.
                    ingested.Add((id.GetString()!, sha.GetString()!));
                }
            });
            if (problem is not null)
            {
                findings.Add(problem);
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
    }
}
