using System.Buffers.Binary;
using System.Text;

namespace Evidence.Provenance;

/// <summary>
/// Structure of a manifest that cannot be read: it never leaves <see cref="C2paReader"/>, which turns it into an
/// "unreadable" verdict with the message as the reason.
/// </summary>
internal sealed class C2paFormatException(string message) : Exception(message);

/// <summary>
/// One JUMBF box (ISO/IEC 19566-5) as found in the manifest store: where it lies, and for a superbox (<c>jumb</c>)
/// its description and children. Offsets are into the manifest store's bytes.
/// </summary>
internal sealed class JumbfBox
{
    public required string Type { get; init; }

    /// <summary>Offset of the box header (LBox) in the store.</summary>
    public required int Start { get; init; }

    /// <summary>Offset of the first byte after the header (LBox, TBox and XLBox if present).</summary>
    public required int PayloadStart { get; init; }

    /// <summary>Offset of the first byte after the box.</summary>
    public required int End { get; init; }

    /// <summary>For a superbox: the JUMBF type UUID from its description box.</summary>
    public Guid? ContentType { get; init; }

    /// <summary>For a superbox: its label, when the description box has one.</summary>
    public string? Label { get; init; }

    /// <summary>For a superbox: its boxes after the description box (content boxes or further superboxes).</summary>
    public IReadOnlyList<JumbfBox> Children { get; init; } = [];

    public bool IsSuperbox => Type == "jumb";

    /// <summary>The first 4 bytes of a C2PA type UUID spell its kind: <c>c2pa</c>, <c>c2ma</c>, <c>c2cl</c>, ...</summary>
    public string? ContentKind => ContentType is { } uuid ? Encoding.ASCII.GetString(uuid.ToByteArray(bigEndian: true), 0, 4) : null;

    public JumbfBox? Child(string label) => Children.LastOrDefault(c => c.IsSuperbox && c.Label == label);

    public JumbfBox? FirstContent(string type) => Children.FirstOrDefault(c => c.Type == type);
}

/// <summary>
/// Reads the JUMBF box tree of a C2PA manifest store (C2PA 2.1 §11.1 "Use of JUMBF"; ISO/IEC 19566-5 for box syntax),
/// with caps that keep a hostile store from costing unbounded time or memory.
/// </summary>
internal static class Jumbf
{
    /// <summary>A real manifest store is a few levels deep (store, manifest, assertion store, assertion, content).</summary>
    public const int MaxDepth = 32;

    public const int MaxBoxes = 10_000;

    /// <summary>Description box toggles (ISO/IEC 19566-5 §B.3): which optional fields follow the type UUID.</summary>
    private const byte LabelPresent = 0x02;

    /// <summary>Parses the whole store as one top-level superbox.</summary>
    public static JumbfBox ReadStore(byte[] store)
    {
        var count = 0;
        var top = ReadBoxes(store, 0, store.Length, 0, ref count);
        if (top.Count == 0 || !top[0].IsSuperbox)
        {
            throw new C2paFormatException("the manifest store is not a JUMBF superbox.");
        }
        return top[0];
    }

    private static List<JumbfBox> ReadBoxes(byte[] data, int start, int end, int depth, ref int count)
    {
        if (depth > MaxDepth)
        {
            throw new C2paFormatException($"JUMBF boxes nested deeper than {MaxDepth}.");
        }
        var boxes = new List<JumbfBox>();
        var at = start;
        while (at < end)
        {
            if (++count > MaxBoxes)
            {
                throw new C2paFormatException($"more than {MaxBoxes} JUMBF boxes in the manifest store.");
            }
            boxes.Add(ReadBox(data, at, end, depth, ref count));
            at = boxes[^1].End;
        }
        return boxes;
    }

    private static JumbfBox ReadBox(byte[] data, int at, int end, int depth, ref int count)
    {
        if (end - at < 8)
        {
            throw new C2paFormatException($"a JUMBF box header at byte {at} is cut short.");
        }
        long length = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
        var type = Encoding.ASCII.GetString(data, at + 4, 4);
        var payloadStart = at + 8;
        if (length == 1)
        {
            // XLBox: the 64-bit length follows the type.
            if (end - at < 16)
            {
                throw new C2paFormatException($"the JUMBF box '{Printable(type)}' at byte {at} has a cut-short extended length.");
            }
            var extended = BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(at + 8));
            length = extended > long.MaxValue ? long.MaxValue : (long)extended;
            payloadStart = at + 16;
        }
        else if (length == 0)
        {
            // Length 0: the box runs to the end of whatever holds it.
            length = end - at;
        }
        if (length < payloadStart - at || length > end - at)
        {
            throw new C2paFormatException($"the JUMBF box '{Printable(type)}' at byte {at} declares {length} bytes; {end - at} remain.");
        }
        var boxEnd = at + (int)length;
        if (type != "jumb")
        {
            return new JumbfBox { Type = type, Start = at, PayloadStart = payloadStart, End = boxEnd };
        }

        // A superbox: a description box first, then its content (ISO/IEC 19566-5 §B.2).
        var children = ReadBoxes(data, payloadStart, boxEnd, depth + 1, ref count);
        if (children.Count == 0 || children[0].Type != "jumd")
        {
            throw new C2paFormatException($"the JUMBF superbox at byte {at} does not begin with a description box.");
        }
        var (uuid, label) = ReadDescription(data, children[0]);
        return new JumbfBox
        {
            Type = type,
            Start = at,
            PayloadStart = payloadStart,
            End = boxEnd,
            ContentType = uuid,
            Label = label,
            Children = children.Skip(1).ToList(),
        };
    }

    private static (Guid Uuid, string? Label) ReadDescription(byte[] data, JumbfBox description)
    {
        var body = data.AsSpan(description.PayloadStart, description.End - description.PayloadStart);
        if (body.Length < 17)
        {
            throw new C2paFormatException($"the JUMBF description box at byte {description.Start} is cut short.");
        }
        var uuid = new Guid(body[..16], bigEndian: true);
        var toggles = body[16];
        string? label = null;
        if ((toggles & LabelPresent) != 0)
        {
            var rest = body[17..];
            var nul = rest.IndexOf((byte)0);
            if (nul < 0)
            {
                throw new C2paFormatException($"the label of the JUMBF description box at byte {description.Start} is not terminated.");
            }
            label = Encoding.UTF8.GetString(rest[..nul]);
        }
        // The ID, signature and private (salt) fields that may follow (toggles 0x04, 0x08, 0x10) are not needed to
        // find or hash anything: hashing covers the description box's bytes as stored, whatever they hold.
        return (uuid, label);
    }

    private static string Printable(string type) => new(type.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '?').ToArray());
}
