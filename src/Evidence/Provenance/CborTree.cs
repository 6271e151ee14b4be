using System.Formats.Cbor;
using System.Globalization;

namespace Evidence.Provenance;

/// <summary>
/// A CBOR item read into plain values, so the rules that use it read as lookups rather than as reader calls:
/// integers are <see cref="long"/>, text is <see cref="string"/>, byte strings are <see cref="byte"/>[], arrays are
/// <see cref="List{T}"/> of <see cref="object"/>, maps are <see cref="CborMap"/>, a tagged item is <see cref="CborTagged"/>,
/// and simple values are <see cref="bool"/>, <see langword="null"/> or <see cref="double"/>.
/// </summary>
internal static class CborTree
{
    /// <summary>Deeper than any claim, assertion or COSE structure; deeper input is a bomb, not a manifest.</summary>
    public const int MaxDepth = 32;

    /// <summary>
    /// Reads exactly one CBOR item from <paramref name="bytes"/>. Trailing bytes, duplicate map keys, nesting deeper than
    /// <see cref="MaxDepth"/> and any malformation throw <see cref="C2paFormatException"/>: a claim that two parsers could
    /// read differently (duplicate keys) must not be read at all.
    /// </summary>
    public static object? Decode(ReadOnlyMemory<byte> bytes, string what)
    {
        try
        {
            // Lax: real manifests use indefinite lengths and non-canonical encodings; duplicate keys are checked below.
            var reader = new CborReader(bytes, CborConformanceMode.Lax);
            var value = ReadItem(reader, 0, what);
            if (reader.BytesRemaining != 0)
            {
                throw new C2paFormatException($"{what}: {reader.BytesRemaining} bytes after the CBOR item.");
            }
            return value;
        }
        catch (CborContentException e)
        {
            throw new C2paFormatException($"{what}: malformed CBOR ({e.Message})");
        }
        catch (InvalidOperationException e)
        {
            throw new C2paFormatException($"{what}: malformed CBOR ({e.Message})");
        }
        catch (OverflowException)
        {
            throw new C2paFormatException($"{what}: a CBOR integer is out of range.");
        }
    }

    private static object? ReadItem(CborReader reader, int depth, string what)
    {
        if (depth > MaxDepth)
        {
            throw new C2paFormatException($"{what}: CBOR nested deeper than {MaxDepth}.");
        }
        switch (reader.PeekState())
        {
            case CborReaderState.UnsignedInteger:
            case CborReaderState.NegativeInteger:
                return reader.ReadInt64();
            case CborReaderState.ByteString:
                return reader.ReadByteString();
            case CborReaderState.StartIndefiniteLengthByteString:
                return reader.ReadByteString();
            case CborReaderState.TextString:
            case CborReaderState.StartIndefiniteLengthTextString:
                return reader.ReadTextString();
            case CborReaderState.StartArray:
            {
                // No capacity from the declared length: a header may claim four billion items backed by nothing.
                reader.ReadStartArray();
                var list = new List<object?>();
                while (reader.PeekState() != CborReaderState.EndArray)
                {
                    list.Add(ReadItem(reader, depth + 1, what));
                }
                reader.ReadEndArray();
                return list;
            }
            case CborReaderState.StartMap:
            {
                reader.ReadStartMap();
                var map = new CborMap();
                while (reader.PeekState() != CborReaderState.EndMap)
                {
                    var key = ReadItem(reader, depth + 1, what);
                    var value = ReadItem(reader, depth + 1, what);
                    if (!map.TryAdd(key, value))
                    {
                        throw new C2paFormatException($"{what}: a CBOR map repeats the key {CborMap.KeyText(key)}.");
                    }
                }
                reader.ReadEndMap();
                return map;
            }
            case CborReaderState.Tag:
            {
                var tag = (ulong)reader.ReadTag();
                return new CborTagged(tag, ReadItem(reader, depth + 1, what));
            }
            case CborReaderState.Boolean:
                return reader.ReadBoolean();
            case CborReaderState.Null:
                reader.ReadNull();
                return null;
            case CborReaderState.Undefined:
                reader.SkipValue();
                return null;
            case CborReaderState.HalfPrecisionFloat:
            case CborReaderState.SinglePrecisionFloat:
            case CborReaderState.DoublePrecisionFloat:
                return reader.ReadDouble();
            case CborReaderState.SimpleValue:
                return (long)reader.ReadSimpleValue();
            default:
                throw new C2paFormatException($"{what}: unexpected CBOR item ({reader.PeekState()}).");
        }
    }
}

/// <summary>A CBOR map with text or integer keys, in the order written.</summary>
internal sealed class CborMap
{
    private readonly Dictionary<string, object?> byKey = new(StringComparer.Ordinal);

    public int Count => byKey.Count;

    public bool TryAdd(object? key, object? value) => byKey.TryAdd(KeyText(key), value);

    /// <summary>The value under a text key, or null when absent.</summary>
    public object? this[string key] => byKey.GetValueOrDefault("t:" + key);

    /// <summary>The value under an integer key (COSE header labels are integers), or null when absent.</summary>
    public object? this[long key] => byKey.GetValueOrDefault("i:" + key.ToString(CultureInfo.InvariantCulture));

    public string? Text(string key) => this[key] as string;

    public byte[]? Bytes(string key) => this[key] as byte[];

    /// <summary>
    /// Keys of different CBOR types stay distinct ("1" is not 1); byte-string keys are compared by content. Used both
    /// for lookup and for the duplicate-key rule.
    /// </summary>
    internal static string KeyText(object? key) => key switch
    {
        string s => "t:" + s,
        long n => "i:" + n.ToString(CultureInfo.InvariantCulture),
        byte[] b => "b:" + Convert.ToHexString(b),
        bool v => "s:" + v,
        null => "s:null",
        _ => "o:" + Convert.ToString(key, CultureInfo.InvariantCulture),
    };
}

/// <summary>A CBOR tagged item (COSE_Sign1 is tag 18).</summary>
internal sealed record CborTagged(ulong Tag, object? Value);
