using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Evidence.Domain;

namespace Evidence.Handover;

/// <summary>
/// The field handover bundle (docs/handover.md): one folder <c>handover-&lt;id&gt;/</c> in a zip, holding
/// <list type="bullet">
/// <item><c>items/&lt;field evidence id&gt;</c>: each item's original bytes, stored;</item>
/// <item><c>events.jsonl</c> and <c>proofs.jsonl</c>: every custody event of those items up to the field checkpoint, as
/// leaves, and each one's audit path to it (the same two files a referral package carries, <c>Custody/EventProofs.cs</c>);</item>
/// <item><c>checkpoint.txt</c>: the field ledger's signed checkpoint; <c>field-key.txt</c>: its verifier key;
/// <c>key-rotations.jsonl</c>, when the field key was ever rotated: the chain from each earlier key to it;</item>
/// <item><c>handover.json</c>: the manifest (<see cref="HandoverManifest"/>), and <c>handover.json.sig</c>: a signed-note
/// signature line over it by the field ledger key, so that who handed over what, to whom, and which events belong to which
/// item, are the field installation's signed word and not the courier's.</item>
/// </list>
/// </summary>
internal static partial class HandoverBundle
{
    public const string Format = "evidence-handover/1";
    public const string Manifest = "handover.json";
    public const string ManifestSignature = "handover.json.sig";
    public const string Checkpoint = "checkpoint.txt";
    public const string FieldKey = "field-key.txt";
    public const string Events = "events.jsonl";
    public const string Proofs = "proofs.jsonl";
    /// <summary>The field key's rotations up to the checkpoint, when it was ever rotated (as a package's data/custody/key-rotations.jsonl).</summary>
    public const string KeyRotations = "key-rotations.jsonl";

    /// <summary>Where an item's bytes are: named by its field id, never by its original name (names of files often name the child).</summary>
    public static string ItemFile(Guid fieldEvidence) => "items/" + fieldEvidence.ToString("D");

    public static string Root(Guid handover) => "handover-" + handover.ToString("N");

    /// <summary>
    /// The manifest's JSON: web names, enums by name, and, read back from a bundle that may be hostile, no missing required
    /// field, no null where none belongs and no member the format does not have.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };

    /// <summary>
    /// Whether two names name the same person, as far as names can tell: compared without case, compatibility forms or
    /// extra spaces. It stops one person from typing their own name on both sides; it cannot stop two people lying together.
    /// </summary>
    public static bool SamePerson(string a, string b) => string.Equals(Folded(a), Folded(b), StringComparison.OrdinalIgnoreCase);

    private static string Folded(string name) => Spaces().Replace(name.Normalize(NormalizationForm.FormKC).Trim(), " ");

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    /// <summary>What is wrong with a person's name as a handover records it (the exporter, the recipient); null when nothing.</summary>
    public static string? NameProblem(string what, string? name) => Text.Fields.Required(what, name, 200);

    public static string Time(DateTime utc) => utc.ToString(Custody.CustodyLeaf.TimeFormat, CultureInfo.InvariantCulture);
}

/// <summary>
/// <c>handover.json</c>: who handed the bundle over (<see cref="ExportedBy"/>, the field actor) to whom (<see cref="To"/>),
/// against which field checkpoint, and for each item what the office needs to record it as the field did.
/// </summary>
internal sealed record HandoverManifest(
    string Format,
    Guid Handover,
    string ExportedBy,
    string To,
    string ExportedAt,
    string FieldKey,
    long CheckpointSize,
    string CheckpointRoot,
    IReadOnlyList<HandoverItem> Items);

/// <summary>
/// One item of a bundle: its field id, bytes (SHA-256, size, file in the zip), what its field <c>Ingested</c> event binds by
/// hash (original name, collector, source) or states (capture date), its current court statement as the field recorded it
/// (the row, salt included, so that the office can check it against the field event), and the leaf index and hash of every
/// field event of the item.
/// </summary>
internal sealed record HandoverItem(
    Guid Id,
    string Sha256,
    long Size,
    string File,
    string OriginalName,
    string Collector,
    string? Source,
    string? CapturedAt,
    ItemMetadata? Statement,
    IReadOnlyList<HandoverLeaf> Events);

internal sealed record HandoverLeaf(long Index, string LeafHash);
