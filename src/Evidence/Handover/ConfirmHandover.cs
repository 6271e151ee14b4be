using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Evidence.Access;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Handover;

/// <summary>
/// Back on the field laptop: checks the office's receipt (<see cref="HandoverReceipt"/>) against the office ledger key pinned
/// with <see cref="OfficeKey"/>, and that it is for a bundle this home exported: its own field key, the same bundle SHA-256,
/// exactly the items (ids and hashes) that bundle carried, handed over by whom the export names and received by whom it was
/// addressed to. Then it records <c>HandedOver</c> for each item, naming the receipt by its SHA-256. A receipt already
/// confirmed is refused. After it, the items are not offered to the next export.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record ConfirmHandover(string ReceiptPath, string OfficeKey) : IRequest<HandoverConfirmed>, IValidatedRequest
{
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(ReceiptPath))
        {
            yield return "the receipt file is required.";
        }
        else if (!File.Exists(ReceiptPath))
        {
            yield return $"{ReceiptPath} does not exist.";
        }
        if (string.IsNullOrWhiteSpace(OfficeKey))
        {
            yield return "the office ledger's verifier key (--key) is required: a receipt is checked against the key you were given.";
        }
    }
}

/// <summary>What `handover confirm` prints: the handover and bundle confirmed, who received it, and how many items are now handed over.</summary>
public sealed record HandoverConfirmed(Guid Handover, string Bundle, string ReceivedBy, int Items);

internal sealed class ConfirmHandoverHandler(EvidenceDbContext db, UnitOfWork unitOfWork, Ledger ledger)
    : IRequestHandler<ConfirmHandover, HandoverConfirmed>
{
    public async Task<HandoverConfirmed> Handle(ConfirmHandover request, CancellationToken cancellationToken)
    {
        // The key the ledger signs with now (after a rotation, the new one), never one held since start-up.
        var signer = await ledger.SigningKeyAsync(cancellationToken);
        NoteVerifier pinned;
        try
        {
            pinned = NoteVerifier.Parse(request.OfficeKey);
        }
        catch (FormatException e)
        {
            throw new InvalidRequestException($"The office key (--key) is not a signed-note verifier key, so nothing was recorded: {e.Message}");
        }
        var (text, receiptSha256) = Read(request.ReceiptPath);
        var officeKey = OfficeKey(pinned, text);
        if (!officeKey.Verify(text, out var body))
        {
            throw new InvalidRequestException($"The receipt is not signed by the pinned office key {pinned.VerifierKey}; nothing was recorded.");
        }
        var receipt = HandoverReceipt.Parse(body)
            ?? throw new InvalidRequestException("The signed note is not a handover receipt; nothing was recorded.");
        // The bundle was signed by the key in force when it was exported; the field ledger may have rotated its key since (the
        // export itself is then checked below against the proven HandoverExported events, by the bundle's hash).
        if (receipt.FieldKey != signer.Verifier.VerifierKey && !(await ledger.KeysAsync(cancellationToken)).Any(k => k.VerifierKey == receipt.FieldKey))
        {
            throw new InvalidRequestException($"The receipt is for a bundle from another field home (key {receipt.FieldKey}), not this one; nothing was recorded.");
        }

        // What this home exported with that bundle, read from leaves proven against its latest checkpoint, never from the columns beside them.
        var checkpoint = await ledger.LatestCheckpointAsync(cancellationToken)
            ?? throw new InvalidRequestException($"This home exported no bundle with SHA-256 {receipt.Bundle}: the receipt is for another bundle; nothing was recorded.");
        var exported = await ledger.ProvenNamingAsync(["HandoverExported"], (key, value) => key == "bundle" && value == receipt.Bundle, checkpoint, cancellationToken);
        if (exported.Count == 0)
        {
            throw new InvalidRequestException($"This home exported no bundle with SHA-256 {receipt.Bundle}: the receipt is for another bundle; nothing was recorded.");
        }
        var details = JsonSerializer.Deserialize<Dictionary<string, string>>(exported[0].Details) ?? [];
        var sent = exported.Select(e => (e.EvidenceId, e.Sha256)).ToHashSet();
        var listed = receipt.Items.Select(i => ((Guid?)i.FieldEvidence, (string?)i.Sha256)).ToHashSet();
        if (details.GetValueOrDefault("handover") != receipt.Handover.ToString() || !sent.SetEquals(listed) || listed.Count != receipt.Items.Count)
        {
            throw new InvalidRequestException($"The receipt does not list exactly the items bundle {receipt.Bundle} carried ({sent.Count} items exported, " +
                                              $"{receipt.Items.Count} listed); nothing was recorded.");
        }
        if (!HandoverBundle.SamePerson(receipt.HandedOverBy, exported[0].Actor) || !HandoverBundle.SamePerson(receipt.ReceivedBy, details.GetValueOrDefault("to") ?? ""))
        {
            throw new InvalidRequestException($"The receipt says {receipt.HandedOverBy} handed the bundle to {receipt.ReceivedBy}; this home recorded " +
                                              $"{exported[0].Actor} exporting it to {details.GetValueOrDefault("to")}; nothing was recorded.");
        }
        await RefuseConfirmedAsync(receipt.Bundle, 0, cancellationToken);
        var seenUpTo = await ledger.SizeAsync(cancellationToken);
        unitOfWork.BeforeWrite(ct => RefuseConfirmedAsync(receipt.Bundle, seenUpTo, ct));

        foreach (var item in receipt.Items)
        {
            unitOfWork.Record("HandedOver", item.FieldEvidence, item.Sha256,
            [
                new("handover", receipt.Handover.ToString()),
                new("bundle", receipt.Bundle),
                new("receivedBy", receipt.ReceivedBy),
                new("receivedAt", receipt.ReceivedAt),
                new("officeKey", officeKey.VerifierKey),
                new("officeEvidence", item.OfficeEvidence.ToString()),
                new("receiptSha256", receiptSha256),
            ]);
        }
        return new HandoverConfirmed(receipt.Handover, receipt.Bundle, receipt.ReceivedBy, receipt.Items.Count);
    }

    /// <summary>
    /// The office key that must have signed the receipt: the pinned one, or, when the receipt carries the office's key
    /// rotations (its ledger key was rotated after the field pinned it), the key they lead to from the pinned one, followed
    /// exactly as verify-package follows a package's (<see cref="KeyRotationProof.Follow"/>) to the office checkpoint the receipt
    /// carries, which that key must have signed. Rotations that do not lead there refuse the receipt.
    /// </summary>
    private static NoteVerifier OfficeKey(NoteVerifier pinned, string text)
    {
        if (pinned.Verify(text, out _))
        {
            return pinned;
        }
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        // Not yet trusted: read only for the rotations, each of which proves itself from the pinned key.
        if (split < 0 || HandoverReceipt.Parse(text[..(split + 1)]) is not { OfficeCheckpoint: { } checkpointText, OfficeKeyRotations.Count: > 0 } unverified)
        {
            return pinned;
        }
        Checkpoint target;
        try
        {
            var body = checkpointText.IndexOf("\n\n", StringComparison.Ordinal);
            target = Checkpoint.Parse(body < 0 ? checkpointText : checkpointText[..(body + 1)]);
        }
        catch (FormatException e)
        {
            throw new InvalidRequestException($"The receipt's office checkpoint is not a checkpoint ({e.Message}); nothing was recorded.");
        }
        var followed = KeyRotationProof.Follow(pinned, unverified.OfficeKeyRotations, target, (proof, rotated) => proof.Extends(rotated, target));
        if (followed.Problem is { } problem)
        {
            throw new InvalidRequestException($"The receipt's office key rotations do not lead from the pinned office key {pinned.VerifierKey} to the key that signed it " +
                                              $"({problem}); nothing was recorded.");
        }
        if (!followed.Current.Verify(checkpointText, out _) || KeyRotationProof.RetiredSigners(followed.Chain, unverified.OfficeKeyRotations, checkpointText).Any())
        {
            throw new InvalidRequestException($"The receipt's office checkpoint is not signed by {followed.Current.VerifierKey} alone, the key the office key rotations " +
                                              "lead to; nothing was recorded.");
        }
        return followed.Current;
    }

    /// <summary>A receipt is confirmed once: a second confirmation would record every item handed over twice.</summary>
    private async Task RefuseConfirmedAsync(string bundle, long from, CancellationToken cancellationToken)
    {
        var confirmed = await db.CustodyEvents.AsNoTracking().Where(e => e.Action == "HandedOver" && e.Sequence >= from && e.Details.Contains(bundle))
            .OrderBy(e => e.Sequence).Select(e => new { e.Sequence, e.OccurredAtUtc }).FirstOrDefaultAsync(cancellationToken);
        if (confirmed is not null)
        {
            throw new InvalidRequestException($"The receipt for bundle {bundle} was confirmed here already (custody event #{confirmed.Sequence}, " +
                                              $"{HandoverBundle.Time(confirmed.OccurredAtUtc)}); nothing was recorded.");
        }
    }

    /// <summary>The receipt's text (UTF-8, read up to <see cref="HandoverReceipt.MaxBytes"/>) and the SHA-256 of its bytes.</summary>
    private static (string Text, string Sha256) Read(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var bytes = new MemoryStream();
            var chunk = new byte[64 << 10];
            int read;
            while ((read = file.Read(chunk)) > 0)
            {
                if (bytes.Length + read > HandoverReceipt.MaxBytes)
                {
                    throw new InvalidRequestException($"The receipt {Text.Display.Path(path)} is longer than a receipt can be ({HandoverReceipt.MaxBytes:N0} bytes); nothing was recorded.");
                }
                bytes.Write(chunk, 0, read);
            }
            return (new UTF8Encoding(false, true).GetString(bytes.GetBuffer(), 0, (int)bytes.Length), Convert.ToHexStringLower(SHA256.HashData(bytes.GetBuffer().AsSpan(0, (int)bytes.Length))));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new InvalidRequestException($"The receipt {Text.Display.Path(path)} cannot be read as text, so nothing was recorded: {e.Message}");
        }
    }
}
