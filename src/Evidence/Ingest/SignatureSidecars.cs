using Evidence.Provenance;

namespace Evidence.Ingest;

/// <summary>
/// Among the files of one ingest (a folder walked, or files named together), finds each file's detached signatures and
/// the public keys that came with them, as ProofMode and similar apps lay them out:
/// <list type="bullet">
/// <item><c>X.asc</c> or <c>X.sig</c> beside <c>X</c> (same folder, same name plus the extension, in any case) is X's
/// signature: recorded in X's provenance, not ingested as an item of its own. A sidecar larger than
/// <see cref="OpenPgpVerifier.MaxSidecarBytes"/> is no signature: it stays an item, and X's provenance says why.</item>
/// <item>A <c>.asc</c> file holding an armored public key (<c>pubkey.asc</c>) verifies the signatures in its folder, and is
/// ingested as an item too (it is part of what was handed over); it never makes a signature trusted.</item>
/// <item>Everything else, including a <c>.asc</c> with no file beside it, is an ordinary item: a file is never lost.</item>
/// </list>
/// </summary>
public static class SignatureSidecars
{
    private static readonly string[] Extensions = [".asc", ".sig"];
    private const string PublicKeyBlock = "-----BEGIN PGP PUBLIC KEY BLOCK-----";

    /// <summary>What to ingest, and what comes with each file.</summary>
    /// <param name="Files">The files to ingest as items, in the order given.</param>
    /// <param name="Consumed">The sidecars recorded as another file's signature instead of as items.</param>
    /// <param name="SignaturesOf">Each signed file's sidecars.</param>
    /// <param name="KeysBeside">The public key files in each signed file's folder.</param>
    public sealed record Pairing(
        IReadOnlyList<string> Files,
        IReadOnlyList<string> Consumed,
        IReadOnlyDictionary<string, IReadOnlyList<string>> SignaturesOf,
        IReadOnlyDictionary<string, IReadOnlyList<string>> KeysBeside)
    {
        /// <summary>The sidecars of <paramref name="file"/>.</summary>
        /// <param name="file">A file of <see cref="Files"/>.</param>
        public IReadOnlyList<string> Signatures(string file) => SignaturesOf.GetValueOrDefault(file) ?? [];

        /// <summary>The key files beside <paramref name="file"/>, when it has signatures.</summary>
        /// <param name="file">A file of <see cref="Files"/>.</param>
        public IReadOnlyList<string> Keys(string file) => KeysBeside.GetValueOrDefault(file) ?? [];
    }

    /// <summary>Pairs the files; a file for which <paramref name="keepAsItem"/> says yes is never consumed (a sheet row names it).</summary>
    /// <param name="files">Every file of the ingest, full paths.</param>
    /// <param name="keepAsItem">Files that must stay items of their own.</param>
    public static Pairing Pair(IReadOnlyList<string> files, Func<string, bool>? keepAsItem = null)
    {
        var present = files.ToHashSet(StringComparer.Ordinal);
        var consumed = new HashSet<string>(StringComparer.Ordinal);
        var signatures = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        // Shortest names first, so that X is settled before X.asc, and X.asc before X.asc.asc: a signature's signature
        // (X.asc.asc, whose X.asc is consumed) is left an item rather than lost.
        foreach (var file in files.OrderBy(f => f.Length).ThenBy(f => f, StringComparer.Ordinal))
        {
            if (SignedFile(file) is not { } signed || !present.Contains(signed) || consumed.Contains(signed)
                || keepAsItem?.Invoke(file) == true || IsPublicKey(file))
            {
                continue;
            }
            if (Size(file) > OpenPgpVerifier.MaxSidecarBytes)
            {
                // Not a signature: an item of its own, still named to X so that X's provenance says why it has none from it.
                Add(signatures, signed, file);
                continue;
            }
            consumed.Add(file);
            Add(signatures, signed, file);
        }

        var keysByFolder = files.Where(f => !consumed.Contains(f) && IsPublicKey(f))
            .GroupBy(f => Path.GetDirectoryName(f) ?? "", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.ToList(), StringComparer.Ordinal);
        var keys = signatures.Keys
            .Where(f => keysByFolder.ContainsKey(Path.GetDirectoryName(f) ?? ""))
            .ToDictionary(f => f, f => keysByFolder[Path.GetDirectoryName(f) ?? ""], StringComparer.Ordinal);
        return new Pairing(
            files.Where(f => !consumed.Contains(f)).ToList(),
            files.Where(consumed.Contains).ToList(),
            signatures.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal),
            keys);
    }

    /// <summary>For <c>dir/X.asc</c> or <c>dir/X.sig</c>, <c>dir/X</c>; else null.</summary>
    private static string? SignedFile(string file)
    {
        var extension = Path.GetExtension(file);
        var name = Path.GetFileNameWithoutExtension(file);
        return Extensions.Contains(extension, StringComparer.OrdinalIgnoreCase) && name.Length > 0
            ? Path.Combine(Path.GetDirectoryName(file) ?? "", name)
            : null;
    }

    /// <summary>A .asc file whose first bytes open an armored public key block; only its head is read.</summary>
    private static bool IsPublicKey(string file)
    {
        if (!string.Equals(Path.GetExtension(file), ".asc", StringComparison.OrdinalIgnoreCase) || Size(file) is < 0 or > OpenPgpKeys.MaxKeyFileBytes)
        {
            return false;
        }
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
            var head = new byte[256];
            var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return System.Text.Encoding.ASCII.GetString(head, 0, read).TrimStart().StartsWith(PublicKeyBlock, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable here is reported when it is ingested as an item.
            return false;
        }
    }

    private static long Size(string file)
    {
        try
        {
            return new FileInfo(file).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    private static void Add(Dictionary<string, List<string>> map, string key, string value)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }
        list.Add(value);
    }
}
