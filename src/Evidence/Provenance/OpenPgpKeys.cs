using System.Text;
using Evidence.Requests;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace Evidence.Provenance;

/// <summary>
/// The OpenPGP public keys detached signatures are checked with: those the installation trusts (EVIDENCE_OPENPGP_KEYS,
/// read when the first item is ingested) and those that came with the evidence (a <c>pubkey.asc</c> beside the files, as
/// ProofMode exports it). Both can verify; only a configured key makes a signature <c>trusted</c>, because anyone can put
/// a key beside a file.
/// </summary>
public sealed class OpenPgpKeys
{
    /// <summary>The largest key file read, configured or with the evidence: a key with many certifications is still far smaller.</summary>
    public const int MaxKeyFileBytes = 1 << 20;

    /// <summary>At most this many key files are read from a configured folder or from the evidence.</summary>
    public const int MaxKeyFiles = 256;

    private readonly IReadOnlyList<PgpPublicKeyRing> trusted;
    private readonly IReadOnlyList<PgpPublicKeyRing> untrusted;

    private OpenPgpKeys(IReadOnlyList<PgpPublicKeyRing> trusted, IReadOnlyList<PgpPublicKeyRing> untrusted)
    {
        this.trusted = trusted;
        this.untrusted = untrusted;
    }

    /// <summary>No keys at all: every readable signature is <c>no key</c>.</summary>
    public static OpenPgpKeys None { get; } = new([], []);

    /// <summary>How many trusted key rings are configured.</summary>
    public int TrustedCount => trusted.Count;

    /// <summary>
    /// The trusted keys at <paramref name="path"/>: a file of armored (or binary) public keys, or a folder of such files
    /// (not its subfolders). A configured path that is missing or holds something other than public keys is an error of
    /// the installation, reported at once, rather than a trust list silently empty.
    /// </summary>
    /// <param name="path">The file or folder; null for none.</param>
    public static OpenPgpKeys Configured(string? path)
    {
        if (path is null)
        {
            return None;
        }
        string[] files;
        if (Directory.Exists(path))
        {
            files = Directory.GetFiles(path).Order(StringComparer.Ordinal).Take(MaxKeyFiles + 1).ToArray();
            if (files.Length > MaxKeyFiles)
            {
                throw new InvalidRequestException($"EVIDENCE_OPENPGP_KEYS names a folder of more than {MaxKeyFiles} files; keep only the public keys to trust there.");
            }
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            throw new InvalidRequestException($"EVIDENCE_OPENPGP_KEYS names {Text.Display.Path(path)}, which does not exist.");
        }
        var rings = new List<PgpPublicKeyRing>();
        foreach (var file in files)
        {
            var bytes = new FileInfo(file).Length <= MaxKeyFileBytes ? File.ReadAllBytes(file) : null;
            var read = bytes is null ? null : Rings(bytes);
            if (read is null or { Count: 0 })
            {
                throw new InvalidRequestException($"EVIDENCE_OPENPGP_KEYS: {Text.Display.Path(file)} is not a file of OpenPGP public keys (at most 1 MiB).");
            }
            rings.AddRange(read);
        }
        return new OpenPgpKeys(rings, []);
    }

    /// <summary>
    /// These keys and the keys that came with the evidence, which verify but are not trusted. A key file that cannot be
    /// read is passed over: it is evidence like any other file, ingested as its own item.
    /// </summary>
    /// <param name="keyFiles">The bytes of each key file that came with the evidence.</param>
    public OpenPgpKeys WithEvidenceKeys(IEnumerable<byte[]> keyFiles)
    {
        var rings = keyFiles.Take(MaxKeyFiles).Where(k => k.Length <= MaxKeyFileBytes).SelectMany(k => Rings(k) ?? []).ToList();
        return rings.Count == 0 ? this : new OpenPgpKeys(trusted, [.. untrusted, .. rings]);
    }

    /// <summary>The key with this key id (a primary key or a subkey) and its ring; a configured key is preferred.</summary>
    internal (PgpPublicKey Key, PgpPublicKeyRing Ring, bool Trusted)? Find(long keyId)
    {
        foreach (var (rings, isTrusted) in new[] { (trusted, true), (untrusted, false) })
        {
            foreach (var ring in rings)
            {
                if (ring.GetPublicKey(keyId) is { } key)
                {
                    return (key, ring, isTrusted);
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Every public key ring in the bytes, or null when they are not only public keys. Binary, or armored; several armored
    /// blocks one after another (key files joined with <c>cat</c>) are each read, where an armor reader stops at the first.
    /// </summary>
    private static List<PgpPublicKeyRing>? Rings(byte[] bytes)
    {
        const string begin = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
        var text = bytes.All(b => b < 0x80) ? Encoding.ASCII.GetString(bytes) : null;
        var blocks = text is not null && text.Contains(begin, StringComparison.Ordinal)
            ? text.Split(begin, StringSplitOptions.RemoveEmptyEntries).Where(b => !string.IsNullOrWhiteSpace(b)).Select(b => Encoding.ASCII.GetBytes(begin + b)).ToList()
            : [bytes];
        var rings = new List<PgpPublicKeyRing>();
        foreach (var block in blocks)
        {
            try
            {
                using var input = PgpUtilities.GetDecoderStream(new MemoryStream(block, writable: false));
                rings.AddRange(new PgpPublicKeyRingBundle(input).GetKeyRings());
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                // Whatever BouncyCastle throws for bytes that are not a key ring (PgpException, IOException, ...).
                return null;
            }
        }
        return rings;
    }
}
