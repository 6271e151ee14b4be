using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace Evidence.Provenance;

/// <summary>
/// Checks a detached OpenPGP signature (RFC 4880 §5.2, a signature packet over a binary or canonical-text document,
/// ASCII-armored <c>.asc</c> or binary <c>.sig</c>) over exactly the bytes that were ingested, with BouncyCastle.
/// </summary>
/// <remarks>
/// Hostile sidecars never throw out of <see cref="Verify"/>: whatever cannot be read is an <c>unreadable</c> verdict with
/// the reason. Work is bounded: sidecars larger than <see cref="MaxSidecarBytes"/> are not read at all (the caller says
/// so with <see cref="TooLarge"/>), compressed packets are not inflated, at most <see cref="MaxSignaturesPerSidecar"/>
/// signatures are checked, and the file is read once, in 64 KiB blocks, for all of them.
/// Not checked: whether the key has expired or was revoked, whether a subkey is bound to its primary key, or the key's
/// usage flags; the key is taken as it is given.
/// </remarks>
public static class OpenPgpVerifier
{
    /// <summary>The kind recorded for these signatures.</summary>
    public const string Kind = "openpgp";

    /// <summary>
    /// The largest sidecar read as a signature, and kept whole in the item's provenance. A detached signature is a few
    /// hundred bytes (a kilobyte for RSA-4096); anything larger is not one, and is ingested as an item of its own.
    /// </summary>
    public const int MaxSidecarBytes = 64 * 1024;

    /// <summary>At most this many signatures of one sidecar are checked; the rest are reported, not read.</summary>
    public const int MaxSignaturesPerSidecar = 4;

    private const int BlockBytes = 64 * 1024;

    /// <summary>
    /// The verdict of each signature in <paramref name="sidecar"/> over <paramref name="file"/> (a readable, seekable
    /// stream over exactly the ingested bytes; its position is moved). Only cancellation throws.
    /// </summary>
    /// <param name="sidecarName">The sidecar's file name, recorded as its last segment.</param>
    /// <param name="sidecar">The sidecar's bytes, at most <see cref="MaxSidecarBytes"/>.</param>
    /// <param name="file">The ingested bytes.</param>
    /// <param name="keys">The keys to check with: configured (trusted) and any that came with the evidence.</param>
    /// <param name="ct">Cancels reading the file.</param>
    public static IReadOnlyList<SignatureVerdict> Verify(string sidecarName, byte[] sidecar, Stream file, OpenPgpKeys keys, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sidecar);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(keys);
        var name = Text.FileNames.LastSegment(sidecarName);
        if (sidecar.Length > MaxSidecarBytes)
        {
            return [TooLarge(name, sidecar.Length)];
        }
        var template = new SignatureVerdict(Kind, SignatureStates.Unreadable, name, null, null, null, null, null, false, null, null,
            Convert.ToHexStringLower(SHA256.HashData(sidecar)), Armor(sidecar));

        var (signatures, problem) = ReadSignatures(sidecar);
        if (signatures.Count == 0)
        {
            return [template with { Reason = problem ?? "it holds no OpenPGP signature" }];
        }

        // Each signature is checked with the key it names; all of them are fed the file in one pass.
        var verdicts = new SignatureVerdict[signatures.Count];
        var checking = new List<(int Index, PgpSignature Signature)>();
        for (var i = 0; i < signatures.Count; i++)
        {
            var signature = signatures[i];
            var verdict = Describe(template, signature);
            if (signature.SignatureType is not (PgpSignature.BinaryDocument or PgpSignature.CanonicalTextDocument))
            {
                verdicts[i] = verdict with { Reason = $"it is not a signature over a document (signature type 0x{signature.SignatureType:x2})" };
                continue;
            }
            if (keys.Find(signature.KeyId) is not { } found)
            {
                verdicts[i] = verdict with { State = SignatureStates.NoKey, Reason = $"no key {verdict.KeyId} is configured or came with the evidence" };
                continue;
            }
            verdict = verdict with
            {
                Fingerprint = Convert.ToHexString(found.Key.GetFingerprint()),
                UserId = UserId(found.Ring),
                KeySource = found.Trusted ? "configured" : "with the evidence",
                PublicKey = ArmoredKey(found.Ring),
            };
            try
            {
                signature.InitVerify(found.Key);
                checking.Add((i, signature));
                verdicts[i] = verdict with { Trusted = found.Trusted };
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                verdicts[i] = verdict with { Reason = $"the key cannot check it ({e.GetType().Name}: {e.Message})" };
            }
        }
        if (checking.Count > 0)
        {
            try
            {
                Feed(file, checking.Select(c => c.Signature).ToList(), ct);
                foreach (var (index, signature) in checking)
                {
                    var valid = signature.Verify();
                    verdicts[index] = verdicts[index] with
                    {
                        State = valid ? SignatureStates.Valid : SignatureStates.Invalid,
                        Trusted = valid && verdicts[index].Trusted,
                        Reason = valid ? null : "the signature does not match these bytes: the file was changed after it was signed, or it was signed by another key with the same key id",
                    };
                }
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                foreach (var (index, _) in checking)
                {
                    verdicts[index] = verdicts[index] with { State = SignatureStates.Unreadable, Trusted = false, Reason = $"it could not be checked ({e.GetType().Name}: {e.Message})" };
                }
            }
        }
        var all = verdicts.ToList();
        if (problem is not null)
        {
            all.Add(template with { Reason = problem });
        }
        return all;
    }

    /// <summary>The verdict for a sidecar too large to be a detached signature: not read, not kept (it is ingested as an item of its own).</summary>
    /// <param name="sidecarName">The sidecar's file name.</param>
    /// <param name="size">Its size in bytes.</param>
    public static SignatureVerdict TooLarge(string sidecarName, long size) =>
        new(Kind, SignatureStates.Unreadable, Text.FileNames.LastSegment(sidecarName), null, null, null, null, null, false, null,
            $"it is {size} bytes, larger than any detached signature ({MaxSidecarBytes} at most), so it was not read as one; it is an item of its own", null, null);

    /// <summary>The signatures in the sidecar, and what else it held that could not be read (null when nothing).</summary>
    private static (List<PgpSignature> Signatures, string? Problem) ReadSignatures(byte[] sidecar)
    {
        var signatures = new List<PgpSignature>();
        try
        {
            using var input = PgpUtilities.GetDecoderStream(new MemoryStream(sidecar, writable: false));
            var factory = new PgpObjectFactory(input);
            while (factory.NextPgpObject() is { } next)
            {
                if (next is not PgpSignatureList list)
                {
                    // A compressed, signed or encrypted message is not a detached signature, and is not inflated or opened.
                    return (signatures, $"it holds {next.GetType().Name.Replace("Pgp", "", StringComparison.Ordinal)}, not a detached signature");
                }
                for (var i = 0; i < list.Count; i++)
                {
                    if (signatures.Count == MaxSignaturesPerSidecar)
                    {
                        return (signatures, $"it holds more than {MaxSignaturesPerSidecar} signatures; only the first {MaxSignaturesPerSidecar} were checked");
                    }
                    signatures.Add(list[i]);
                }
            }
            return (signatures, null);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // Whatever BouncyCastle throws for bytes that are not OpenPGP packets (IOException, PgpException, ...).
            return (signatures, $"it is not an OpenPGP signature ({e.GetType().Name}: {Cut(e.Message)})");
        }
    }

    /// <summary>What a signature says about itself before it is checked.</summary>
    private static SignatureVerdict Describe(SignatureVerdict template, PgpSignature signature)
    {
        string? created = null;
        try
        {
            created = signature.CreationTime.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // A signature without a creation-time subpacket: it says nothing about when it was made.
        }
        return template with
        {
            KeyId = signature.KeyId.ToString("X16", CultureInfo.InvariantCulture),
            CreatedAt = created,
            HashAlgorithm = signature.HashAlgorithm.ToString().ToUpperInvariant(),
        };
    }

    private static void Feed(Stream file, List<PgpSignature> signatures, CancellationToken ct)
    {
        file.Position = 0;
        var buffer = new byte[BlockBytes];
        int read;
        while ((read = file.Read(buffer, 0, buffer.Length)) > 0)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var signature in signatures)
            {
                signature.Update(buffer, 0, read);
            }
        }
    }

    /// <summary>The first user id of the ring's primary key: what its holder wrote, trimmed, without control characters.</summary>
    private static string? UserId(PgpPublicKeyRing ring)
    {
        var id = ring.GetPublicKey().GetUserIds().FirstOrDefault();
        var clean = id is null ? null : new string(id.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return string.IsNullOrEmpty(clean) ? null : Cut(clean);
    }

    /// <summary>
    /// The sidecar as ASCII armor: as it is when it already is armor (7-bit text beginning "-----BEGIN PGP "), else armored
    /// here, which keeps exactly its bytes (base64) for anyone who removes the armor again.
    /// </summary>
    private static string Armor(byte[] bytes)
    {
        if (bytes.All(b => b < 0x80) && Encoding.ASCII.GetString(bytes).TrimStart().StartsWith("-----BEGIN PGP ", StringComparison.Ordinal))
        {
            return Encoding.ASCII.GetString(bytes);
        }
        using var buffer = new MemoryStream();
        // No "Version:" line: the kept text should not change with the library's version.
        using (var armor = ArmoredOutputStream.Build().ClearHeaders().Build(buffer))
        {
            armor.Write(bytes, 0, bytes.Length);
        }
        return Encoding.ASCII.GetString(buffer.ToArray());
    }

    /// <summary>The key ring, armored, or null when it is larger than a sidecar may be (a key with thousands of certifications).</summary>
    private static string? ArmoredKey(PgpPublicKeyRing ring)
    {
        var encoded = ring.GetEncoded();
        return encoded.Length <= MaxSidecarBytes ? Armor(encoded) : null;
    }

    private static string Cut(string value) => value.Length <= 200 ? value : value[..200];
}
