using System.Globalization;
using System.Text;
using System.Text.Json;
using Evidence.Domain;

namespace Evidence.Custody;

/// <summary>
/// The leaf bytes of a custody event: its canonical JSON. The form is RFC 8785 (JSON Canonicalization
/// Scheme) for the few types a leaf holds: an object whose keys are sorted, strings with only the escapes
/// JSON requires, one integer, nulls, no whitespace, UTF-8, no trailing newline. Any JCS library rebuilds
/// the same bytes from the same fields, so an outside expert can check a leaf without our code.
/// <code>{"action":"Ingested","actor":"olena","details":{"size":"42"},"evidence":"0193…","index":0,"role":"Investigator","sha256":"ab…","time":"2026-11-23T16:12:04.123Z"}</code>
/// </summary>
public static class CustodyLeaf
{
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>The leaf of a stored event, rebuilt from its fields (verify compares it with the stored leaf).</summary>
    public static string Json(CustodyEvent e) =>
        Json(e.Sequence, e.OccurredAtUtc, e.Actor, e.Role, e.Action, e.EvidenceId, e.Sha256,
            JsonSerializer.Deserialize<Dictionary<string, string>>(e.Details) ?? []);

    public static string Json(long index, DateTime timeUtc, string actor, string role, string action, Guid? evidenceId, string? sha256, IReadOnlyDictionary<string, string> details)
    {
        var json = new StringBuilder(512);
        json.Append("{\"action\":");
        AppendQuoted(json, action);
        json.Append(",\"actor\":");
        AppendQuoted(json, actor);
        json.Append(",\"details\":{");
        var first = true;
        foreach (var (key, value) in details.OrderBy(d => d.Key, Utf16Order.Instance))
        {
            json.Append(first ? "" : ",");
            AppendQuoted(json, key);
            json.Append(':');
            AppendQuoted(json, value);
            first = false;
        }
        json.Append('}');
        json.Append(",\"evidence\":");
        if (evidenceId is { } id)
        {
            AppendQuoted(json, id.ToString("D"));
        }
        else
        {
            json.Append("null");
        }
        json.Append(",\"index\":").Append(index.ToString(CultureInfo.InvariantCulture));
        json.Append(",\"role\":");
        AppendQuoted(json, role);
        json.Append(",\"sha256\":");
        if (sha256 is { } sha)
        {
            AppendQuoted(json, sha);
        }
        else
        {
            json.Append("null");
        }
        json.Append(",\"time\":");
        AppendQuoted(json, timeUtc.ToString(TimeFormat, CultureInfo.InvariantCulture));
        json.Append('}');
        return json.ToString();
    }

    /// <summary>
    /// The event a leaf describes, read from the leaf alone (its details re-serialised for <see cref="CustodyEvent.Details"/>),
    /// or null when the text is not a leaf.
    /// </summary>
    public static CustodyEvent? Parse(string leafJson)
    {
        try
        {
            using var document = JsonDocument.Parse(leafJson);
            var leaf = document.RootElement;
            var details = leaf.GetProperty("details").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
            return new CustodyEvent
            {
                Sequence = leaf.GetProperty("index").GetInt64(),
                OccurredAtUtc = DateTime.ParseExact(leaf.GetProperty("time").GetString()!, TimeFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                Actor = leaf.GetProperty("actor").GetString()!,
                Role = leaf.GetProperty("role").GetString()!,
                Action = leaf.GetProperty("action").GetString()!,
                EvidenceId = leaf.GetProperty("evidence").GetString() is { } id ? Guid.Parse(id) : null,
                Sha256 = leaf.GetProperty("sha256").GetString(),
                Details = JsonSerializer.Serialize(details),
                Leaf = leafJson,
                LeafHash = Convert.ToHexStringLower(MerkleTree.LeafHash(Bytes(leafJson))),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentNullException)
        {
            return null;
        }
    }

    public static byte[] Bytes(string leafJson) => Encoding.UTF8.GetBytes(leafJson);

    /// <summary>
    /// Refuses a leaf longer than 65,535 UTF-8 bytes: a tlog-tiles entry bundle prefixes each leaf with a 2-byte length, so
    /// a longer one could never be served or mirrored. Nothing else bounds a leaf (free text is hashed, but an actor name,
    /// a list of elements or a future detail is as long as its request makes it), so the append calls this for every event.
    /// </summary>
    public static void RefuseOversized(string leafJson)
    {
        var length = Encoding.UTF8.GetByteCount(leafJson);
        if (length > LedgerTiles.MaxEntryBytes)
        {
            throw new Requests.InvalidRequestException($"This request's custody event would be {length} bytes, more than the {LedgerTiles.MaxEntryBytes} " +
                                                       "the ledger's tile format can carry; nothing was recorded. Shorten what the request names.");
        }
    }

    /// <summary>RFC 8785 §3.2.2.2: short escapes for \b \t \n \f \r, \u00xx for other controls, \" and \\; all else literal.</summary>
    internal static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2);
        AppendQuoted(quoted, value);
        return quoted.ToString();
    }

    // verify rebuilds every leaf of the log: characters are appended as they are, never one string each.
    private static void AppendQuoted(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\t': json.Append("\\t"); break;
                case '\n': json.Append("\\n"); break;
                case '\f': json.Append("\\f"); break;
                case '\r': json.Append("\\r"); break;
                case < ' ': json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: json.Append(c); break;
            }
        }
        json.Append('"');
    }

    /// <summary>JCS sorts keys by their UTF-16 code units, which is .NET's ordinal string order.</summary>
    private sealed class Utf16Order : IComparer<string>
    {
        public static readonly Utf16Order Instance = new();

        public int Compare(string? x, string? y) => string.CompareOrdinal(x, y);
    }
}
