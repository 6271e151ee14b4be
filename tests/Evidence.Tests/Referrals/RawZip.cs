using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace Evidence.Tests.Referrals;

/// <summary>
/// Writes a zip header by header (APPNOTE 4.3), so that a test can make a zip's two descriptions of a file
/// disagree exactly as a tamperer would; with no change it writes an ordinary zip that unzip and Python accept.
/// </summary>
internal static class RawZip
{
    /// <summary>One file. By default both headers describe <see cref="Content"/> truthfully.</summary>
    internal sealed record Entry(string Name, byte[] Content)
    {
        public bool Deflate { get; init; }

        /// <summary>The bytes written as the entry's data; by default <see cref="Content"/>, stored or deflated.</summary>
        public byte[]? Data { get; init; }

        /// <summary>The uncompressed size both headers declare; by default the length of <see cref="Content"/>.</summary>
        public long? DeclaredSize { get; init; }

        /// <summary>The CRC-32 both headers declare; by default that of <see cref="Content"/>.</summary>
        public uint? DeclaredCrc { get; init; }

        /// <summary>The name in the local header, when it is to differ from the central directory's.</summary>
        public string? LocalName { get; init; }

        public byte[] Extra { get; init; } = [];

        /// <summary>Unix mode in the upper half (regular file 0644 by default).</summary>
        public uint ExternalAttributes { get; init; } = 0x81A4u << 16;

        /// <summary>Changes the 30-byte local header (APPNOTE 4.3.7) after it is written, leaving the central record as it was.</summary>
        public Action<byte[]>? PatchLocalHeader { get; init; }

        /// <summary>Bytes written after the data that no header accounts for.</summary>
        public byte[] After { get; init; } = [];

        /// <summary>A central record only, pointing at the local header of the entry with this name.</summary>
        public string? SharesLocalHeaderOf { get; init; }
    }

    /// <summary>The entries of a real package, with its evidence stored and everything else deflated, as BagWriter writes them.</summary>
    public static List<Entry> FromPackage(string zip) =>
        PackageZip.Read(zip).Select(e => new Entry(e.Key, e.Value) { Deflate = !e.Key.Contains("/data/evidence/", StringComparison.Ordinal) }).ToList();

    public static byte[] Deflated(byte[] content)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(content);
        }
        return output.ToArray();
    }

    public static string Write(string path, IEnumerable<Entry> entries)
    {
        using var zip = new MemoryStream();
        var central = new MemoryStream();
        var offsets = new Dictionary<string, (long Offset, Entry Entry, byte[] Data)>();
        var count = 0;
        foreach (var entry in entries)
        {
            count++;
            long offset;
            byte[] data;
            var described = entry;
            if (entry.SharesLocalHeaderOf is { } other)
            {
                (offset, described, data) = offsets[other];
            }
            else
            {
                data = entry.Data ?? (entry.Deflate ? Deflated(entry.Content) : entry.Content);
                offset = zip.Position;
                offsets[entry.Name] = (offset, entry, data);
                Header(zip, local: true, entry, entry.LocalName ?? entry.Name, data, 0);
                zip.Write(data);
                zip.Write(entry.After);
            }
            Header(central, local: false, described with { Name = entry.Name, ExternalAttributes = entry.ExternalAttributes }, entry.Name, data, offset);
        }
        var directoryOffset = zip.Position;
        central.Position = 0;
        central.CopyTo(zip);
        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), (ushort)count);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), (ushort)count);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)central.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)directoryOffset);
        zip.Write(end);
        File.WriteAllBytes(path, zip.ToArray());
        return path;
    }

    private static void Header(Stream output, bool local, Entry entry, string name, byte[] data, long offset)
    {
        // Local header: signature, version, flags (6), method (8), time, date, CRC-32 (14), sizes (18, 22), name and extra lengths.
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var header = new byte[local ? 30 : 46];
        var at = local ? 4 : 6; // the central record has "version made by" before the common fields
        BinaryPrimitives.WriteUInt32LittleEndian(header, local ? 0x04034b50u : 0x02014b50u);
        if (!local)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 0x0314); // Unix, version 2.0
        }
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(at), 20);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(at + 2), (ushort)(nameBytes.Any(b => b >= 0x80) ? 0x800 : 0));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(at + 4), (ushort)(entry.Deflate ? 8 : 0));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(at + 8), 0x5B81); // 2025-12-01
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(at + 10), entry.DeclaredCrc ?? Crc32.HashToUInt32(entry.Content));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(at + 14), (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(at + 18), (uint)(entry.DeclaredSize ?? entry.Content.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(at + 22), (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(at + 24), (ushort)entry.Extra.Length);
        if (!local)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(38), entry.ExternalAttributes);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(42), (uint)offset);
        }
        if (local)
        {
            entry.PatchLocalHeader?.Invoke(header);
        }
        output.Write(header);
        output.Write(nameBytes);
        output.Write(entry.Extra);
    }
}
