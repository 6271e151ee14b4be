using Evidence.Provenance;
using Evidence.Requests;

namespace Evidence.Ingest;

/// <summary>
/// A detached signature that arrives with a file (its sidecar, <c>photo.jpg.asc</c> or <c>photo.jpg.sig</c>): its name and
/// bytes. Its bytes are read only up to <see cref="OpenPgpVerifier.MaxSidecarBytes"/>; a larger file is no signature, and
/// <see cref="Bytes"/> is null.
/// </summary>
/// <param name="Name">The sidecar's file name.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Bytes">Its bytes; null when it is larger than any detached signature.</param>
public sealed record DetachedSignature(string Name, long Size, byte[]? Bytes);

/// <summary>What comes with a file to check its signatures: the sidecars, and key files that came with the evidence (not trusted).</summary>
/// <param name="Sidecars">The file's detached signatures.</param>
/// <param name="Keys">The bytes of each public key file that came with the evidence (a <c>pubkey.asc</c> beside it).</param>
internal sealed record IntakeSignatures(IReadOnlyList<DetachedSignature> Sidecars, IReadOnlyList<byte[]> Keys)
{
    public static readonly IntakeSignatures None = new([], []);

    /// <summary>Reads the sidecars and key files named on the command line or found beside the file, bounded in size.</summary>
    public static IntakeSignatures Read(IReadOnlyList<string> sidecars, IReadOnlyList<string> keys)
    {
        if (sidecars.Count == 0)
        {
            // Keys check signatures; without a signature there is nothing to read them for.
            return None;
        }
        var read = sidecars.Select(path =>
        {
            var size = Exists(path, "signature").Length;
            return new DetachedSignature(Path.GetFileName(path), size, ReadBounded(path, OpenPgpVerifier.MaxSidecarBytes, "signature"));
        }).ToList();
        var keyBytes = keys.Take(OpenPgpKeys.MaxKeyFiles)
            .Select(path => ReadBounded(Exists(path, "signer key").FullName, OpenPgpKeys.MaxKeyFileBytes, "signer key"))
            .OfType<byte[]>()
            .ToList();
        return new IntakeSignatures(read, keyBytes);
    }

    private static FileInfo Exists(string path, string what)
    {
        var file = new FileInfo(Path.GetFullPath(path));
        return file.Exists ? file : throw new InvalidRequestException($"The {what} {Text.Display.Path(file.FullName)} does not exist; nothing was recorded.");
    }

    /// <summary>The file's bytes, or null when it holds more than <paramref name="limit"/> (read no further: it may be growing).</summary>
    private static byte[]? ReadBounded(string path, int limit, string what)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var buffer = new byte[limit + 1];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = file.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
            }
            return total > limit ? null : buffer[..total];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRequestException($"The {what} {Text.Display.Path(Path.GetFullPath(path))} cannot be read ({e.Message}); nothing was recorded.");
        }
    }
}
