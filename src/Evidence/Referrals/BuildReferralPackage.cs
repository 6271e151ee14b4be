using System.Globalization;
using System.Text.Json;
using System.Text;
using Evidence.Access;
using Evidence.Cases;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Storage;
using Evidence.Text;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Referrals;

/// <summary>
/// Assembles a referral package (ARCHITECTURE §5, Referrals/README.md): the evidence tagged to an incident
/// (narrowed to one perpetrator or to named items when asked), with its metadata, custody proofs and
/// signatures, as a zipped BagIt bag at <see cref="OutputPath"/>. Each item gets an <c>Exported</c> custody
/// event and the package's SHA-256 is recorded; the zip appears only if that record commits.
/// With <see cref="RedactedOnly"/>, each item is given as its redaction instead (docs/packages.md, "Redacted copies only"):
/// an item with none refuses the package.
/// <see cref="Language"/> is the cover report's language: "en" (English, when none is given) or "uk" (Ukrainian).
/// <para>
/// Encrypted to its recipient (docs/packages.md, "Encrypted to the recipient"): with <see cref="EncryptTo"/> (a certificate
/// file) or <see cref="EncryptToOffice"/> (the certificate the recipient office registered, when it has one), the package
/// is a CMS EnvelopedData around the zip, written at <see cref="EncryptedPath"/>, and no readable zip is ever on disk.
/// A package that carries identities must be encrypted.
/// </para>
/// <para>
/// Written into the home's package folder, as the web app builds it, the file is sealed at rest under the installation's
/// key-encryption key (<see cref="SealedPackages"/>); anywhere else it is the export the user asked for, as delivered. Either
/// way the package is recorded by what is delivered: the zip's SHA-256, and the .p7m's for an encrypted one.
/// </para>
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor)]
public sealed record BuildReferralPackage(
    Guid IncidentId,
    RecipientKind Recipient,
    string OutputPath,
    Guid? PerpetratorId = null,
    IReadOnlyList<Guid>? EvidenceIds = null,
    bool IncludeIdentities = false,
    string? RecipientName = null,
    string? RecipientAddress = null,
    string? RecipientReference = null,
    bool RedactedOnly = false,
    string? Language = null,
    string? EncryptTo = null,
    bool EncryptToOffice = false) : IRequest<PackageRecord>, IValidatedRequest, IRecordsDenial
{
    /// <summary>
    /// Where an encrypted package is written: the output path with <c>.p7m</c> added (package.zip becomes package.zip.p7m,
    /// which opens to package.zip), or as given when it already ends in <c>.p7m</c>.
    /// </summary>
    public static string EncryptedPath(string outputPath) =>
        outputPath.EndsWith(".p7m", StringComparison.OrdinalIgnoreCase) ? outputPath : outputPath + ".p7m";

    public IEnumerable<string> Validate()
    {
        if (!Enum.IsDefined(Recipient))
        {
            yield return "the recipient must be icc or national.";
        }
        if (string.IsNullOrWhiteSpace(OutputPath))
        {
            yield return "the output file is required.";
        }
        else if (File.Exists(OutputPath) || Directory.Exists(OutputPath))
        {
            // A package is never overwritten: the old one may already be with a prosecutor.
            yield return $"{OutputPath} already exists; choose a new file name.";
        }
        else if ((EncryptTo is not null || EncryptToOffice) && (File.Exists(EncryptedPath(OutputPath)) || Directory.Exists(EncryptedPath(OutputPath))))
        {
            yield return $"{EncryptedPath(OutputPath)} already exists; choose a new file name.";
        }
        else if (!Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(OutputPath))))
        {
            yield return $"the folder for {OutputPath} does not exist.";
        }
        if (CoverTexts.Of(Language) is null)
        {
            // The value itself is not repeated: it may be anything a client sent.
            yield return $"the cover report's language must be {CoverTexts.Choices}.";
        }
        if (IncludeIdentities && EncryptTo is null && !EncryptToOffice)
        {
            // Children's names never travel readable by whoever holds the file on the way.
            yield return "Identities travel only in a package encrypted to its recipient: give the recipient's certificate (--encrypt-to CERT.pem).";
        }
        if (EncryptTo is not null && string.IsNullOrWhiteSpace(EncryptTo))
        {
            yield return "the recipient's certificate file is required with --encrypt-to.";
        }
        foreach (var problem in new[]
                 {
                     Fields.Optional("the recipient's name", RecipientName, 300),
                     Fields.Optional("the recipient's address", RecipientAddress, 500),
                     Fields.Optional("the recipient's reference number", RecipientReference, 100),
                 })
        {
            if (problem is not null)
            {
                yield return problem;
            }
        }
    }

    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() =>
        [new("incident", IncidentId.ToString()), new("recipient", Recipient.ToString().ToLowerInvariant()), new("identities", IncludeIdentities ? "requested" : null)];
}

/// <summary>
/// What the package command prints: the package id, where it is, the zip's SHA-256 (what verify-package checks), how many
/// items and bytes; and for an encrypted package, what it was encrypted to (<see cref="Path"/> is then the .p7m file).
/// </summary>
public sealed record PackageRecord(Guid Id, string Path, string Sha256, int Items, long Bytes, PackageEncryption? Encrypted = null);

/// <summary>
/// How a package was encrypted: the recipient certificate's SHA-256 fingerprint, the algorithms, and the SHA-256 and size of
/// the encrypted file, which is what travels (opened, it gives the zip whose SHA-256 the package is recorded by).
/// </summary>
public sealed record PackageEncryption(string Certificate, string Algorithms, string Sha256, long Bytes);

internal sealed class BuildReferralPackageHandler(
    EvidenceDbContext db,
    IBlobStore blobs,
    UnitOfWork unitOfWork,
    Ledger ledger,
    OrganisationSigner organisation,
    ProtectedFields protectedFields,
    Search.SealedText sealedText,
    EvidenceSettings settings,
    CurrentActor actor,
    IKeyEncryptionKey kek,
    TimeProvider clock) : IRequestHandler<BuildReferralPackage, PackageRecord>
{
    public async Task<PackageRecord> Handle(BuildReferralPackage request, CancellationToken cancellationToken)
    {
        Policy.RequireOwnOffice(actor.Value, request.Recipient);
        var now = clock.GetUtcNow();
        var packageId = Guid.NewGuid();
        var recipient = Recipient(request);

        // The key and the checkpoint first: every event the package proves must be inside it, and the key that signs the
        // package must be the one that signed it (after a rotation, the new one; key-rotations.jsonl leads to it from the old).
        var noteSigner = await ledger.SigningKeyAsync(cancellationToken);
        var checkpoint = await ledger.LatestCheckpointAsync(cancellationToken)
            ?? throw new InvalidRequestException("The ledger is empty: there is no evidence to package.");
        if (!noteSigner.Verifier.Verify(checkpoint.Text, out _))
        {
            throw new UnavailableException("The ledger key was rotated while this package was being built; nothing was exported. Build it again.");
        }
        // Checked before anything is read or recorded: a certificate that cannot be used refuses the package.
        var encryptTo = request.EncryptTo is { } certificatePath ? RecipientCertificate.Read(certificatePath, now)
            : request.EncryptToOffice ? await RecipientCertificates.InForceAsync(ledger, settings, request.Recipient, recipient.Name, checkpoint, now, cancellationToken)
            : null;
        if (request.IncludeIdentities && encryptTo is null)
        {
            throw new InvalidRequestException($"Identities travel only in a package encrypted to its recipient, and {recipient.Name} has no certificate registered. " +
                                              $"An administrator registers it: `evidence recipient certificate {Projections.Office(request.Recipient)} CERT.pem`.");
        }
        var incident = await Access.Visibility.Incidents(db, actor.Value).AsNoTracking().SingleOrDefaultAsync(i => i.Id == request.IncidentId, cancellationToken)
            ?? throw new NotFoundException($"There is no incident {request.IncidentId}.");
        var selected = await SelectAsync(request, incident, cancellationToken);
        var (items, givenInsteadOf) = request.RedactedOnly ? await RedactionsInsteadAsync(selected, cancellationToken) : (selected, new Dictionary<Guid, Guid>());
        var ids = items.Select(i => i.Id).ToList();
        var statements = await db.ItemMetadata.AsNoTracking().Where(m => ids.Contains(m.EvidenceId)).ToListAsync(cancellationToken);
        var current = statements.GroupBy(m => m.EvidenceId).ToDictionary(g => g.Key, g => g.MaxBy(m => m.Version)!);
        // What the derived items were made from, up to their originals, where the package does not carry it: numbered with
        // them, so that a family has one number in every package (RegistrationNumbers).
        var outside = await OriginalsOutsideAsync(ids, current, cancellationToken);
        (items, var familyOf) = Families.Arrange(items, current);
        ids = items.Select(i => i.Id).ToList();

        // An item given as its redaction keeps the tags of its original: what it shows, of whom, for which element.
        var tagged = ids.Concat(givenInsteadOf.Values).ToList();
        var tags = await db.EvidenceTags.AsNoTracking()
            .Where(t => tagged.Contains(t.EvidenceId) && t.RemovedAtUtc == null && (t.IncidentId == null || t.IncidentId == incident.Id))
            .ToListAsync(cancellationToken);
        var perpetratorIds = tags.Where(t => t.PerpetratorId is not null).Select(t => t.PerpetratorId!.Value).Distinct().ToList();
        var perpetrators = await db.Perpetrators.AsNoTracking().Where(p => perpetratorIds.Contains(p.Id)).OrderBy(p => p.Name).ToListAsync(cancellationToken);
        var links = await db.PerpetratorLinks.AsNoTracking()
            .Where(l => perpetratorIds.Contains(l.FromId) && perpetratorIds.Contains(l.ToId)).ToListAsync(cancellationToken);
        var victimCodes = tags.Where(t => t.VictimCode is not null).Select(t => t.VictimCode!).Distinct().ToList();
        // Only children the requester may see travel, even by code: a tag naming another case's child keeps its other facts.
        var victims = await Access.Visibility.Victims(db, actor.Value).AsNoTracking().Where(v => victimCodes.Contains(v.Code)).OrderBy(v => v.Code).ToListAsync(cancellationToken);

        var events = await db.CustodyEvents.AsNoTracking()
            .Where(e => e.EvidenceId != null && ids.Contains(e.EvidenceId.Value) && e.Sequence < checkpoint.Size)
            .OrderBy(e => e.Sequence)
            .ToListAsync(cancellationToken);
        var ingested = events.Where(e => e.Action == "Ingested").Select(e => e.EvidenceId!.Value).ToHashSet();
        if (ids.Where(id => !ingested.Contains(id)).ToList() is { Count: > 0 } late)
        {
            throw new UnavailableException($"Evidence item {late[0]} was recorded after the checkpoint this package was to prove against; nothing was exported. Try again.");
        }

        await RefuseForgedRecordsAsync(checkpoint, incident, items, statements, tags, perpetrators, links, victims, outside, cancellationToken);
        var rotations = await ledger.RotationProofsAsync(checkpoint, withConsistency: true, cancellationToken);

        var statedFrom = current.Values.Concat(outside.Values.OfType<ItemMetadata>()).ToDictionary(m => m.EvidenceId);
        var (erns, numbered) = await RegistrationNumbers.AssignAsync(db, ids, statedFrom, outside.Keys.ToHashSet(), packageId, settings.ErnPrefix, now.UtcDateTime,
            cancellationToken);
        if (request.IncludeIdentities)
        {
            await VictimAccess.RequireRecordedAsync(db, ledger, actor.Value, victims.Where(v => v.ProtectedIdentity is not null).ToList(), cancellationToken);
        }
        var identities = request.IncludeIdentities ? OpenIdentities(victims, packageId, recipient) : null;
        var seen = victims.Select(v => v.Code).ToHashSet(StringComparer.Ordinal);
        tags = tags.Select(t => t.VictimCode is null || seen.Contains(t.VictimCode) ? t : WithoutVictim(t)).ToList();
        tags = [.. tags.Where(t => ids.Contains(t.EvidenceId)),
            .. givenInsteadOf.SelectMany(given => tags.Where(t => t.EvidenceId == given.Value).Select(t => Tag(t, given.Key, t.VictimCode)))];
        var metadata = new PackageMetadata(packageId, now, recipient, settings.OrganisationName, incident, items, current, erns, tags, perpetrators, links, victims,
            checkpoint.Size, identities, familyOf, givenInsteadOf, i => sealedText.Open(i.Id, i.ExtractedText)) { RedactedOnly = request.RedactedOnly, Cover = CoverTexts.Of(request.Language)! };

        var final = Path.GetFullPath(encryptTo is null ? request.OutputPath : BuildReferralPackage.EncryptedPath(request.OutputPath));
        var partial = $"{final}.partial-{packageId:N}";
        // Held open, and so locked against start-up clean-up in another process, until the commit renames it; from here
        // a failure removes it.
        // Owner-only from its first byte: a package may carry children's identities.
        // Written through its handle (PackageFile), in large writes: the stream's own buffer would only copy them.
        var file = Storage.OwnerOnly.CreateNew(partial, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        unitOfWork.PublishOnCommit(file, final);
        string packageSha256;
        long bytes;
        PackageEncryption? encrypted = null;
        // Kept in the home's package folder (the web app's), the package is sealed at rest there, as evidence blobs are: what
        // is delivered (the zip, or the .p7m) passes through the seal on its way to the file, and is what gets recorded.
        var keptSealed = SealedPackages.IsKept(final, settings);
        try
        {
            // Encrypted or sealed, the zip is scratch beside the file: scrambled under a key of this process only (PackageFile),
            // removed when it is closed, and left by a crash as bytes nobody can read (start-up clean-up removes it).
            using var scratch = encryptTo is null && !keptSealed ? null
                : Storage.OwnerOnly.CreateNew($"{partial}.scratch", FileAccess.ReadWrite, FileShare.None, bufferSize: 0, FileOptions.DeleteOnClose);
            using var sealing = keptSealed ? new SealingStream(file, kek) : null;
            using var envelopeFile = encryptTo is null ? null : new EnvelopeFile((Stream?)sealing ?? file);
            using var envelope = encryptTo is null ? null : CmsEnvelope.Open(envelopeFile!, encryptTo);
            using var output = new PackageFile((scratch ?? file).SafeFileHandle, (Stream?)envelope ?? sealing);
            using (var bag = new BagWriter(output, $"referral-{packageId:N}", now))
            {
                foreach (var item in items)
                {
                    await using var content = await blobs.OpenReadAsync(item.Sha256, cancellationToken);
                    var (sha256, size) = await bag.AddPayloadAsync(metadata.FileOf(item.Id), content, cancellationToken);
                    if (sha256 != item.Sha256 || size != item.Size)
                    {
                        throw new UnavailableException($"The stored bytes of evidence item {item.Id} no longer match the SHA-256 recorded when it was collected; " +
                                                       "nothing was exported. Run `evidence verify` and report it.");
                    }
                }
                await bag.AddPayloadAsync("data/metadata/items.csv", metadata.ItemsCsv(), cancellationToken);
                await bag.AddPayloadAsync("data/metadata/items.json", metadata.ItemsJson(), cancellationToken);
                await bag.AddPayloadAsync("data/metadata/case.json", metadata.CaseJson(), cancellationToken);
                await bag.AddPayloadAsync("data/metadata/loadfile.dat", metadata.LoadFileDat(), cancellationToken);
                foreach (var (path, text) in metadata.ItemTexts)
                {
                    await bag.AddPayloadAsync(path, PackageMetadata.TextFileBytes(text), cancellationToken);
                }
                if (identities is not null)
                {
                    await bag.AddPayloadAsync("data/metadata/identities.json", metadata.IdentitiesJson(), cancellationToken);
                }
                await bag.AddPayloadAsync("data/custody/events.jsonl", EventProofs.Leaves(events), cancellationToken);
                await bag.AddPayloadAsync("data/custody/proofs.jsonl", EventProofs.Lines(ledger, events, checkpoint.Size), cancellationToken);
                await bag.AddPayloadAsync("data/custody/checkpoint.txt", checkpoint.Text, cancellationToken);
                if (checkpoint.TimestampToken is { } token)
                {
                    await bag.AddPayloadAsync("data/custody/checkpoint.tsr", token, cancellationToken);
                }
                if (WitnessedBy(checkpoint, noteSigner) is { Count: > 0 } cosigned)
                {
                    // Only cosignatures that verify under a configured witness key travel; verify reports any other stored line.
                    await bag.AddPayloadAsync("data/custody/cosignatures.txt", string.Concat(cosigned.Select(c => c.Line)), cancellationToken);
                    await bag.AddPayloadAsync("data/custody/witnesses.txt", string.Concat(cosigned.Select(c => c.Witness.VerifierKey + "\n")), cancellationToken);
                }
                if (rotations.Count > 0)
                {
                    await bag.AddPayloadAsync("data/custody/key-rotations.jsonl", KeyRotationProof.Lines(rotations), cancellationToken);
                }
                await bag.AddPayloadAsync("data/custody/ledger-key.txt", noteSigner.Verifier.VerifierKey + "\n", cancellationToken);
                await bag.AddPayloadAsync("data/custody/organisation.pem", organisation.CertificatePem, cancellationToken);
                await bag.AddPayloadAsync("data/custody/organisation-ca.pem", organisation.IssuerPem, cancellationToken);
                await bag.AddPayloadAsync("data/README.html", CoverReport.Html(metadata, noteSigner.Verifier.VerifierKey, checkpoint.TimestampToken is not null), cancellationToken);
                bag.Finish(
                [
                    new("Source-Organization", settings.OrganisationName),
                    new("Contact-Name", settings.OrganisationContact),
                    new("External-Identifier", packageId.ToString()),
                    new("Bagging-Date", now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                    new("Bag-Count", "1 of 1"),
                    new("Internal-Sender-Identifier", request.RecipientReference?.Trim() ?? packageId.ToString()),
                    new("Internal-Sender-Description", metadata.Description),
                ], organisation.SignDetached, tagManifest => noteSigner.SignatureLine(tagManifest));
            }

            // Hashed while it was written (PackageFile), and on disk before it is recorded: a power cut must not leave a
            // recorded package with missing bytes. One fsync, for the whole file.
            packageSha256 = Convert.ToHexStringLower(await output.HashAsync());
            bytes = output.Length;
            if (envelope is not null)
            {
                envelope.Finish();
                encrypted = new PackageEncryption(encryptTo!.Fingerprint, CmsEnvelope.Algorithms(encryptTo), envelopeFile!.Sha256(), envelopeFile.Length);
            }
            sealing?.Finish(encrypted?.Sha256 ?? packageSha256);
            file.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            // A full or failing disk: the unit of work removes the partial file, and nothing is recorded.
            throw new UnavailableException($"Could not write the package {final} ({e.Message}); nothing was recorded.", e);
        }
        var package = new ReferralPackage
        {
            Id = packageId,
            IncidentId = incident.Id,
            PerpetratorId = request.PerpetratorId,
            Recipient = request.Recipient,
            RecipientName = recipient.Name,
            RecipientAddress = recipient.Address,
            RecipientReference = recipient.Reference,
            Sha256 = packageSha256,
            Bytes = bytes,
            Items = items.Count,
            CheckpointSize = checkpoint.Size,
            IncludesIdentities = identities is not null,
            FileName = Path.GetFileName(final),
            CreatedAtUtc = now.UtcDateTime,
            CreatedBy = actor.Value.Name,
        };
        db.ReferralPackages.Add(package);
        foreach (var item in items)
        {
            // The first export of an item gives its registration number: this event is what vouches for that row.
            unitOfWork.Record("Exported", item.Id, item.Sha256,
                [new("package", packageId.ToString()), new("recipient", recipient.Name), new("ern", erns[item.Id]), new("at", Fact.Time(package.CreatedAtUtc))]);
        }
        foreach (var number in numbered.Where(n => !ids.Contains(n.EvidenceId)))
        {
            // An original the package does not carry, numbered so that what was made from it is numbered from it: this event
            // vouches for that row, as Exported does for the items carried.
            unitOfWork.Record("Numbered", number.EvidenceId, null, Projections.RegistrationNumbers.Details("Numbered", number));
        }
        // Encryption is a fact of the event, for auditors: to which certificate, how, and the hash of what travels.
        // Kept sealed in the package folder is a fact of the event too: verify then holds the folder to it (KeptPackages), and
        // a file removed from there is named, where a package exported elsewhere is the user's.
        unitOfWork.Record("PackageBuilt", null, packageSha256,
            [.. Projections.Packages.Details("PackageBuilt", package), .. EncryptionDetails(encrypted), .. (keptSealed ? [new("kept", "sealed")] : Array.Empty<KeyValuePair<string, string?>>())]);
        return new PackageRecord(packageId, final, packageSha256, items.Count, bytes, encrypted);
    }

    /// <summary>What a <c>PackageBuilt</c> event says of the package's encryption: nothing for a package that is not encrypted.</summary>
    internal static IEnumerable<KeyValuePair<string, string?>> EncryptionDetails(PackageEncryption? encrypted) => encrypted is null ? [] :
    [
        new("encryptedTo", encrypted.Certificate),
        new("encryption", encrypted.Algorithms),
        new("encryptedSha256", encrypted.Sha256),
        new("encryptedBytes", Fact.Number(encrypted.Bytes)),
    ];

    private static EvidenceTag WithoutVictim(EvidenceTag tag) => Tag(tag, tag.EvidenceId, null);

    /// <summary>A copy of a tag, as the package shows it: for another item (a redaction given instead of its original) or without its victim.</summary>
    /// <summary>The witnesses' cosignatures on <paramref name="checkpoint"/> that verify under keys/witnesses.txt, each witness once.</summary>
    private List<(CosignatureVerifier Witness, string Line)> WitnessedBy(CheckpointRecord checkpoint, NoteSigner noteSigner)
    {
        if (checkpoint.Cosignatures is null || !noteSigner.Verifier.Verify(checkpoint.Text, out var body))
        {
            return [];
        }
        var witnesses = Cosignatures.Configured(settings.KeyFolder);
        return Cosignatures.Lines(checkpoint.Cosignatures)
            .Select(line => (Witness: witnesses.FirstOrDefault(w => w.Verify(line, body) is not null), Line: line))
            .Where(c => c.Witness is not null).DistinctBy(c => c.Witness!.VerifierKey)
            .Select(c => (c.Witness!, c.Line)).ToList();
    }

    private static EvidenceTag Tag(EvidenceTag tag, Guid evidenceId, string? victimCode) => new()
    {
        Id = tag.Id,
        EvidenceId = evidenceId,
        IncidentId = tag.IncidentId,
        PerpetratorId = tag.PerpetratorId,
        VictimCode = victimCode,
        Elements = tag.Elements,
        Note = tag.Note,
        TaggedAtUtc = tag.TaggedAtUtc,
        TaggedBy = tag.TaggedBy,
    };

    /// <summary>
    /// A package states the rows it carries as signed truth, so each must still be what its custody events say
    /// (ARCHITECTURE §4): a row an insider changed in the database is refused here, before anything is exported or
    /// signed, and `verify` names it. The events are read from their leaves, each proven against the signed checkpoint,
    /// never from the columns beside them.
    /// </summary>
    private async Task RefuseForgedRecordsAsync(CheckpointRecord checkpoint, Incident incident, List<EvidenceItem> items, List<ItemMetadata> statements, List<EvidenceTag> tags,
        List<Perpetrator> perpetrators, List<PerpetratorLink> links, List<Victim> victims, Dictionary<Guid, ItemMetadata?> outside, CancellationToken cancellationToken)
    {
        // The originals outside the package lend it their numbers, statements and (given redacted) tags: they are held to their events too.
        var ids = items.Select(i => i.Id).Concat(outside.Keys).ToList();
        var itemEvents = ledger.Proven(await db.CustodyEvents.AsNoTracking().Where(e => e.EvidenceId != null && ids.Contains(e.EvidenceId.Value)).ToListAsync(cancellationToken),
            checkpoint);
        string[] caseModel = ["IncidentCreated", "PerpetratorAdded", "PerpetratorsLinked", "VictimAdded"];
        var keys = new HashSet<string>(StringComparer.Ordinal) { incident.Id.ToString() };
        keys.UnionWith(perpetrators.Select(p => p.Id.ToString()));
        keys.UnionWith(links.Select(l => l.Id.ToString()));
        keys.UnionWith(victims.Select(v => v.Code));
        var caseModelEvents = await ledger.ProvenNamingAsync(caseModel, (key, value) => key is "incident" or "perpetrator" or "link" or "victim" && keys.Contains(value),
            checkpoint, cancellationToken);
        var numbers = await db.RegistrationNumbers.AsNoTracking().Where(r => ids.Contains(r.EvidenceId)).ToListAsync(cancellationToken);
        var findings = Projections.Items.Check(items, itemEvents)
            .Concat(Projections.Metadata.Check(statements.Concat(outside.Values.OfType<ItemMetadata>()), itemEvents))
            .Concat(Projections.RegistrationNumbers.Check(numbers, itemEvents))
            .Concat(Projections.Tags.Check(tags, itemEvents))
            .Concat(Projections.Incidents.Check([incident], caseModelEvents))
            .Concat(Projections.Perpetrators.Check(perpetrators, caseModelEvents))
            .Concat(Projections.PerpetratorLinks.Check(links, caseModelEvents))
            .Concat(Projections.Victims.Check(victims, caseModelEvents))
            .ToList();
        // A deleted statement would make an older one current (a confidentiality lowered, a place restored): every
        // statement an event recorded must be there.
        foreach (var item in items)
        {
            var recorded = itemEvents.Count(e => e.EvidenceId == item.Id && (e.Action == "MetadataAmended" || (e.Action == "Ingested" && e.Details.Contains("\"metadata\"", StringComparison.Ordinal))));
            var stored = statements.Count(m => m.EvidenceId == item.Id);
            if (recorded != stored)
            {
                findings.Add(new Finding("record", $"item_metadata of {item.Id}", $"{recorded} statements recorded", $"{stored} stored"));
            }
        }
        if (findings.Count > 0)
        {
            throw new UnavailableException($"The records this package would carry do not match the custody ledger ({findings[0].Subject}" +
                                           (findings.Count > 1 ? $" and {findings.Count - 1} more" : "") +
                                           "); nothing was exported. Try again once; if it persists, run `evidence verify` and report it.");
        }
    }

    private Recipient Recipient(BuildReferralPackage request) => request.Recipient switch
    {
        RecipientKind.Icc => new Recipient(RecipientKind.Icc,
            Fields.Trimmed(request.RecipientName) ?? RecipientNames.Of(RecipientKind.Icc, settings),
            Fields.Trimmed(request.RecipientAddress) ?? "Oude Waalsdorperweg 10, 2597 AK The Hague, The Netherlands",
            Fields.Trimmed(request.RecipientReference),
            "a communication under article 15 of the Rome Statute"),
        _ => new Recipient(RecipientKind.National,
            Fields.Trimmed(request.RecipientName) ?? RecipientNames.Of(RecipientKind.National, settings),
            Fields.Trimmed(request.RecipientAddress) ?? settings.NationalProsecutorAddress,
            Fields.Trimmed(request.RecipientReference),
            "a referral to a national prosecutor"),
    };

    private async Task<List<EvidenceItem>> SelectAsync(BuildReferralPackage request, Incident incident, CancellationToken cancellationToken)
    {
        // Only what the requester sees travels: a strictly confidential item tagged to the incident from outside their case
        // is not theirs to send (Access/Visibility), even though the incident is.
        var visible = Access.Visibility.Evidence(db, actor.Value).Select(e => e.Id);
        var query = db.EvidenceTags.AsNoTracking().Where(t => t.IncidentId == incident.Id && t.RemovedAtUtc == null && visible.Contains(t.EvidenceId))
            .Select(t => t.EvidenceId);
        if (request.PerpetratorId is { } perpetratorId)
        {
            if (!await db.Perpetrators.AnyAsync(p => p.Id == perpetratorId, cancellationToken))
            {
                throw new NotFoundException($"There is no perpetrator {perpetratorId}.");
            }
            var ofPerpetrator = db.EvidenceTags.Where(t => t.PerpetratorId == perpetratorId && t.RemovedAtUtc == null).Select(t => t.EvidenceId);
            query = query.Where(id => ofPerpetrator.Contains(id));
        }
        var selected = (await query.Distinct().ToListAsync(cancellationToken)).ToHashSet();
        if (request.EvidenceIds is { Count: > 0 } named)
        {
            var outside = named.Where(id => !selected.Contains(id)).ToList();
            if (outside.Count > 0)
            {
                throw new InvalidRequestException($"Not tagged to incident {incident.Id}{(request.PerpetratorId is null ? "" : " and the perpetrator")}, so not packaged: " +
                                                  string.Join(", ", outside) + ".");
            }
            selected = named.ToHashSet();
        }
        if (selected.Count == 0)
        {
            throw new InvalidRequestException($"No evidence is tagged to incident {incident.Id} (\"{incident.Title}\"){(request.PerpetratorId is null ? "" : " and that perpetrator")}: " +
                                              "there is nothing to package. Tag evidence first (`evidence tag ID --incident ...`).");
        }
        var items = await db.EvidenceItems.AsNoTracking().Where(e => selected.Contains(e.Id)).ToListAsync(cancellationToken);
        // Numbered in the order they were collected, so a batch reads like the investigation did.
        return items.OrderBy(i => i.IngestedAtUtc).ThenBy(i => i.Id).ToList();
    }

    /// <summary>
    /// The items the package's derived items were made from, directly or through others, that it does not carry, with their
    /// statements in force (null for an item that has none).
    /// </summary>
    private async Task<Dictionary<Guid, ItemMetadata?>> OriginalsOutsideAsync(List<Guid> ids, Dictionary<Guid, ItemMetadata> current, CancellationToken cancellationToken)
    {
        var outside = new Dictionary<Guid, ItemMetadata?>();
        var next = ids.Select(id => Families.MadeFrom(current, id)).OfType<Guid>().Where(id => !ids.Contains(id)).Distinct().ToList();
        while (next.Count > 0)
        {
            var found = await db.EvidenceItems.AsNoTracking().Where(e => next.Contains(e.Id)).Select(e => e.Id).ToListAsync(cancellationToken);
            var stated = await Metadata.Statements.Current(db).AsNoTracking().Where(m => found.Contains(m.EvidenceId)).ToDictionaryAsync(m => m.EvidenceId, cancellationToken);
            foreach (var id in found)
            {
                outside[id] = stated.GetValueOrDefault(id);
            }
            // Up the chain (a translation of a transcript of a video), stopping at what is known: a circle ends here too.
            next = stated.Keys.Select(id => Families.MadeFrom(stated, id)).OfType<Guid>().Where(id => !ids.Contains(id) && !outside.ContainsKey(id)).Distinct().ToList();
        }
        return outside;
    }

    /// <summary>
    /// package --redacted-only: each item is given as its redaction. An item with redactions is replaced by them, and a
    /// redaction that was itself redacted by those made from it in turn, so that only the most redacted versions travel. An
    /// item without one travels as it is only if it is a redaction or was made from one (the translation of a redacted
    /// testimony); any other refuses the whole package, naming it: a prosecutor's tool never sends an unredacted original
    /// in silence. Returns the items in the order they were collected, and for each redaction given, the original it replaces.
    /// </summary>
    private async Task<(List<EvidenceItem> Items, Dictionary<Guid, Guid> GivenInsteadOf)> RedactionsInsteadAsync(List<EvidenceItem> selected, CancellationToken cancellationToken)
    {
        var derived = await Metadata.Statements.Current(db).AsNoTracking().Where(m => m.Generation == ItemGeneration.Derived && m.DerivedFrom != null)
            .Select(m => new { m.EvidenceId, From = m.DerivedFrom!.Value, m.DerivedKind }).ToListAsync(cancellationToken);
        var madeFrom = derived.ToDictionary(d => d.EvidenceId);
        var redactionIds = derived.Where(d => d.DerivedKind == DerivedKind.Redaction).Select(d => d.EvidenceId).ToList();
        // Only a redaction the requester may see can be sent in an original's place.
        var visible = (await Access.Visibility.Evidence(db, actor.Value).Where(e => redactionIds.Contains(e.Id)).Select(e => e.Id).ToListAsync(cancellationToken)).ToHashSet();
        var redactionsOf = derived.Where(d => visible.Contains(d.EvidenceId)).OrderBy(d => d.EvidenceId).ToLookup(d => d.From, d => d.EvidenceId);

        var kept = new List<Guid>();
        var givenInsteadOf = new Dictionary<Guid, Guid>();
        var unredacted = new List<Guid>();
        foreach (var item in selected)
        {
            // A redaction chosen itself is replaced too when it was redacted further: only the most redacted versions travel.
            var redactions = MostRedacted(item.Id, [item.Id]);
            foreach (var redaction in redactions)
            {
                givenInsteadOf.TryAdd(redaction, item.Id);
            }
            if (redactions.Count == 0 && IsRedacted(item.Id))
            {
                kept.Add(item.Id);
            }
            else if (redactions.Count == 0)
            {
                unredacted.Add(item.Id);
            }
        }
        if (unredacted.Count > 0)
        {
            throw new InvalidRequestException($"Redacted copies only (--redacted-only): {unredacted.Count} item(s) have no redaction, and no original is sent " +
                                              $"in a redaction's place, so nothing was exported: {string.Join(", ", unredacted)}. Derive a redaction of each " +
                                              "(`evidence derive ID FILE --kind redaction`), or name only the items to send (--evidence).");
        }
        // A redaction both chosen and given for its original travels once, as the original's.
        foreach (var redaction in givenInsteadOf.Keys)
        {
            kept.Remove(redaction);
        }
        var wanted = kept.Concat(givenInsteadOf.Keys).ToHashSet();
        var items = await db.EvidenceItems.AsNoTracking().Where(e => wanted.Contains(e.Id)).ToListAsync(cancellationToken);
        return (items.OrderBy(i => i.IngestedAtUtc).ThenBy(i => i.Id).ToList(), givenInsteadOf);

        // A redaction, or made from one (directly or through other derived items).
        bool IsRedacted(Guid id)
        {
            var seen = new HashSet<Guid>();
            while (seen.Add(id) && madeFrom.TryGetValue(id, out var made))
            {
                if (made.DerivedKind == DerivedKind.Redaction)
                {
                    return true;
                }
                id = made.From;
            }
            return false;
        }

        List<Guid> MostRedacted(Guid id, HashSet<Guid> seen)
        {
            var found = new List<Guid>();
            foreach (var redaction in redactionsOf[id].Where(r => madeFrom[r].DerivedKind == DerivedKind.Redaction && seen.Add(r)))
            {
                var further = MostRedacted(redaction, seen);
                found.AddRange(further.Count == 0 ? [redaction] : further);
            }
            return found;
        }
    }

    private Dictionary<string, VictimIdentity> OpenIdentities(List<Victim> victims, Guid packageId, Recipient recipient)
    {
        var identities = new Dictionary<string, VictimIdentity>();
        foreach (var victim in victims.Where(v => v.ProtectedIdentity is not null))
        {
            identities[victim.Code] = RevealVictimIdentityHandler.Open(protectedFields, victim);
            unitOfWork.Record("IdentityRevealed", null, null,
                [new("victim", victim.Code), new("purpose", $"referral package {packageId} to {recipient.Name}")]);
        }
        return identities;
    }
}

/// <summary>Who a package is for, as its bag-info and cover report name them.</summary>
public sealed record Recipient(RecipientKind Kind, string Name, string Address, string? Reference, string Purpose);
