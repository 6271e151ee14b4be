using System.Buffers.Binary;
using System.Text;

namespace Evidence.Provenance;

/// <summary>
/// Finds the C2PA manifest store embedded in a JPEG (APP11 segments) or PNG (<c>caBX</c> chunk), following C2PA 2.1
/// §11.3 "Embedding manifests into various file formats" and Appendix A. Reads only segment headers and the store
/// itself, never the image data, and never more than <see cref="MaxStoreBytes"/> of store.
/// </summary>
internal static class ManifestStoreLocator
{
    /// <summary>Real manifest stores are kilobytes to a few megabytes (with thumbnails); more is a bomb.</summary>
    public const int MaxStoreBytes = 16 * 1024 * 1024;

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// The manifest store's bytes, or null when the file is a JPEG or PNG without one. A malformed container, an
    /// oversized store or another file format throws <see cref="C2paFormatException"/>.
    /// </summary>
    public static byte[]? Find(Stream file, CancellationToken ct)
    {
        file.Position = 0;
        Span<byte> head = stackalloc byte[8];
        var got = file.ReadAtLeast(head, 8, throwOnEndOfStream: false);
        if (got >= 2 && head[0] == 0xFF && head[1] == 0xD8)
        {
            return FindInJpeg(file, ct);
        }
        if (got == 8 && head.SequenceEqual(PngSignature))
        {
            return FindInPng(file, ct);
        }
        throw new C2paFormatException("not a JPEG or PNG file; this reader looks for C2PA manifests only in those.");
    }

    /// <summary>
    /// JPEG (C2PA 2.1 Appendix A, "JPEG"; ISO/IEC 19566-5 Annex on JPEG embedding): the store is one JUMBF superbox cut
    /// into APP11 segments. Each segment holds: CI "JP" (2 bytes), En box instance (2), Z packet sequence number (4),
    /// then the superbox header (LBox, TBox, XLBox if any) repeated in every packet, then the next part of the box.
    /// Only segments before the image data (SOS) are read.
    /// </summary>
    private static byte[]? FindInJpeg(Stream file, CancellationToken ct)
    {
        var length = file.Length;
        long at = 2;
        // Packets of each JUMBF box instance, by sequence number; and which instances are C2PA manifest stores.
        var packets = new Dictionary<ushort, SortedDictionary<uint, byte[]>>();
        var c2paInstances = new List<ushort>();
        long collected = 0;
        Span<byte> header = stackalloc byte[4];

        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (at + 2 > length)
            {
                // A JPEG cut off before its image data: nothing after here can hold a manifest.
                break;
            }
            file.Position = at;
            file.ReadExactly(header[..2]);
            if (header[0] != 0xFF)
            {
                throw new C2paFormatException($"JPEG: a marker was expected at byte {at}.");
            }
            var marker = header[1];
            if (marker == 0xFF)
            {
                // Fill byte before a marker.
                at += 1;
                continue;
            }
            if (marker is 0xD9 or 0xDA)
            {
                // End of image, or start of scan: the manifest store precedes the image data.
                break;
            }
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                // TEM and RSTn stand alone, without a length.
                at += 2;
                continue;
            }
            if (at + 4 > length)
            {
                throw new C2paFormatException($"JPEG: the segment at byte {at} is cut short.");
            }
            file.ReadExactly(header[..2]);
            var segmentLength = BinaryPrimitives.ReadUInt16BigEndian(header);
            if (segmentLength < 2 || at + 2 + segmentLength > length)
            {
                throw new C2paFormatException($"JPEG: the segment at byte {at} declares {segmentLength} bytes, past the end of the file.");
            }
            if (marker == 0xEB)
            {
                var content = new byte[segmentLength - 2];
                file.ReadExactly(content);
                if (IsJumbfPacket(content, out var instance, out var sequence))
                {
                    collected += content.Length;
                    if (collected > MaxStoreBytes)
                    {
                        throw new C2paFormatException($"JPEG: more than {MaxStoreBytes} bytes of JUMBF in APP11 segments.");
                    }
                    if (!packets.TryGetValue(instance, out var ofInstance))
                    {
                        packets[instance] = ofInstance = [];
                    }
                    if (!ofInstance.TryAdd(sequence, content))
                    {
                        throw new C2paFormatException($"JPEG: JUMBF packet {sequence} of box instance {instance} appears twice.");
                    }
                    if (sequence == 1 && DescribesManifestStore(content))
                    {
                        c2paInstances.Add(instance);
                    }
                }
            }
            at += 2 + segmentLength;
        }

        if (c2paInstances.Count == 0)
        {
            return null;
        }
        if (c2paInstances.Count > 1)
        {
            // C2PA 2.1 §11.3: an asset carries one manifest store; two would leave "the active manifest" ambiguous.
            throw new C2paFormatException("JPEG: more than one C2PA manifest store.");
        }
        var ordered = packets[c2paInstances[0]];
        var store = new MemoryStream();
        uint expected = 1;
        foreach (var (sequence, content) in ordered)
        {
            if (sequence != expected)
            {
                throw new C2paFormatException($"JPEG: JUMBF packet {expected} of the manifest store is missing.");
            }
            // The first packet carries the box from its header on; later ones repeat the header, which is dropped.
            var skip = sequence == 1 ? 8 : 8 + BoxHeaderLength(content);
            store.Write(content, skip, content.Length - skip);
            expected++;
        }
        return store.ToArray();
    }

    /// <summary>An APP11 segment is a JUMBF packet when it has CI "JP", room for a box header, and the box is a superbox.</summary>
    private static bool IsJumbfPacket(byte[] content, out ushort instance, out uint sequence)
    {
        instance = 0;
        sequence = 0;
        if (content.Length < 16 || content[0] != (byte)'J' || content[1] != (byte)'P')
        {
            return false;
        }
        instance = BinaryPrimitives.ReadUInt16BigEndian(content.AsSpan(2));
        sequence = BinaryPrimitives.ReadUInt32BigEndian(content.AsSpan(4));
        if (content.Length < 8 + BoxHeaderLength(content))
        {
            return false;
        }
        return sequence >= 1 && Encoding.ASCII.GetString(content, 12, 4) == "jumb";
    }

    /// <summary>8 bytes (LBox, TBox), or 16 when LBox is 1 and the extended length XLBox follows.</summary>
    private static int BoxHeaderLength(byte[] content) => BinaryPrimitives.ReadUInt32BigEndian(content.AsSpan(8)) == 1 ? 16 : 8;

    /// <summary>
    /// The superbox's description box (right after its header) has the C2PA manifest store type UUID, whose first four
    /// bytes are "c2pa" (C2PA 2.1 §11.1 "Use of JUMBF").
    /// </summary>
    private static bool DescribesManifestStore(byte[] content)
    {
        var description = 8 + BoxHeaderLength(content);
        return content.Length >= description + 12
            && Encoding.ASCII.GetString(content, description + 4, 4) == "jumd"
            && Encoding.ASCII.GetString(content, description + 8, 4) == "c2pa";
    }

    /// <summary>
    /// PNG (C2PA 2.1 Appendix A, "PNG"): the store is the data of a <c>caBX</c> chunk. Chunks are length (4), type
    /// (4), data, CRC (4); the walk stops at IEND.
    /// </summary>
    private static byte[]? FindInPng(Stream file, CancellationToken ct)
    {
        var length = file.Length;
        long at = 8;
        byte[]? store = null;
        Span<byte> header = stackalloc byte[8];
        while (at + 12 <= length)
        {
            ct.ThrowIfCancellationRequested();
            file.Position = at;
            file.ReadExactly(header);
            var chunkLength = BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = Encoding.ASCII.GetString(header[4..]);
            if (chunkLength > int.MaxValue || at + 12 + chunkLength > length)
            {
                throw new C2paFormatException($"PNG: the '{type}' chunk at byte {at} declares {chunkLength} bytes, past the end of the file.");
            }
            if (type == "caBX")
            {
                if (store is not null)
                {
                    throw new C2paFormatException("PNG: more than one C2PA manifest store (caBX chunk).");
                }
                if (chunkLength > MaxStoreBytes)
                {
                    throw new C2paFormatException($"PNG: the manifest store declares {chunkLength} bytes; more than {MaxStoreBytes} is not read.");
                }
                store = new byte[chunkLength];
                file.ReadExactly(store);
            }
            if (type == "IEND")
            {
                break;
            }
            at += 12 + chunkLength;
        }
        return store;
    }
}
