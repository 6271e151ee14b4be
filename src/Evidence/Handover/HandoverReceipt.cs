using System.Globalization;
using System.Text;
using Evidence.Custody;
using Evidence.Storage;

namespace Evidence.Handover;

/// <summary>
/// The office's receipt for a handover bundle: a C2SP signed note, signed by the office's ledger key, whose body lists the
/// bundle's SHA-256 and every item received (its field id, SHA-256 and the office's id for it). The field laptop checks it
/// against the office key it pinned and the bundle it exported (<see cref="ConfirmHandover"/>).
/// <code>
/// evidence handover receipt v1
/// handover 0199…
/// bundle 5d41…
/// field-key field.example/ledger+1a2b3c4d+AUx…
/// handed-over-by Olena K.
/// received-by Petro S.
/// received-at 2026-11-23T16:12:04.123Z
/// item 0199… 99c6… 0199…
///
/// — office.example/ledger base64(key id || signature)
/// </code>
/// Names come last on their line and hold no line break (<see cref="HandoverBundle.NameProblem"/>), so any text reads back as written.
/// </summary>
internal sealed record HandoverReceipt(
    Guid Handover,
    string Bundle,
    string FieldKey,
    string HandedOverBy,
    string ReceivedBy,
    string ReceivedAt,
    IReadOnlyList<ReceiptItem> Items)
{
    /// <summary>
    /// When the office's ledger key was ever rotated: the office's latest checkpoint when it signed the receipt, and the
    /// rotations that lead to its key from each earlier one (<see cref="KeyRotationProof"/>, with consistency proofs to that
    /// checkpoint), so that a field laptop that pinned an earlier office key can follow them. Lines after the items:
    /// <c>office-checkpoint &lt;base64 of the checkpoint&gt;</c>, then one <c>office-key-rotation &lt;JSON&gt;</c> a rotation, oldest first.
    /// </summary>
    public string? OfficeCheckpoint { get; init; }

    public IReadOnlyList<KeyRotationProof> OfficeKeyRotations { get; init; } = [];

    public const string FirstLine = "evidence handover receipt v1";

    /// <summary>Receipts are a few KiB; a million items would be under 200 MiB, and a receipt's items come from one bundle.</summary>
    public const int MaxBytes = 64 << 20;

    public string Body
    {
        get
        {
            var body = new StringBuilder();
            body.Append(FirstLine).Append('\n')
                .Append("handover ").Append(Handover.ToString("D")).Append('\n')
                .Append("bundle ").Append(Bundle).Append('\n')
                .Append("field-key ").Append(FieldKey).Append('\n')
                .Append("handed-over-by ").Append(HandedOverBy).Append('\n')
                .Append("received-by ").Append(ReceivedBy).Append('\n')
                .Append("received-at ").Append(ReceivedAt).Append('\n');
            foreach (var item in Items)
            {
                body.Append(CultureInfo.InvariantCulture, $"item {item.FieldEvidence:D} {item.Sha256} {item.OfficeEvidence:D}\n");
            }
            if (OfficeCheckpoint is not null && OfficeKeyRotations.Count > 0)
            {
                body.Append("office-checkpoint ").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(OfficeCheckpoint))).Append('\n');
                foreach (var line in KeyRotationProof.Lines(OfficeKeyRotations).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    body.Append("office-key-rotation ").Append(line).Append('\n');
                }
            }
            return body.ToString();
        }
    }

    /// <summary>The receipt a signed body states, or null when the body is not one (every line as <see cref="Body"/> writes it).</summary>
    public static HandoverReceipt? Parse(string body)
    {
        if (!body.EndsWith('\n'))
        {
            return null;
        }
        var lines = body[..^1].Split('\n');
        if (lines.Length < 8 || lines[0] != FirstLine)
        {
            return null;
        }
        var handover = Field(lines[1], "handover");
        var bundle = Field(lines[2], "bundle");
        var fieldKey = Field(lines[3], "field-key");
        var handedOverBy = Field(lines[4], "handed-over-by");
        var receivedBy = Field(lines[5], "received-by");
        var receivedAt = Field(lines[6], "received-at");
        if (!Guid.TryParseExact(handover, "D", out var handoverId) || bundle is null || !BlobKey.IsSha256Hex(bundle) || fieldKey is null
            || HandoverBundle.NameProblem("handed-over-by", handedOverBy) is not null || HandoverBundle.NameProblem("received-by", receivedBy) is not null
            || !DateTime.TryParseExact(receivedAt, CustodyLeaf.TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return null;
        }
        var items = new List<ReceiptItem>();
        var rest = lines[7..];
        var itemLines = rest.TakeWhile(line => line.StartsWith("item ", StringComparison.Ordinal)).Count();
        foreach (var line in rest[..itemLines])
        {
            if (Field(line, "item")?.Split(' ') is not [var field, var sha256, var office]
                || !Guid.TryParseExact(field, "D", out var fieldId) || !BlobKey.IsSha256Hex(sha256) || !Guid.TryParseExact(office, "D", out var officeId))
            {
                return null;
            }
            items.Add(new ReceiptItem(fieldId, sha256, officeId));
        }
        var receipt = new HandoverReceipt(handoverId, bundle, fieldKey, handedOverBy!, receivedBy!, receivedAt!, items);
        var rotations = rest[itemLines..];
        if (rotations.Length == 0)
        {
            return receipt;
        }
        // The office's rotations: its checkpoint, then at least one rotation, each line as Body writes it.
        if (rotations.Length < 2 || Field(rotations[0], "office-checkpoint") is not { } checkpoint
            || rotations[1..].Select(line => Field(line, "office-key-rotation")).ToList() is not { } proofs || proofs.Any(p => p is null))
        {
            return null;
        }
        try
        {
            return receipt with
            {
                OfficeCheckpoint = new UTF8Encoding(false, true).GetString(Convert.FromBase64String(checkpoint)),
                OfficeKeyRotations = KeyRotationProof.Parse(string.Concat(proofs.Select(p => p + "\n"))),
            };
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            return null;
        }
    }

    private static string? Field(string line, string name) =>
        line.StartsWith(name + " ", StringComparison.Ordinal) && line.Length > name.Length + 1 ? line[(name.Length + 1)..] : null;
}

/// <summary>One item a receipt lists: its id in the field home, its SHA-256, and its id in the office's home.</summary>
internal sealed record ReceiptItem(Guid FieldEvidence, string Sha256, Guid OfficeEvidence);
