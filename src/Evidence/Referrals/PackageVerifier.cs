using Evidence.Crypto;
using System.Text.Json.Serialization;
using Evidence.Custody;
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

    /// <summary>The witnesses the reader pinned (--witness) whose cosignature of the package's checkpoint verifies.</summary>
    [JsonPropertyName("witnessedBy")]
    public IReadOnlyList<string> WitnessedBy { get; init; } = [];

    /// <summary>
    /// Witnesses the package names whose cosignature verifies, but which the reader did not pin: whoever built the package can
    /// make a witness key under any name, so these vouch for nothing until compared with keys the witnesses published.
    /// </summary>
    [JsonPropertyName("witnessesNotPinned")]
    public IReadOnlyList<string> WitnessesNotPinned { get; init; } = [];

    /// <summary>
    /// The ledger keys followed, from the pinned one (or the first the package's rotations name) to <see cref="VerifierKey"/>,
    /// through data/custody/key-rotations.jsonl: one key when the ledger key was never rotated.
    /// </summary>
    [JsonPropertyName("keys")]
    public IReadOnlyList<string> Keys { get; init; } = [];
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
public static partial class PackageVerifier
{
    /// <summary>bagit.txt, bag-info.txt, the tag manifest, its signatures, the checkpoint, keys and certificates are a few KiB.</summary>
    public const int MaxTagFileBytes = 1 << 20;

    /// <summary>items.json holds about 1 KiB per item: 64 MiB is some 60,000 items.</summary>
    public const int MaxItemsBytes = 64 << 20;

    /// <summary>A manifest line is a hash and a path; a custody event or its proof a few KiB.</summary>
    public const int MaxLineBytes = 64 << 10;

    public const int MaxShownCharacters = 200;
    public const int MaxFindings = 1000;


    public static PackageReport Verify(string zipPath, string? pinnedVerifierKey = null, BcCertificate? pinnedCa = null,
        IReadOnlyList<CosignatureVerifier>? pinnedWitnesses = null)
    {
        var findings = new FindingList();
        using var zip = StrictZip.Read(zipPath, findings.Add);
        if (zip is null)
        {
            return new PackageReport(null, 0, 0, 0, false, null, findings.ToList());
        }
        return new Check(zip, findings, pinnedWitnesses ?? []).Run(pinnedVerifierKey, pinnedCa);
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

    // One check of one package, in the order Run reads. Its steps sit beside this file, one concern each, so that each can be
    // read on its own: PackageVerifier.Zip.cs (which entries are read, and how, on hostile input), PackageVerifier.Bag.cs
    // (BagIt: declaration, Payload-Oxum, manifests) and PackageVerifier.Custody.cs (signatures, checkpoint, proofs, items).
    private sealed partial class Check(StrictZip zip, FindingList findings, IReadOnlyList<CosignatureVerifier> pinnedWitnesses)
    {
        private readonly List<string> witnessedBy = [];
        private readonly List<string> witnessesNotPinned = [];

        private readonly Dictionary<string, StrictZipEntry> files = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string Sha256, string Sha512, long Size)> hashes = new(StringComparer.Ordinal);
        // Two, so that the next piece of an entry is read while the SHA-512 of the last one finishes.
        private readonly byte[][] buffers = [new byte[1 << 20], new byte[1 << 20]];
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
            var (verifier, chain) = Verifier(pinnedVerifierKey, packageKey);
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
                    $"the package claims {(packageKey is null ? "no key" : Shown(packageKey))}" +
                    (chain.Count > 1 ? $", reached through {chain.Count - 1} key rotations from {Shown(chain[0].VerifierKey)}" : "") +
                    "; compare it with the key the sender published")];
            }
            foreach (var pinned in pinnedWitnesses.Where(w => !witnessedBy.Contains(w.VerifierKey)))
            {
                listed = [.. listed, new Finding("cosignature", Shown(pinned.VerifierKey), "a valid cosignature of checkpoint.txt by this pinned witness",
                    "none in data/custody/cosignatures.txt")];
            }
            return new PackageReport(bagInfo.GetValueOrDefault("External-Identifier"), files.Count, items?.Count ?? 0, events, timestamped,
                verifier?.VerifierKey, listed)
            {
                WitnessedBy = witnessedBy,
                WitnessesNotPinned = witnessesNotPinned,
                Keys = chain.Select(k => k.VerifierKey).ToList(),
            };
        }
    }
}
