using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Evidence.Referrals;

namespace Evidence.Handover;

/// <summary>
/// Writes a handover bundle's zip one entry at a time into a <see cref="PackageFile"/>, which hashes the file as it grows
/// (the bundle's SHA-256 is what both ledgers and the receipt name). Items are stored, as ingested; the small custody files
/// are deflated. Each item is hashed as it passes, so bytes that no longer match their recorded hash stop the bundle.
/// </summary>
internal sealed class BundleWriter(PackageFile output, string root, DateTimeOffset time) : IDisposable
{
    private readonly ZipArchive zip = new(output, ZipArchiveMode.Create, leaveOpen: true, Encoding.UTF8);
    private readonly byte[] buffer = new byte[1 << 20];

    /// <summary>Streams one item into the zip and returns the SHA-256 (lower-case hex) and size of the bytes written.</summary>
    public async Task<(string Sha256, long Size)> AddItemAsync(string path, Stream content, CancellationToken cancellationToken)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var entry = zip.CreateEntry($"{root}/{path}", CompressionLevel.NoCompression);
        entry.LastWriteTime = time;
        long size = 0;
        await using (var target = entry.Open())
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                sha256.AppendData(buffer, 0, read);
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                size += read;
            }
        }
        output.Seal();
        return (Convert.ToHexStringLower(sha256.GetHashAndReset()), size);
    }

    public void AddText(string path, string text)
    {
        var entry = zip.CreateEntry($"{root}/{path}", CompressionLevel.Optimal);
        entry.LastWriteTime = time;
        using (var stream = entry.Open())
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
        }
        output.Seal();
    }

    public void Dispose() => zip.Dispose();
}
