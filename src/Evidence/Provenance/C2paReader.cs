using System.Security.Cryptography;

namespace Evidence.Provenance;

/// <summary>
/// Reads and validates the C2PA Content Credentials of a JPEG or PNG file (C2PA Technical Specification 2.1, §15
/// "Validation"): finds the manifest store, takes the active manifest, verifies its claim signature, the hashed URI of
/// every assertion the claim lists, and the data hash that binds the claim to the file's bytes. It does not decide
/// whether the signer is trusted from the manifest alone, does not validate the signature's
/// time stamp or revocation, and does not validate ingredients' manifests. Whether the signer is trusted is decided
/// against the trust anchors given (<see cref="C2paTrustAnchors"/>), at the time given.
/// </summary>
/// <remarks>
/// Hostile input never throws out of <see cref="Read(Stream, CancellationToken)"/>: it gives an "unreadable" verdict
/// with the reason. Work is bounded: at most 16 MiB of manifest store, 32 levels and 10,000 JUMBF boxes, CBOR 32 deep,
/// and the data hash reads the file in 64 KiB blocks.
/// </remarks>
public static class C2paReader
{
    private const int HashBlockBytes = 64 * 1024;

    /// <summary>Hard-binding assertion labels (C2PA 2.1 §9.2 "Hard Bindings"); only the data hash is checked here.</summary>
    private static readonly string[] HardBindingLabels =
        ["c2pa.hash.data", "c2pa.hash.boxes", "c2pa.hash.bmff", "c2pa.hash.bmff.v2", "c2pa.hash.bmff.v3", "c2pa.hash.collection.data"];

    /// <summary>Reads the file at <paramref name="path"/>; see <see cref="Read(Stream, C2paTrustAnchors, DateTimeOffset, CancellationToken)"/>.</summary>
    /// <param name="path">The JPEG or PNG file.</param>
    /// <param name="anchors">The trust anchors to decide the signer's trust with; null for none (never trusted).</param>
    /// <param name="at">When the signer's certificates must be valid; now when null.</param>
    /// <param name="ct">Cancels the data hash.</param>
    public static C2paVerdict Read(string path, C2paTrustAnchors? anchors = null, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
        return Read(file, anchors ?? C2paTrustAnchors.None, at ?? DateTimeOffset.UtcNow, ct);
    }

    /// <summary>Reads <paramref name="file"/> with no trust anchors (the signer is never trusted); see <see cref="Read(Stream, C2paTrustAnchors, DateTimeOffset, CancellationToken)"/>.</summary>
    /// <param name="file">A seekable stream over the whole file.</param>
    /// <param name="ct">Cancels the data hash.</param>
    public static C2paVerdict Read(Stream file, CancellationToken ct = default) => Read(file, C2paTrustAnchors.None, DateTimeOffset.UtcNow, ct);

    /// <summary>
    /// Reads the C2PA manifest of <paramref name="file"/> (a seekable stream over the whole file; its position is
    /// moved) and validates it; for a valid manifest, decides whether its signer's chain reaches one of
    /// <paramref name="anchors"/> with every certificate valid at <paramref name="at"/>. Only cancellation and a null or
    /// unseekable stream throw.
    /// </summary>
    /// <param name="file">A seekable stream over the whole file.</param>
    /// <param name="anchors">The configured trust anchors.</param>
    /// <param name="at">When the signer's certificates must be valid (intake uses its clock: the manifest's time stamp is not verified).</param>
    /// <param name="ct">Cancels the data hash.</param>
    public static C2paVerdict Read(Stream file, C2paTrustAnchors anchors, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(anchors);
        if (!file.CanSeek || !file.CanRead)
        {
            throw new ArgumentException("C2PA reading needs a readable, seekable stream: the data hash names byte offsets.", nameof(file));
        }
        try
        {
            var store = ManifestStoreLocator.Find(file, ct);
            if (store is null)
            {
                return C2paVerdict.Absent();
            }
            var verdict = Validate(store, file, out var chain, ct);
            return verdict.State == C2paStates.Valid ? Trust(verdict, chain, anchors, at) : verdict;
        }
        catch (C2paFormatException e)
        {
            return C2paVerdict.Unreadable(e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A reader of hostile files must answer, not crash the ingest that called it; the type names what broke.
            return C2paVerdict.Unreadable($"the manifest could not be read ({e.GetType().Name}: {e.Message})");
        }
    }

    /// <summary>The signer is trusted only when its chain reaches a configured anchor; the report says which, or why not.</summary>
    private static C2paVerdict Trust(C2paVerdict verdict, IReadOnlyList<byte[]> chain, C2paTrustAnchors anchors, DateTimeOffset at)
    {
        var untrusted = anchors.Check(chain, at, out var anchor);
        return untrusted is null
            ? verdict with { Trusted = true, TrustReason = $"the signer's chain reaches the configured trust anchor {anchor}" }
            : verdict with { Trusted = false, TrustReason = untrusted };
    }

    private static C2paVerdict Validate(byte[] store, Stream file, out IReadOnlyList<byte[]> chain, CancellationToken ct)
    {
        chain = [];
        var root = Jumbf.ReadStore(store);
        if (root.ContentKind != "c2pa")
        {
            throw new C2paFormatException("the manifest store's superbox is not of the C2PA manifest store type.");
        }
        // §15.5 "Locating the Active Manifest": the last manifest in the manifest store.
        var manifest = root.Children.LastOrDefault(c => c.IsSuperbox)
            ?? throw new C2paFormatException("the manifest store holds no manifest.");
        if (manifest.ContentKind is not ("c2ma" or "c2um"))
        {
            throw new C2paFormatException($"the active manifest is of a kind this reader does not read ({manifest.ContentKind}).");
        }

        var failures = new List<string>();

        // §15.6 "Locating and Validating the Claim": exactly one claim box, holding CBOR.
        var claims = manifest.Children.Where(c => c.IsSuperbox && c.Label is "c2pa.claim" or "c2pa.claim.v2").ToList();
        if (claims.Count > 1)
        {
            return Invalid([C2paFailures.ClaimMultiple]);
        }
        if (claims.Count == 0 || claims[0].FirstContent("cbor") is not { } claimBox)
        {
            return Invalid([C2paFailures.ClaimMissing]);
        }
        var claimBytes = Payload(store, claimBox);

        // §15.7 "Validate the Signature". The signature is checked over the claim bytes as stored, before they are
        // interpreted, so a claim whose CBOR was corrupted reports both its signature and its encoding.
        string? signer = null;
        if (manifest.Child("c2pa.signature")?.FirstContent("cbor") is { } signatureBox)
        {
            var signature = ClaimSignature.Verify(Payload(store, signatureBox), claimBytes);
            failures.AddRange(signature.Failures);
            signer = signature.Signer;
            chain = signature.Chain ?? [];
        }
        else
        {
            failures.Add(C2paFailures.ClaimSignatureMissing);
        }

        CborMap claim;
        try
        {
            claim = CborTree.Decode(claimBytes, "claim") as CborMap ?? throw new C2paFormatException("the claim is not a CBOR map.");
        }
        catch (C2paFormatException)
        {
            failures.Add(C2paFailures.ClaimCborInvalid);
            return new C2paVerdict(C2paStates.Invalid, failures, signer, null, [], false, null);
        }
        var generator = ClaimGenerator(claim);

        // §15.10 "Validate the Assertions": every assertion the claim lists must be present and hash as listed.
        // Assertions whose hash does not match are not read further: their content is not what was signed.
        var verified = new List<(string Label, JumbfBox Box)>();
        foreach (var reference in AssertionReferences(claim))
        {
            ct.ThrowIfCancellationRequested();
            if (reference.Text("url") is not { } url || reference.Bytes("hash") is not { } expected)
            {
                failures.Add(C2paFailures.AssertionMissing);
                continue;
            }
            var box = Resolve(root, manifest, url);
            if (box is null)
            {
                failures.Add(C2paFailures.AssertionMissing);
                continue;
            }
            // §15.4 "Determining the hashing algorithm": the reference's alg, else the claim's; there is no default.
            var alg = reference.Text("alg") ?? claim.Text("alg");
            if (HashName(alg) is not { } hashName)
            {
                failures.Add(C2paFailures.AlgorithmUnsupported);
                continue;
            }
            // §8.4 "URI References", hashing a JUMBF box: the hash covers the superbox's payload (its description box
            // and content boxes, as stored), not the superbox's own LBox/TBox header; c2pa-rs does the same
            // (Claim::calc_assertion_box_hash hashes super_box().write_box_payload).
            var actual = HashBytes(hashName, store.AsSpan(box.PayloadStart, box.End - box.PayloadStart));
            if (!CryptographicOperations.FixedTimeEquals(actual, expected))
            {
                failures.Add(C2paFailures.AssertionHashedUriMismatch);
                continue;
            }
            verified.Add((box.Label ?? "", box));
        }

        // §15.12 "Validate the Asset's Content": exactly one hard binding; for JPEG and PNG, the data hash.
        var bindings = verified.Where(a => HardBindingLabels.Contains(BaseLabel(a.Label))).ToList();
        if (bindings.Count > 1)
        {
            failures.Add(C2paFailures.MultipleHardBindings);
        }
        else if (bindings.Count == 0)
        {
            // A hard binding that is listed but did not hash is already reported; one never listed is its own failure.
            if (!failures.Contains(C2paFailures.AssertionHashedUriMismatch) && !failures.Contains(C2paFailures.AssertionMissing))
            {
                failures.Add(C2paFailures.HardBindingsMissing);
            }
        }
        else if (BaseLabel(bindings[0].Label) != "c2pa.hash.data")
        {
            throw new C2paFormatException($"the hard binding is {BaseLabel(bindings[0].Label)}, which this reader does not check.");
        }
        else
        {
            failures.AddRange(CheckDataHash(store, bindings[0].Box, claim.Text("alg"), file, ct));
        }

        var actions = verified
            .Where(a => BaseLabel(a.Label) is "c2pa.actions" or "c2pa.actions.v2")
            .SelectMany(a => ReadActions(store, a.Box, failures))
            .ToList();

        return new C2paVerdict(failures.Count == 0 ? C2paStates.Valid : C2paStates.Invalid, failures.Distinct().ToList(), signer, generator, actions, false, null);
    }

    /// <summary>
    /// C2PA 2.1 §18.5 "Data Hash": the hash of every byte of the file outside the exclusion ranges (which cover the
    /// manifest store itself) must equal <c>hash</c>. The file is read in blocks, so a large file costs time, not memory.
    /// </summary>
    private static IEnumerable<string> CheckDataHash(byte[] store, JumbfBox box, string? claimAlg, Stream file, CancellationToken ct)
    {
        if (box.FirstContent("cbor") is not { } content)
        {
            return [C2paFailures.DataHashMalformed];
        }
        CborMap dataHash;
        try
        {
            dataHash = CborTree.Decode(Payload(store, content), "data hash") as CborMap ?? throw new C2paFormatException("not a map");
        }
        catch (C2paFormatException)
        {
            return [C2paFailures.DataHashMalformed];
        }
        if (dataHash.Bytes("hash") is not { } expected || HashName(dataHash.Text("alg") ?? claimAlg) is not { } hashName)
        {
            return [C2paFailures.DataHashMalformed];
        }

        var exclusions = new List<(long Start, long Length)>();
        if (dataHash["exclusions"] is List<object?> listed)
        {
            foreach (var item in listed)
            {
                if (item is not CborMap range || range["start"] is not long start || range["length"] is not long length || start < 0 || length < 0)
                {
                    return [C2paFailures.DataHashMalformed];
                }
                exclusions.Add((start, length));
            }
        }
        exclusions.Sort();
        long fileLength = file.Length;
        for (var i = 0; i < exclusions.Count; i++)
        {
            if (exclusions[i].Length > fileLength - exclusions[i].Start)
            {
                // The signed exclusions reach past this file's end: the file is not the one that was signed.
                return [C2paFailures.DataHashMismatch];
            }
            if (i > 0 && exclusions[i].Start < exclusions[i - 1].Start + exclusions[i - 1].Length)
            {
                return [C2paFailures.DataHashMalformed];
            }
        }

        using var hash = IncrementalHash.CreateHash(hashName);
        var buffer = new byte[HashBlockBytes];
        long at = 0;
        foreach (var (start, length) in exclusions.Append((fileLength, 0)))
        {
            HashRange(file, hash, buffer, at, start - at, ct);
            at = start + length;
        }
        var actual = hash.GetHashAndReset();
        return CryptographicOperations.FixedTimeEquals(actual, expected) ? [] : [C2paFailures.DataHashMismatch];
    }

    private static void HashRange(Stream file, IncrementalHash hash, byte[] buffer, long start, long count, CancellationToken ct)
    {
        file.Position = start;
        while (count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (read == 0)
            {
                throw new EndOfStreamException("the file ended while hashing it.");
            }
            hash.AppendData(buffer, 0, read);
            count -= read;
        }
    }

    /// <summary>C2PA 2.1 §18.12 "Actions": <c>{"actions": [{"action": "c2pa.created", ...}, ...]}</c>.</summary>
    private static IEnumerable<string> ReadActions(byte[] store, JumbfBox box, List<string> failures)
    {
        try
        {
            if (box.FirstContent("cbor") is { } content
                && CborTree.Decode(Payload(store, content), "actions") is CborMap map
                && map["actions"] is List<object?> list)
            {
                return list.OfType<CborMap>().Select(a => a.Text("action")).OfType<string>().ToList();
            }
        }
        catch (C2paFormatException)
        {
            // Reported below with the other shapes that are not an actions assertion.
        }
        failures.Add(C2paFailures.AssertionCborInvalid);
        return [];
    }

    /// <summary>
    /// Claim v1 lists its assertions under <c>assertions</c>; claim v2 (C2PA 2.x §10.2) splits them into
    /// <c>created_assertions</c> and <c>gathered_assertions</c>. Each is a hashed URI: <c>{url, hash, alg?}</c>.
    /// </summary>
    private static IEnumerable<CborMap> AssertionReferences(CborMap claim)
    {
        foreach (var key in new[] { "assertions", "created_assertions", "gathered_assertions" })
        {
            if (claim[key] is List<object?> list)
            {
                foreach (var item in list)
                {
                    // A reference that is not a map is reported as a missing assertion (no url to follow).
                    yield return item as CborMap ?? new CborMap();
                }
            }
        }
    }

    /// <summary>
    /// Claim v1 states <c>claim_generator</c> as a User-Agent string; claim v2 replaces it with
    /// <c>claim_generator_info</c>, a map with <c>name</c> and optional <c>version</c> (in v1 an array of such maps).
    /// </summary>
    private static string? ClaimGenerator(CborMap claim)
    {
        if (claim.Text("claim_generator") is { } generator)
        {
            return generator;
        }
        var info = claim["claim_generator_info"] switch
        {
            CborMap one => one,
            List<object?> many => many.FirstOrDefault() as CborMap,
            _ => null,
        };
        if (info?.Text("name") is not { } name)
        {
            return null;
        }
        return info.Text("version") is { } version ? $"{name}/{version}" : name;
    }

    /// <summary>
    /// C2PA 2.1 §8.4 "URI References": <c>self#jumbf=</c> followed by a path of box labels, absolute from the manifest
    /// store (<c>/c2pa/manifest/c2pa.assertions/x</c>) or relative to the manifest that holds the claim
    /// (<c>c2pa.assertions/x</c>).
    /// </summary>
    private static JumbfBox? Resolve(JumbfBox root, JumbfBox manifest, string url)
    {
        const string prefix = "self#jumbf=";
        if (!url.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var path = url[prefix.Length..];
        JumbfBox? box;
        if (path.StartsWith('/'))
        {
            var parts = path[1..].Split('/');
            if (parts.Length == 0 || parts[0] != root.Label)
            {
                return null;
            }
            box = root;
            path = string.Join('/', parts.Skip(1));
        }
        else
        {
            box = manifest;
        }
        foreach (var label in path.Split('/'))
        {
            box = box?.Child(label);
        }
        return box;
    }

    /// <summary>A label without its instance suffix (C2PA 2.1 §6.4: <c>c2pa.actions__1</c> is an instance of <c>c2pa.actions</c>).</summary>
    private static string BaseLabel(string label) => label.Split("__")[0];

    /// <summary>The hash algorithm names of C2PA 2.1 §13.1 "Hashing".</summary>
    private static HashAlgorithmName? HashName(string? alg) => alg switch
    {
        "sha256" => HashAlgorithmName.SHA256,
        "sha384" => HashAlgorithmName.SHA384,
        "sha512" => HashAlgorithmName.SHA512,
        _ => null,
    };

    private static byte[] HashBytes(HashAlgorithmName name, ReadOnlySpan<byte> data)
    {
        using var hash = IncrementalHash.CreateHash(name);
        hash.AppendData(data);
        return hash.GetHashAndReset();
    }

    private static ReadOnlyMemory<byte> Payload(byte[] store, JumbfBox box) => store.AsMemory(box.PayloadStart, box.End - box.PayloadStart);

    private static C2paVerdict Invalid(IReadOnlyList<string> failures) => new(C2paStates.Invalid, failures, null, null, [], false, null);
}
