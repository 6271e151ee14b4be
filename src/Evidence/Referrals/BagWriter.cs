using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Evidence.Referrals;

/// <summary>
/// Writes a BagIt 1.0 bag (RFC 8493) straight into a zip, one file at a time: each payload file is read once, and
/// each piece of it is hashed for both manifests (SHA-256 here, SHA-512 on another core at the same time) while the
/// zip writer stores it and computes its CRC-32, so memory does not grow with the package and no byte is read twice.
/// The manifests, bag-info.txt, the tag manifest and its signatures are written last. After each entry the package
/// file is sealed, so that its own SHA-256 is computed as it grows (<see cref="PackageFile"/>).
/// Evidence is stored, not compressed: its bytes in the zip are the bytes as ingested.
/// </summary>
internal sealed class BagWriter(PackageFile output, string root, DateTimeOffset time) : IDisposable
{
    public const string BagItText = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
    public const string CmsSignatureFile = "tagmanifest-sha256.txt.p7s";
    public const string NoteSignatureFile = "tagmanifest-sha256.txt.sig";

    private readonly ZipArchive zip = new(output, ZipArchiveMode.Create, leaveOpen: true, Encoding.UTF8);
    private readonly List<(string Path, string Sha256, string Sha512, long Size)> payload = [];
    // Two, so that the next piece is read while the SHA-512 of the last one finishes.
    private readonly byte[][] buffers = [new byte[1 << 20], new byte[1 << 20]];

    public long PayloadBytes => payload.Sum(p => p.Size);
    public int PayloadFiles => payload.Count;

    /// <summary>Streams one payload file into the bag and returns its SHA-256 (lower-case hex) and size.</summary>
    public async Task<(string Sha256, long Size)> AddPayloadAsync(string path, Stream content, CancellationToken cancellationToken)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        var entry = zip.CreateEntry($"{root}/{path}", CompressionLevel.NoCompression);
        entry.LastWriteTime = time;
        long size = 0;
        await using (var target = entry.Open())
        {
            var next = 0;
            var read = await content.ReadAtLeastAsync(buffers[next], buffers[next].Length, throwOnEndOfStream: false, cancellationToken);
            while (read > 0)
            {
                var piece = buffers[next].AsMemory(0, read);
                // SHA-512 is the slowest of the three: it runs on another core while this one does SHA-256, the CRC-32
                // (in the zip writer) and the write, then reads the next piece into the other buffer.
                var sha512Done = Task.Run(() => sha512.AppendData(piece.Span), cancellationToken);
                try
                {
                    sha256.AppendData(piece.Span);
                    await target.WriteAsync(piece, cancellationToken);
                    size += read;
                    next = 1 - next;
                    read = await content.ReadAtLeastAsync(buffers[next], buffers[next].Length, throwOnEndOfStream: false, cancellationToken);
                }
                finally
                {
                    // Never leave it hashing a buffer that is about to be reused or a hash that is about to be disposed.
                    await sha512Done;
                }
            }
        }
        output.Seal();
        var hex = Convert.ToHexStringLower(sha256.GetHashAndReset());
        payload.Add((path, hex, Convert.ToHexStringLower(sha512.GetHashAndReset()), size));
        return (hex, size);
    }

    public Task AddPayloadAsync(string path, string text, CancellationToken cancellationToken) =>
        AddPayloadAsync(path, Encoding.UTF8.GetBytes(text), cancellationToken);

    public async Task AddPayloadAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(bytes, writable: false);
        await AddPayloadAsync(path, content, cancellationToken);
    }

    /// <summary>
    /// Writes the manifests, bagit.txt and bag-info.txt (with Payload-Oxum), the tag manifest over them, and the
    /// two signatures over the tag manifest. Returns the tag manifest's text.
    /// </summary>
    public string Finish(IReadOnlyList<KeyValuePair<string, string>> bagInfo, Func<byte[], byte[]> signCms, Func<string, string> signNote)
    {
        var tagFiles = new List<(string Path, byte[] Bytes)>
        {
            ("bagit.txt", Encoding.UTF8.GetBytes(BagItText)),
            ("bag-info.txt", Encoding.UTF8.GetBytes(BagInfo(bagInfo))),
            ("manifest-sha256.txt", Encoding.UTF8.GetBytes(Manifest(payload.Select(p => (p.Sha256, p.Path))))),
            ("manifest-sha512.txt", Encoding.UTF8.GetBytes(Manifest(payload.Select(p => (p.Sha512, p.Path))))),
        };
        foreach (var (path, bytes) in tagFiles)
        {
            Write(path, bytes);
        }
        var tagManifest = Manifest(tagFiles.Select(t => (Convert.ToHexStringLower(SHA256.HashData(t.Bytes)), t.Path)));
        var tagManifestBytes = Encoding.UTF8.GetBytes(tagManifest);
        Write("tagmanifest-sha256.txt", tagManifestBytes);
        Write(CmsSignatureFile, signCms(tagManifestBytes));
        Write(NoteSignatureFile, Encoding.UTF8.GetBytes(signNote(tagManifest)));
        return tagManifest;
    }

    public void Dispose() => zip.Dispose();

    private string BagInfo(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var text = new StringBuilder();
        foreach (var (label, value) in fields)
        {
            // A value is one line: anything that could start a new label is flattened.
            text.Append(label).Append(": ").Append(string.Concat(value.Select(c => char.IsControl(c) ? ' ' : c))).Append('\n');
        }
        text.Append(CultureInfo.InvariantCulture, $"Payload-Oxum: {PayloadBytes}.{PayloadFiles}\n");
        return text.ToString();
    }

    // Two spaces between hash and path, as sha256sum writes it, so `sha256sum -c` reads BagIt manifests as they are.
    private static string Manifest(IEnumerable<(string Hash, string Path)> lines) =>
        string.Concat(lines.Select(l => $"{l.Hash}  {l.Path}\n"));

    private void Write(string path, byte[] bytes)
    {
        var entry = zip.CreateEntry($"{root}/{path}", CompressionLevel.Optimal);
        entry.LastWriteTime = time;
        using (var stream = entry.Open())
        {
            stream.Write(bytes);
        }
        output.Seal();
    }
}
