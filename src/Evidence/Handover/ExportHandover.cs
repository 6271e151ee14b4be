using System.Text.Json;
using Evidence.Access;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Storage;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Handover;

/// <summary>
/// On a field laptop: writes a handover bundle (<see cref="HandoverBundle"/>) of the items this home has not yet handed
/// over (or of <see cref="EvidenceIds"/>), addressed to the person <see cref="To"/> who will receive them at the office.
/// Each item gets a <c>HandoverExported</c> custody event naming the bundle's SHA-256 and the recipient; the zip appears
/// only if that record commits. The items count as handed over only once the office's receipt is confirmed
/// (<see cref="ConfirmHandover"/>): until then they are offered again by the next export.
/// <para>
/// The bundle travels encrypted to the office (<see cref="EncryptTo"/>, the office's handover certificate,
/// <see cref="HandoverKey"/>): a CMS EnvelopedData around the zip, written at <see cref="Path"/> with <c>.p7m</c> added, and no
/// readable zip is ever on disk (the zip is scratch, scrambled under a key of this process, as an encrypted package's is).
/// Only <see cref="InClear"/> writes a readable zip, and the export's events then say so.
/// </para>
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record ExportHandover(string To, string OutputPath, IReadOnlyList<Guid>? EvidenceIds = null, string? EncryptTo = null, bool InClear = false,
    string? Fingerprint = null)
    : IRequest<HandoverBundleRecord>, IValidatedRequest
{
    /// <summary>Where the bundle is written: <see cref="OutputPath"/>, with <c>.p7m</c> added when it is encrypted.</summary>
    public string Path => EncryptTo is null ? OutputPath : Referrals.BuildReferralPackage.EncryptedPath(OutputPath);

    /// <summary>
    /// <see cref="Fingerprint"/> as <see cref="RecipientCertificate.Fingerprint"/> writes it (lower-case hex), however it was read
    /// out and typed (upper case, spaces or colons between the digits); null when it is not 64 hexadecimal digits.
    /// </summary>
    public string? PinnedFingerprint =>
        Fingerprint is null ? null
        : new string(Fingerprint.Where(c => c is not (' ' or ':')).ToArray()).ToLowerInvariant() is { Length: 64 } hex && hex.All(char.IsAsciiHexDigitLower) ? hex
        : null;

    public IEnumerable<string> Validate()
    {
        if (HandoverBundle.NameProblem("the recipient (--to)", To) is { } problem)
        {
            yield return problem;
        }
        if (EncryptTo is null && !InClear)
        {
            // Field evidence crosses the country on a USB stick: readable, it is readable by whoever holds the stick.
            yield return "A handover bundle travels encrypted to the office: give the office's handover certificate (--encrypt-to CERT.pem, made by `evidence handover certificate` there), or --in-clear to write a readable bundle, which the custody events then record.";
        }
        else if (EncryptTo is not null && InClear)
        {
            yield return "--encrypt-to and --in-clear exclude each other: a bundle is encrypted to the office or written in clear.";
        }
        else if (EncryptTo is not null && string.IsNullOrWhiteSpace(EncryptTo))
        {
            yield return "the office's handover certificate file is required with --encrypt-to.";
        }
        if (EncryptTo is not null && !InClear && Fingerprint is null)
        {
            // A certificate swapped on its way to the field would have the children's evidence encrypted to whoever swapped it;
            // a receipt refused later cannot undo that, so the office's read-out fingerprint is compared before anything is written.
            yield return "--fingerprint is required with --encrypt-to: the SHA-256 fingerprint of the office's handover certificate, read out by the office by another way (`evidence handover certificate` prints it).";
        }
        else if (Fingerprint is not null && (EncryptTo is null || PinnedFingerprint is null))
        {
            yield return "--fingerprint is the SHA-256 fingerprint the office read out for its handover certificate (64 hexadecimal digits), given with --encrypt-to.";
        }
        if (string.IsNullOrWhiteSpace(OutputPath))
        {
            yield return "the output file is required.";
        }
        else if (File.Exists(OutputPath) || Directory.Exists(OutputPath) || File.Exists(Path) || Directory.Exists(Path))
        {
            // A bundle is never overwritten: the old one may already be on its way.
            yield return $"{Path} already exists; choose a new file name.";
        }
        else if (!Directory.Exists(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(OutputPath))))
        {
            yield return $"the folder for {OutputPath} does not exist.";
        }
    }
}

/// <summary>
/// What `handover export` prints: the handover's id, the bundle's path, the SHA-256 and size of the file that travels (the
/// .p7m when it is encrypted: what the office's receipt names), the number of items, to whom, and how it was encrypted
/// (null when it was written in clear).
/// </summary>
public sealed record HandoverBundleRecord(Guid Handover, string Path, string Sha256, int Items, long Bytes, string To, HandoverEncryption? Encrypted);

/// <summary>
/// How a bundle travels encrypted: the office certificate's SHA-256 fingerprint, the algorithms, and the SHA-256 and size of
/// the zip inside (what the office's checks read once it has opened the envelope).
/// </summary>
public sealed record HandoverEncryption(string Certificate, string Algorithms, string ZipSha256, long ZipBytes)
{
    /// <summary>What the custody events of a handover say of how its bundle travelled; in clear, that it did.</summary>
    internal static IEnumerable<KeyValuePair<string, string?>> Details(HandoverEncryption? encrypted) => encrypted is null
        ? [new("encryption", "none: in clear (--in-clear)")]
        : [new("encryption", encrypted.Algorithms), new("encryptedTo", encrypted.Certificate), new("zipSha256", encrypted.ZipSha256)];
}

internal sealed class ExportHandoverHandler(
    EvidenceDbContext db,
    IBlobStore blobs,
    UnitOfWork unitOfWork,
    Ledger ledger,
    CurrentActor actor,
    TimeProvider clock) : IRequestHandler<ExportHandover, HandoverBundleRecord>
{
    public async Task<HandoverBundleRecord> Handle(ExportHandover request, CancellationToken cancellationToken)
    {
        // The key the ledger signs with now (after a rotation, the new one), never one held since start-up.
        var signer = await ledger.SigningKeyAsync(cancellationToken);
        var exporter = actor.Value.Name;
        var to = request.To.Trim();
        if (HandoverBundle.SamePerson(exporter, to))
        {
            throw new InvalidRequestException($"A handover takes two people: {exporter} cannot hand evidence over to themselves. " +
                                              "Name the person who will receive it at the office (--to).");
        }
        if (HandoverBundle.NameProblem("the exporting investigator's name", exporter) is { } problem)
        {
            throw new InvalidRequestException(problem);
        }
        var now = clock.GetUtcNow();
        var handover = Guid.CreateVersion7(now);
        // Checked before anything is read or recorded: a certificate that cannot be used refuses the export.
        var encryptTo = request.EncryptTo is { } certificatePath ? RecipientCertificate.Read(certificatePath, now) : null;
        if (encryptTo is { IsRsa: false })
        {
            throw new InvalidRequestException($"The certificate {request.EncryptTo} has an {encryptTo.Key} key; an office's handover certificate has an RSA key " +
                                              "(`evidence handover certificate` on the office's home makes it). Nothing was exported.");
        }
        // The certificate travels to the field on a stick or by mail, where it can be swapped for one whose key someone else
        // holds; the fingerprint the office read out by another way is compared here, before anything is encrypted to it.
        if (encryptTo is not null && request.PinnedFingerprint is { } pinned && encryptTo.Fingerprint != pinned)
        {
            throw new InvalidRequestException($"The certificate {request.EncryptTo} has the SHA-256 fingerprint {encryptTo.Fingerprint}, not {pinned}, the one the " +
                                              "office read out: it is not the office's handover certificate, and may have been swapped on its way. Nothing was exported; " +
                                              "get the certificate from the office again and compare its fingerprint by another way.");
        }

        // The checkpoint first: every event the bundle proves must be inside it.
        var checkpoint = await ledger.LatestCheckpointAsync(cancellationToken)
            ?? throw new InvalidRequestException("This home has recorded nothing: there is no evidence to hand over.");
        if (!signer.Verifier.Verify(checkpoint.Text, out _))
        {
            throw new UnavailableException("The ledger key was rotated while this bundle was being built; nothing was exported. Export it again.");
        }
        var items = await SelectAsync(request, cancellationToken);
        // After a rotation of the field key, the office still holds the key it pinned before: the rotations lead it from that
        // key to the one that signs this bundle, exactly as a referral package's lead a prosecutor (key-rotations.jsonl).
        var rotations = await ledger.RotationProofsAsync(checkpoint, withConsistency: true, cancellationToken);
        var ids = items.Select(i => i.Id).ToList();
        var events = ledger.Proven(await db.CustodyEvents.AsNoTracking()
            .Where(e => e.EvidenceId != null && ids.Contains(e.EvidenceId.Value) && e.Sequence < checkpoint.Size)
            .OrderBy(e => e.Sequence).ToListAsync(cancellationToken), checkpoint);
        var ingested = events.Where(e => e.Action == "Ingested").Select(e => e.EvidenceId!.Value).ToHashSet();
        if (ids.Where(id => !ingested.Contains(id)).ToList() is { Count: > 0 } late)
        {
            throw new UnavailableException($"Evidence item {late[0]} was recorded after the checkpoint this bundle was to prove against; nothing was exported. Try again.");
        }
        var statements = await Metadata.Statements.Current(db).AsNoTracking().Where(m => ids.Contains(m.EvidenceId)).ToDictionaryAsync(m => m.EvidenceId, cancellationToken);
        // The bundle states these rows as the field's signed word: a row changed in the database behind the ledger's back is
        // refused here, before anything is signed, and `verify` names it.
        var findings = Projections.Items.Check(items, events).Concat(Projections.Metadata.Check(statements.Values, events)).ToList();
        if (findings.Count > 0)
        {
            throw new UnavailableException($"The records this bundle would carry do not match the custody ledger ({findings[0].Subject}" +
                                           (findings.Count > 1 ? $" and {findings.Count - 1} more" : "") +
                                           "); nothing was exported. Run `evidence verify` and report it.");
        }

        // The root as the checkpoint's signed text gives it (Proven checked that it does), not the column beside it.
        var manifest = new HandoverManifest(HandoverBundle.Format, handover, exporter, to, HandoverBundle.Time(now.UtcDateTime), signer.Verifier.VerifierKey,
            checkpoint.Size, Convert.ToHexStringLower(ledger.SignedRoot(checkpoint)!),
            items.Select(i => new HandoverItem(i.Id, i.Sha256, i.Size, HandoverBundle.ItemFile(i.Id), i.OriginalName, i.Collector, i.Source, i.CapturedAt,
                statements.GetValueOrDefault(i.Id),
                events.Where(e => e.EvidenceId == i.Id).Select(e => new HandoverLeaf(e.Sequence, e.LeafHash)).ToList())).ToList());
        var manifestText = JsonSerializer.Serialize(manifest, HandoverBundle.Json) + "\n";

        var final = Path.GetFullPath(request.Path);
        var partial = $"{final}.partial-{handover:N}";
        // Owner-only from its first byte, held open until the commit renames it; from here a failure removes it.
        var file = OwnerOnly.CreateNew(partial, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        unitOfWork.PublishOnCommit(file, final);
        string sha256;
        long bytes;
        HandoverEncryption? encrypted = null;
        try
        {
            // Encrypted, the zip is scratch beside the file: scrambled under a key of this process only (PackageFile), removed
            // when it is closed, and left by a crash as bytes nobody can read.
            using var scratch = encryptTo is null ? null
                : OwnerOnly.CreateNew($"{partial}.scratch", FileAccess.ReadWrite, FileShare.None, bufferSize: 0, FileOptions.DeleteOnClose);
            using var envelopeFile = encryptTo is null ? null : new EnvelopeFile(file);
            using var envelope = encryptTo is null ? null : CmsEnvelope.Open(envelopeFile!, encryptTo);
            using var output = new PackageFile((scratch ?? file).SafeFileHandle, envelope);
            using (var bundle = new BundleWriter(output, HandoverBundle.Root(handover), now))
            {
                foreach (var item in items)
                {
                    await using var content = await blobs.OpenReadAsync(item.Sha256, cancellationToken);
                    var (written, size) = await bundle.AddItemAsync(HandoverBundle.ItemFile(item.Id), content, cancellationToken);
                    if (written != item.Sha256 || size != item.Size)
                    {
                        throw new UnavailableException($"The stored bytes of evidence item {item.Id} no longer match the SHA-256 recorded when it was collected; " +
                                                       "nothing was exported. Run `evidence verify` and report it.");
                    }
                }
                bundle.AddText(HandoverBundle.Events, EventProofs.Leaves(events));
                bundle.AddText(HandoverBundle.Proofs, EventProofs.Lines(ledger, events, checkpoint.Size));
                bundle.AddText(HandoverBundle.Checkpoint, checkpoint.Text);
                bundle.AddText(HandoverBundle.FieldKey, signer.Verifier.VerifierKey + "\n");
                if (rotations.Count > 0)
                {
                    bundle.AddText(HandoverBundle.KeyRotations, KeyRotationProof.Lines(rotations));
                }
                bundle.AddText(HandoverBundle.Manifest, manifestText);
                bundle.AddText(HandoverBundle.ManifestSignature, signer.SignatureLine(manifestText));
            }
            // On disk before it is recorded: a power cut must not leave a recorded bundle with missing bytes.
            sha256 = Convert.ToHexStringLower(await output.HashAsync());
            bytes = output.Length;
            if (envelope is not null)
            {
                envelope.Finish();
                encrypted = new HandoverEncryption(encryptTo!.Fingerprint, CmsEnvelope.Algorithms(encryptTo), sha256, bytes);
                // What travels is the envelope: the office's receipt names it, and confirm looks the bundle up by it.
                (sha256, bytes) = (envelopeFile!.Sha256(), envelopeFile.Length);
            }
            file.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            throw new UnavailableException($"Could not write the bundle {final} ({e.Message}); nothing was recorded.", e);
        }

        foreach (var item in items)
        {
            unitOfWork.Record("HandoverExported", item.Id, item.Sha256,
            [
                new("handover", handover.ToString()),
                new("bundle", sha256),
                new("to", to),
                new("checkpoint", Fact.Number(checkpoint.Size)),
                new("at", Fact.Time(now.UtcDateTime)),
                .. HandoverEncryption.Details(encrypted),
            ]);
        }
        return new HandoverBundleRecord(handover, final, sha256, items.Count, bytes, to, encrypted);
    }

    /// <summary>
    /// The items the actor sees that no confirmed receipt has handed over yet (<c>HandedOver</c>), or the named ones, which
    /// must be among them; in the order they were collected, so that an original comes before what was made from it.
    /// </summary>
    private async Task<List<EvidenceItem>> SelectAsync(ExportHandover request, CancellationToken cancellationToken)
    {
        var handedOver = db.CustodyEvents.Where(e => e.Action == "HandedOver" && e.EvidenceId != null).Select(e => e.EvidenceId!.Value);
        var waiting = Access.Visibility.Evidence(db, actor.Value).AsNoTracking().Where(e => !handedOver.Contains(e.Id));
        if (request.EvidenceIds is { Count: > 0 } named)
        {
            var found = await waiting.Where(e => named.Contains(e.Id)).ToListAsync(cancellationToken);
            if (named.Where(id => found.All(e => e.Id != id)).Distinct().ToList() is { Count: > 0 } missing)
            {
                throw new NotFoundException($"No evidence item waiting to be handed over is {string.Join(", ", missing)}: it does not exist here, " +
                                            "you may not see it, or a confirmed receipt has handed it over already.");
            }
            return Ordered(found);
        }
        var items = await waiting.ToListAsync(cancellationToken);
        if (items.Count == 0)
        {
            throw new InvalidRequestException("Every evidence item you see here has been handed over already: there is nothing to export.");
        }
        return Ordered(items);

        static List<EvidenceItem> Ordered(List<EvidenceItem> items) => items.OrderBy(i => i.IngestedAtUtc).ThenBy(i => i.Id).ToList();
    }
}
