using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Evidence.Custody;
using Microsoft.Win32.SafeHandles;

namespace Evidence.Referrals;

/// <summary>One file of the zip, as its central directory and its local header both describe it.</summary>
/// <param name="Name">The entry's name (UTF-8).</param>
/// <param name="Method">0 stored, 8 deflated.</param>
/// <param name="Crc32">The CRC-32 of the uncompressed bytes, as both headers declare it.</param>
/// <param name="CompressedSize">The length of the entry's data in the zip.</param>
/// <param name="Size">The length of the uncompressed bytes, as both headers declare it.</param>
/// <param name="DataOffset">Where the entry's data starts in the zip.</param>
internal sealed record StrictZipEntry(string Name, ushort Method, uint Crc32, long CompressedSize, long Size, long DataOffset);

/// <summary>
/// A zip reader for <c>verify-package</c> that accepts only a zip that every standard unzip reads the same way,
/// so that the bytes it hashes are the bytes a court's unzip, <c>sha256sum -c</c> or Python's zipfile produce.
/// <para>
/// A zip describes each file twice: a local header in front of its data, and a central directory at the end.
/// Tools differ in which one they believe and in how far they read, so a tamperer who makes the two disagree,
/// or hides bytes between entries, can show one reader one file and another reader another. This reader
/// (APPNOTE.TXT 6.3, the PKWARE specification) therefore refuses, as findings, a zip in which:
/// </para>
/// <list type="bullet">
/// <item>an entry's local header and its central-directory record differ in name, flags, method, CRC-32 or sizes
/// (or, with a data descriptor, the descriptor differs from the central record);</item>
/// <item>any byte of the file is not accounted for: entries must follow each other from offset 0 with no gap and
/// no overlap, the central directory must start where the last entry ends, and the end record must end the file;</item>
/// <item>an entry is encrypted, compressed other than stored or deflated, stored with two different sizes, spread
/// over several disks, a symbolic link, or named in a way unzip tools read differently (a name that is not UTF-8,
/// non-ASCII without the UTF-8 flag, or an Info-ZIP Unicode-path field that gives unzip another name).</item>
/// </list>
/// <para>
/// An entry refused here is not read. The CRC-32 and the size of the uncompressed bytes are checked by the caller
/// as it reads them (<see cref="Open"/> never yields more than the declared size plus one byte, so a zip bomb
/// cannot outgrow its headers). Zip64 is supported, because evidence files can exceed 4 GiB.
/// </para>
/// </summary>
internal sealed class StrictZip : IDisposable
{
    /// <summary>Longer entry names are refused: a bag name is a few hundred bytes at most.</summary>
    public const int MaxNameBytes = 1024;

    // A central directory is ~150 bytes per entry: 64 MiB is some 400,000 files.
    private const long MaxCentralDirectory = 64L << 20;

    private const uint LocalHeaderSignature = 0x04034b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint DataDescriptorSignature = 0x08074b50;
    private const ushort Zip64ExtraId = 0x0001;
    private const ushort UnicodePathExtraId = 0x7075;
    private const ushort Stored = 0, Deflated = 8;
    private const ushort DataDescriptorFlag = 1 << 3, Utf8Flag = 1 << 11;
    // Bits 1-2 are deflate's speed hint, 3 the data descriptor, 11 UTF-8 names; any other (encryption, patch data,
    // masked headers) changes how the data must be read.
    private const ushort AllowedFlags = 0b0000_1000_0000_1110;

    private readonly SafeFileHandle file;
    private readonly Action<Finding> report;
    private readonly long length;
    // A scratch file scrambled under a key of this process (a decrypted handover bundle): every read is unscrambled.
    private readonly ScratchCipher? scrambled;

    private StrictZip(SafeFileHandle file, Action<Finding> report, ScratchCipher? scrambled = null)
    {
        this.file = file;
        this.report = report;
        this.scrambled = scrambled;
        length = RandomAccess.GetLength(file);
    }

    /// <summary>The entries that passed every check, in central-directory order.</summary>
    public List<StrictZipEntry> Entries { get; } = [];

    /// <summary>
    /// Opens the zip and checks its structure; every problem goes to <paramref name="report"/>. Returns null, with one
    /// finding, when the file is not a zip at all.
    /// </summary>
    public static StrictZip? Read(string path, Action<Finding> report)
    {
        StrictZip zip;
        try
        {
            zip = new StrictZip(File.OpenHandle(path), report);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            report(new Finding("zip", path, "a readable zip file", e.Message));
            return null;
        }
        return Checked(zip, path);
    }

    /// <summary>
    /// As <see cref="Read(string, Action{Finding})"/>, for a zip held in a scratch file scrambled by a <see cref="ScratchCipher"/>
    /// under <paramref name="key"/>; <paramref name="name"/> is how findings name it. The zip owns the handle from here.
    /// </summary>
    public static StrictZip? ReadScrambled(SafeFileHandle file, byte[] key, string name, Action<Finding> report) =>
        Checked(new StrictZip(file, report, new ScratchCipher(key)), name);

    private static StrictZip? Checked(StrictZip zip, string path)
    {
        var report = zip.report;
        try
        {
            if (zip.ReadDirectory(path))
            {
                return zip;
            }
        }
        catch (InvalidDataException e)
        {
            report(new Finding("zip", path, "a readable zip file", e.Message));
        }
        zip.Dispose();
        return null;
    }

    /// <summary>
    /// The entry's uncompressed bytes, exactly as a standard unzip produces them from its data, but never more than
    /// its declared size plus one byte (one more tells the caller the headers understate it).
    /// </summary>
    public Stream Open(StrictZipEntry entry)
    {
        Stream data = new RegionStream(this, entry.DataOffset, entry.CompressedSize);
        if (entry.Method == Deflated)
        {
            data = new DeflateStream(data, CompressionMode.Decompress);
        }
        return new LimitedStream(data, entry.Size + 1);
    }

    public void Dispose()
    {
        file.Dispose();
        scrambled?.Dispose();
    }

    /// <summary>Bytes of the file at <paramref name="offset"/>, as a positioned read gives them (unscrambled when the file is).</summary>
    private int ReadFile(Span<byte> into, long offset)
    {
        var read = RandomAccess.Read(file, into, offset);
        if (scrambled is not null)
        {
            // One cipher, its buffers shared: entries may be read from more than one thread, one after another.
            lock (scrambled)
            {
                scrambled.Apply(into[..read], offset);
            }
        }
        return read;
    }

    /// <summary>Reads the end record, then each central record and its local header, then checks that every byte is accounted for.</summary>
    private bool ReadDirectory(string path)
    {
        var (directoryOffset, directorySize, count, directoryEnd) = ReadEnd();
        if (directorySize > MaxCentralDirectory)
        {
            report(new Finding("zip", path, $"a central directory under {MaxCentralDirectory >> 20} MiB", $"{directorySize} bytes; not read"));
            return false;
        }
        if (directoryOffset + directorySize != directoryEnd)
        {
            report(new Finding("zip", "central directory", $"a central directory that ends where the end record starts ({directoryEnd})", $"one that ends at {directoryOffset + directorySize}"));
        }
        var directory = ReadAt(directoryOffset, (int)directorySize);
        var spans = new List<(long Start, long End, string Name)>();
        var position = 0;
        for (var i = 0; i < count; i++)
        {
            if (position + 46 > directory.Length || U32(directory, position) != CentralHeaderSignature)
            {
                report(new Finding("zip", "central directory", $"{count} entries, as the end record says", $"{i} readable entries"));
                return true;
            }
            var record = directory.AsSpan(position);
            var nameLength = U16(record, 28);
            var extraLength = U16(record, 30);
            var commentLength = U16(record, 32);
            if (46 + nameLength + extraLength + commentLength > record.Length)
            {
                report(new Finding("zip", "central directory", "entries inside the central directory", $"entry {i + 1} runs past its end"));
                return true;
            }
            position += 46 + nameLength + extraLength + commentLength;
            if (ReadEntry(record[..(46 + nameLength + extraLength)], i) is { } span)
            {
                spans.Add(span);
            }
        }
        if (position != directory.Length)
        {
            report(new Finding("zip", "central directory", $"{count} entries filling the central directory", $"{directory.Length - position} bytes after them"));
        }
        CheckLayout(spans, directoryOffset);
        return true;
    }

    /// <summary>The end-of-central-directory record (and its Zip64 twin, when present), which must end the file.</summary>
    private (long DirectoryOffset, long DirectorySize, long Count, long DirectoryEnd) ReadEnd()
    {
        // The end record is the last 22 bytes, with no comment. A comment could hide a second directory and end record,
        // and unzip and Python's zipfile take the last end record in the file, whatever the first one's comment length
        // says: they would read another zip than this one. Packages carry no comment, and no standard writer adds one.
        var tailLength = (int)Math.Min(length, 22);
        var tail = ReadAt(length - tailLength, tailLength);
        const int at = 0;
        if (tailLength < 22 || U32(tail, 0) != EndSignature)
        {
            throw new InvalidDataException("no end-of-central-directory record in the last 22 bytes of the file (a zip comment, or bytes after the end record)");
        }
        if (U16(tail, 20) != 0)
        {
            throw new InvalidDataException("a zip comment, where unzip tools may find another directory than this one");
        }
        var end = tail.AsSpan(at);
        var endOffset = length - tailLength + at;
        long count = U16(end, 10), size = U32(end, 12), offset = U32(end, 16);
        if (U16(end, 4) != 0 || U16(end, 6) != 0 || U16(end, 8) != U16(end, 10))
        {
            throw new InvalidDataException("a zip split over several disks");
        }
        if (endOffset < 20 || U32(ReadAt(endOffset - 20, 20), 0) != Zip64LocatorSignature)
        {
            return (offset, size, count, endOffset);
        }
        // Zip64: the locator (20 bytes, just before the end record) points at the Zip64 end record, which must end where the locator starts.
        var locator = ReadAt(endOffset - 20, 20);
        var zip64Offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(locator.AsSpan(8));
        if (U32(locator, 4) != 0 || U32(locator, 16) != 1 || zip64Offset < 0 || zip64Offset > endOffset - 20 - 56)
        {
            throw new InvalidDataException("a Zip64 locator that points outside the file or at another disk");
        }
        var zip64 = ReadAt(zip64Offset, 56);
        var recordEnd = zip64Offset + 12 + (long)BinaryPrimitives.ReadUInt64LittleEndian(zip64.AsSpan(4));
        if (U32(zip64, 0) != Zip64EndSignature || recordEnd != endOffset - 20)
        {
            throw new InvalidDataException("a Zip64 end record that is not where its locator says");
        }
        var count64 = (long)BinaryPrimitives.ReadUInt64LittleEndian(zip64.AsSpan(32));
        var size64 = (long)BinaryPrimitives.ReadUInt64LittleEndian(zip64.AsSpan(40));
        var offset64 = (long)BinaryPrimitives.ReadUInt64LittleEndian(zip64.AsSpan(48));
        // The 32-bit fields either say "see Zip64" (all ones) or agree with it.
        if ((count != 0xFFFF && count != count64) || (size != 0xFFFFFFFF && size != size64) || (offset != 0xFFFFFFFF && offset != offset64) ||
            count64 < 0 || size64 < 0 || offset64 < 0 || offset64 > zip64Offset)
        {
            throw new InvalidDataException("an end record and a Zip64 end record that disagree");
        }
        return (offset64, size64, count64, zip64Offset);
    }

    /// <summary>
    /// One central record and its local header. Returns the bytes the entry occupies (local header, data and any
    /// data descriptor) when its local header can be read, so the layout can be checked even for a refused entry.
    /// </summary>
    private (long Start, long End, string Name)? ReadEntry(ReadOnlySpan<byte> central, int index)
    {
        var nameBytes = central.Slice(46, U16(central, 28)).ToArray();
        var flags = U16(central, 8);
        var method = U16(central, 10);
        var crc = U32(central, 16);
        long compressed = U32(central, 20), size = U32(central, 24), offset = U32(central, 42);
        var disk = U16(central, 34);
        var extra = central[(46 + nameBytes.Length)..];
        var shown = Shown(nameBytes, $"entry {index + 1}");
        var problems = new List<string>();

        if (ParseExtra(extra) is not { } fields)
        {
            report(new Finding("zip", shown, "well-formed extra fields", "extra fields that run past their length"));
            return null;
        }
        // Zip64: a 32-bit field of all ones means the real value is in the Zip64 extra field, in this order.
        var zip64 = fields.GetValueOrDefault(Zip64ExtraId);
        var cursor = 0;
        if (!(Zip64(ref size, zip64, ref cursor) && Zip64(ref compressed, zip64, ref cursor) && Zip64(ref offset, zip64, ref cursor)))
        {
            report(new Finding("zip", shown, "a Zip64 field holding each size marked as too big for 32 bits", "a short Zip64 field"));
            return null;
        }

        var name = EntryName(nameBytes, flags, fields.ContainsKey(UnicodePathExtraId), problems);
        if (disk != 0)
        {
            problems.Add("an entry on another disk");
        }
        if ((flags & ~AllowedFlags) != 0)
        {
            problems.Add($"flags {flags:x4} (encryption or another feature standard tools read differently)");
        }
        if (method is not (Stored or Deflated))
        {
            problems.Add($"compression method {method} (only stored and deflated are read)");
        }
        if (method == Stored && compressed != size)
        {
            problems.Add($"a stored entry of {compressed} bytes that declares {size} bytes uncompressed");
        }
        // Unix keeps the file type in the upper half of the external attributes: unzip would create a link, not a file.
        if (((U32(central, 38) >> 16) & 0xF000) == 0xA000)
        {
            problems.Add("a symbolic link (unzip would create a link, not a file)");
        }
        if (offset < 0 || offset > length - 30)
        {
            report(new Finding("zip", shown, "a local header inside the file", $"offset {offset}"));
            return null;
        }

        // The local header: the same name, flags, method, CRC-32 and sizes, or the entry is refused.
        var local = ReadAt(offset, 30);
        if (U32(local, 0) != LocalHeaderSignature)
        {
            report(new Finding("zip", shown, $"a local header at offset {offset}", "none"));
            return null;
        }
        int localNameLength = U16(local, 26), localExtraLength = U16(local, 28);
        var dataOffset = offset + 30 + localNameLength + localExtraLength;
        if (dataOffset > length || compressed > length - dataOffset)
        {
            report(new Finding("zip", shown, "the entry's data inside the file", $"{compressed} bytes from offset {dataOffset}"));
            return null;
        }
        var localNameAndExtra = ReadAt(offset + 30, localNameLength + localExtraLength);
        var localFlags = U16(local, 6);
        var localCrc = U32(local, 14);
        long localCompressed = U32(local, 18), localSize = U32(local, 22);
        if (ParseExtra(localNameAndExtra.AsSpan(localNameLength)) is not { } localFields)
        {
            problems.Add("a local header whose extra fields run past their length");
            localFields = [];
        }
        var localZip64 = localFields.GetValueOrDefault(Zip64ExtraId);
        if (localZip64 is not null && (localSize == 0xFFFFFFFF || localCompressed == 0xFFFFFFFF))
        {
            // In a local header the Zip64 field holds both sizes, uncompressed first (APPNOTE 4.5.3).
            cursor = 0;
            localSize = 0xFFFFFFFF;
            localCompressed = 0xFFFFFFFF;
            if (!(Zip64(ref localSize, localZip64, ref cursor) && Zip64(ref localCompressed, localZip64, ref cursor)))
            {
                problems.Add("a local header with a short Zip64 field");
            }
        }
        if (!localNameAndExtra.AsSpan(0, localNameLength).SequenceEqual(nameBytes))
        {
            problems.Add($"a local header named {Shown(localNameAndExtra[..localNameLength], "?")}");
        }
        if (localFields.ContainsKey(UnicodePathExtraId))
        {
            problems.Add("a local header with an Info-ZIP Unicode path field (unzip would use that name instead)");
        }
        if (localFlags != flags || U16(local, 8) != method)
        {
            problems.Add($"a local header with flags {localFlags:x4} and method {U16(local, 8)} where the central directory says {flags:x4} and {method}");
        }

        var end = dataOffset + compressed;
        if ((flags & DataDescriptorFlag) == 0)
        {
            if (localCrc != crc || localCompressed != compressed || localSize != size)
            {
                problems.Add($"a local header declaring CRC-32 {localCrc:x8}, {localCompressed} bytes compressed, {localSize} uncompressed where the central directory says {crc:x8}, {compressed}, {size}");
            }
        }
        else
        {
            // With a data descriptor the local header may leave CRC-32 and sizes at zero (Info-ZIP's `zip -fd` leaves only
            // the compressed size and CRC-32); the descriptor after the data carries them.
            if ((localCrc != 0 && localCrc != crc) || (localCompressed != 0 && localCompressed != compressed) || (localSize != 0 && localSize != size))
            {
                problems.Add($"a local header declaring CRC-32 {localCrc:x8}, {localCompressed} bytes compressed, {localSize} uncompressed where the central directory says {crc:x8}, {compressed}, {size}");
            }
            if (DataDescriptorLength(end, localZip64 is not null, crc, compressed, size) is { } descriptor)
            {
                end += descriptor;
            }
            else
            {
                problems.Add($"no data descriptor after the data declaring CRC-32 {crc:x8}, {compressed} and {size} bytes");
            }
        }

        if (problems.Count > 0 || name is null)
        {
            foreach (var problem in problems)
            {
                report(new Finding("zip", shown, "an entry that every unzip reads the same way; not read", problem));
            }
        }
        else
        {
            Entries.Add(new StrictZipEntry(name, method, crc, compressed, size, dataOffset));
        }
        return (offset, end, shown);
    }

    /// <summary>A UTF-8 name, or ASCII when the UTF-8 flag is off (tools read such names as code page 437 or the local code page).</summary>
    private string? EntryName(byte[] bytes, ushort flags, bool unicodePathField, List<string> problems)
    {
        if (bytes.Length > MaxNameBytes)
        {
            problems.Add($"a name of {bytes.Length} bytes (at most {MaxNameBytes})");
            return null;
        }
        if (unicodePathField)
        {
            problems.Add("an Info-ZIP Unicode path field (unzip would use that name instead)");
        }
        if ((flags & Utf8Flag) == 0 && bytes.Any(b => b >= 0x80))
        {
            problems.Add("a non-ASCII name without the UTF-8 flag (unzip tools would read it in another character set)");
            return null;
        }
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            problems.Add("a name that is not UTF-8");
            return null;
        }
    }

    /// <summary>
    /// The length of the data descriptor at <paramref name="at"/> if it repeats the central directory's CRC-32 and
    /// sizes: 4-byte sizes, or 8-byte ones after a Zip64 local header; its signature is optional.
    /// </summary>
    private int? DataDescriptorLength(long at, bool zip64, uint crc, long compressed, long size)
    {
        var sizeBytes = zip64 ? 8 : 4;
        var available = (int)Math.Min(length - at, 4 + 4 + 2 * sizeBytes);
        var bytes = ReadAt(at, available);
        foreach (var start in new[] { 4, 0 })
        {
            if (start + 4 + 2 * sizeBytes > available || (start == 4 && U32(bytes, 0) != DataDescriptorSignature))
            {
                continue;
            }
            var span = bytes.AsSpan(start);
            var (c, u) = zip64
                ? ((long)BinaryPrimitives.ReadUInt64LittleEndian(span[4..]), (long)BinaryPrimitives.ReadUInt64LittleEndian(span[12..]))
                : ((long)U32(span, 4), (long)U32(span, 8));
            if (U32(span, 0) == crc && c == compressed && u == size)
            {
                return start + 4 + 2 * sizeBytes;
            }
        }
        return null;
    }

    /// <summary>
    /// Every byte belongs to one entry, in order from offset 0, and the central directory follows the last. Entries that
    /// overlap are reported and never read: overlapping entries are how a zip bomb makes a small file inflate the same
    /// bytes once for every name that points into them.
    /// </summary>
    private void CheckLayout(List<(long Start, long End, string Name)> spans, long directoryOffset)
    {
        long expected = 0;
        (long Start, long End) previous = (0, 0);
        var overlapping = new List<(long Start, long End)>();
        foreach (var (start, end, name) in spans.OrderBy(s => s.Start).ThenBy(s => s.End))
        {
            if (start > expected)
            {
                report(new Finding("zip", name, $"its local header at offset {expected}, right after the previous entry", $"{start - expected} bytes before it that no header accounts for"));
            }
            else if (start < expected)
            {
                report(new Finding("zip", name, $"an entry that starts after the previous one ends (offset {expected})", $"one that overlaps it from offset {start}"));
                overlapping.Add((start, end));
                overlapping.Add(previous);
            }
            if (end > expected)
            {
                previous = (start, end);
            }
            expected = Math.Max(expected, end);
        }
        Entries.RemoveAll(e => overlapping.Any(s => e.DataOffset >= s.Start && e.DataOffset < s.End));
        if (expected != directoryOffset)
        {
            report(new Finding("zip", "central directory", $"the central directory right after the last entry (offset {expected})",
                expected < directoryOffset ? $"{directoryOffset - expected} bytes before it that no header accounts for" : $"an entry that runs into it (offset {directoryOffset})"));
        }
    }

    /// <summary>Extra fields by id (each a 2-byte id, a 2-byte length and its data); null if they do not fill the space exactly.</summary>
    private static Dictionary<ushort, byte[]>? ParseExtra(ReadOnlySpan<byte> extra)
    {
        var fields = new Dictionary<ushort, byte[]>();
        while (extra.Length > 0)
        {
            if (extra.Length < 4 || 4 + U16(extra, 2) > extra.Length)
            {
                return null;
            }
            // A repeated id is ambiguous (which one does a tool read?): treated as malformed.
            if (!fields.TryAdd(U16(extra, 0), extra.Slice(4, U16(extra, 2)).ToArray()))
            {
                return null;
            }
            extra = extra[(4 + U16(extra, 2))..];
        }
        return fields;
    }

    private static bool Zip64(ref long value, byte[]? field, ref int cursor)
    {
        if (value != 0xFFFFFFFF)
        {
            return true;
        }
        if (field is null || cursor + 8 > field.Length)
        {
            return false;
        }
        value = (long)BinaryPrimitives.ReadUInt64LittleEndian(field.AsSpan(cursor));
        cursor += 8;
        return value >= 0;
    }

    private byte[] ReadAt(long offset, int count)
    {
        var bytes = new byte[count];
        var done = 0;
        while (done < count)
        {
            var read = ReadFile(bytes.AsSpan(done), offset + done);
            if (read == 0)
            {
                throw new InvalidDataException($"the file ends at {offset + done} bytes where {offset + count} were expected");
            }
            done += read;
        }
        return bytes;
    }

    private static string Shown(byte[] name, string fallback) =>
        name.Length == 0 ? fallback : PackageVerifier.Shown(Encoding.UTF8.GetString(name));

    private static ushort U16(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt16LittleEndian(bytes[at..]);

    private static uint U32(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt32LittleEndian(bytes[at..]);

    /// <summary>A read-only window of the file, read with positioned reads so that several can be open at once.</summary>
    private sealed class RegionStream(StrictZip zip, long start, long length) : Stream
    {
        private long position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(buffer.Length, length - position);
            if (count <= 0)
            {
                return 0;
            }
            var read = zip.ReadFile(buffer[..count], start + position);
            position += read;
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Stops after <c>limit</c> bytes, however many more the inner stream would give.</summary>
    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long left = limit;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (left <= 0)
            {
                return 0;
            }
            var read = inner.Read(buffer[..(int)Math.Min(buffer.Length, left)]);
            left -= read;
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
