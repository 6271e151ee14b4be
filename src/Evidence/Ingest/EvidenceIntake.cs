using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Metadata;
using Evidence.Provenance;
using Evidence.Requests;
using Evidence.Storage;
using Evidence.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Evidence.Ingest;

/// <summary>What the investigator says about an item, whichever way its bytes arrive.</summary>
internal sealed record IntakeFields(string Collector, Guid? CaseId, string? Source, string? CapturedAt, StatedMetadata? Metadata = null)
{
    /// <summary>What is wrong with the fields as typed, before anything is read or stored.</summary>
    public static IEnumerable<string> Problems(string? collector, string? source, string? capturedAt)
    {
        if (string.IsNullOrWhiteSpace(collector))
        {
            yield return "the collector (who collected the item) is required.";
        }
        else if (collector.Length > 200 || collector.Any(char.IsControl))
        {
            yield return "the collector must be a name of at most 200 characters without control characters.";
        }
        if (source is { Length: > 4000 })
        {
            yield return "the source description is longer than 4000 characters.";
        }
        if (capturedAt is not null && PartialDate.Normalize("captured-at", capturedAt, DateTimeOffset.MaxValue, out var problem) is null)
        {
            yield return problem!;
        }
    }
}

/// <summary>
/// Bytes already written to a staging blob and hashed on the way, not yet evidence: a multipart part that the web app
/// streamed straight into the blob store (no temporary file) before it had read the fields that come after it. Whoever
/// staged it discards it unless a unit of work took it (discarding a promoted blob's staging name does nothing).
/// </summary>
internal sealed record StagedFile(StagedBlob Blob, HashingCopy.Result Copied)
{
    /// <summary>Reads <paramref name="source"/> to its end into a new staging blob, hashing it as it goes.</summary>
    public static async Task<StagedFile> WriteAsync(IBlobStore blobs, Stream source, CancellationToken cancellationToken)
    {
        await using var writer = await blobs.BeginStagingAsync(cancellationToken);
        var copied = await HashingCopy.CopyAsync(source, writer, progress: null, cancellationToken);
        return new StagedFile(await writer.CompleteAsync(copied.Sha256, copied.Size, cancellationToken), copied);
    }
}

/// <summary>
/// The one way bytes become evidence, for a file on disk (<see cref="IngestEvidence"/>) and for an upload
/// (<see cref="IngestUpload"/>): read once, hashed while staged, recorded with an <c>Ingested</c> event, promoted
/// to the content address only when the unit of work commits.
/// </summary>
internal sealed class EvidenceIntake(
    EvidenceDbContext db,
    IBlobStore blobs,
    UnitOfWork unitOfWork,
    CurrentActor actor,
    TimeProvider clock,
    ProvenanceTrust trust,
    Search.SealedText sealedText,
    ILogger<EvidenceIntake> log)
{
    // The items this unit of work records, in the order they came: a bulk request records several files in one.
    private readonly List<(EvidenceItem Item, ItemMetadata Metadata, IngestedEvidence Ingested)> recordedHere = [];

    /// <summary>Checks what depends on stored data (the case exists and the actor works it, the capture date is not in the future) before any byte is read.</summary>
    public async Task CheckAsync(IntakeFields fields, CancellationToken cancellationToken)
    {
        if (fields.CapturedAt is not null && PartialDate.Normalize("captured-at", fields.CapturedAt, clock.GetUtcNow(), out var problem) is null)
        {
            throw new InvalidRequestException(problem!);
        }
        if (fields.CaseId is { } caseId && !await Access.Visibility.Cases(db, actor.Value).AnyAsync(c => c.Id == caseId, cancellationToken))
        {
            throw new NotFoundException($"There is no case {caseId}; create it first.");
        }
        if (fields.Metadata?.Problems(clock.GetUtcNow()).ToList() is { Count: > 0 } problems)
        {
            throw new InvalidRequestException("The metadata was not recorded.", problems);
        }
        if (fields.Metadata?.DerivedFrom is { } original && !await Access.Visibility.Evidence(db, actor.Value).AnyAsync(e => e.Id == original, cancellationToken))
        {
            throw new NotFoundException($"There is no evidence item {original} to derive from.");
        }
    }

    /// <summary>
    /// Stages <paramref name="source"/> to its end and records it. <paramref name="afterCopy"/> sees the hash and size
    /// before anything is recorded, and may refuse them by throwing.
    /// </summary>
    public async Task<IngestedEvidence> RecordAsync(
        Stream source, string originalName, IntakeFields fields, IntakeSignatures signatures, IProgress<long>? progress, Action<HashingCopy.Result>? afterCopy, CancellationToken cancellationToken)
    {
        HashingCopy.Result copied;
        StagedBlob staged;
        await using (var writer = await blobs.BeginStagingAsync(cancellationToken))
        {
            copied = await HashingCopy.CopyAsync(source, writer, progress is { } p ? p.Report : null, cancellationToken);
            afterCopy?.Invoke(copied);
            staged = await writer.CompleteAsync(copied.Sha256, copied.Size, cancellationToken);
        }
        return await RecordStagedAsync(staged, copied, originalName, fields, signatures, cancellationToken);
    }

    /// <summary>
    /// Records a file that was already staged and hashed as it arrived (<see cref="StagedFile"/>: a multipart part
    /// streamed straight into staging). <paramref name="afterCopy"/> may refuse it by throwing; the staged blob is then
    /// discarded.
    /// </summary>
    public async Task<IngestedEvidence> RecordAsync(
        StagedFile file, string originalName, IntakeFields fields, IntakeSignatures signatures, Action<HashingCopy.Result>? afterCopy, CancellationToken cancellationToken)
    {
        try
        {
            afterCopy?.Invoke(file.Copied);
        }
        catch
        {
            await blobs.DiscardAsync(file.Blob, CancellationToken.None);
            throw;
        }
        return await RecordStagedAsync(file.Blob, file.Copied, originalName, fields, signatures, cancellationToken);
    }

    private async Task<IngestedEvidence> RecordStagedAsync(
        StagedBlob staged, HashingCopy.Result copied, string originalName, IntakeFields fields, IntakeSignatures signatures, CancellationToken cancellationToken)
    {
        // Everything that can fail comes before the item joins the unit of work: a file refused here leaves nothing in it, so
        // that the other files of a bulk request (IngestEvidenceFiles) are recorded without it. Its staged blob is discarded.
        EvidenceItem item;
        ItemMetadata metadata;
        IngestedEvidence ingested;
        try
        {
            (item, metadata, ingested) = await DescribeAsync(staged, copied, originalName, fields, signatures, cancellationToken);
        }
        catch
        {
            await blobs.DiscardAsync(staged, CancellationToken.None);
            throw;
        }
        unitOfWork.PromoteOnCommit(staged);
        // The first item of this unit of work registers the step for all of them. A scope may send several requests one after
        // another (a web request), each with its own unit of work: items left from an earlier one, refused or committed, are
        // not this one's.
        Func<CancellationToken, Task> step = FindDuplicatesAndRecordAsync;
        if (!unitOfWork.WillRunBeforeWrite(step))
        {
            recordedHere.Clear();
            unitOfWork.BeforeWrite(step);
        }
        recordedHere.Add((item, metadata, ingested));
        log.LogInformation("Staged evidence {EvidenceId}: sha256 {Sha256}, {Size} bytes, {MediaType}", item.Id, item.Sha256, item.Size, item.MediaType);
        return ingested;
    }

    /// <summary>
    /// Runs under the write lock, when the request is written: among everything recorded before it (the earlier requests of its
    /// own batch included) and the earlier files of its own request, each item names the first one recorded with the same
    /// bytes, so that the same bytes sent twice at once, by two uploads or one folder, name the first. One query for all the
    /// request's files. Then each item's <c>Ingested</c> event, in the order the files came.
    /// <para>
    /// The first one recorded is the one that names none: every later copy was given it here, under the lock. Not the earliest
    /// <c>IngestedAtUtc</c>: that is stamped when the file was read, and requests read side by side (a bulk ingest, two
    /// uploads) are written in another order than they were read, so the earliest stamp can be a copy, and copies would then
    /// name a copy.
    /// </para>
    /// </summary>
    private async Task FindDuplicatesAndRecordAsync(CancellationToken cancellationToken)
    {
        var hashes = recordedHere.Select(r => r.Item.Sha256).Distinct().ToList();
        var originals = await OriginalsWithSameBytes(db, hashes).ToListAsync(cancellationToken);
        var original = new Dictionary<string, Guid>(StringComparer.Ordinal);
        foreach (var e in originals)
        {
            original.TryAdd(e.Sha256, e.Id);
        }
        foreach (var (item, metadata, ingested) in recordedHere)
        {
            // The first of this request with bytes not stored before is their original; the files after it name it.
            item.DuplicateOf = ingested.DuplicateOf = original.TryGetValue(item.Sha256, out var first) ? first : null;
            original.TryAdd(item.Sha256, item.Id);
            // The original name, the source and the text stay out of the custody log (names of files often name the child);
            // their hashes pin them.
            unitOfWork.Record("Ingested", item.Id, item.Sha256, [.. Projections.Items.Details("Ingested", item), .. Projections.Metadata.Details("Ingested", metadata)]);
        }
        // Inserted here rather than tracked for SaveChanges (RowInserter says why), in the order the files came, so that an
        // original is always in the table before the copies that name it.
        await RowInserter.InsertAsync(db, recordedHere.Select(r => r.Item).ToList(), cancellationToken);
        await RowInserter.InsertAsync(db, recordedHere.Select(r => r.Metadata).ToList(), cancellationToken);
    }

    /// <summary>
    /// The originals stored with one of <paramref name="hashes"/>, oldest first; the ordering only picks one should an older
    /// database hold two. "No DuplicateOf" is written as a comparison SQLite cannot answer from the DuplicateOf index: given
    /// <c>DuplicateOf IS NULL</c>, its planner chose that index, which holds every original, so each request read the whole
    /// table under the write lock and a bulk ingest slowed with every item stored. Guid.Empty names no item (a foreign key).
    /// </summary>
    internal static IQueryable<StoredOriginal> OriginalsWithSameBytes(EvidenceDbContext db, IReadOnlyCollection<string> hashes) =>
        db.EvidenceItems
            .Where(e => hashes.Contains(e.Sha256) && (e.DuplicateOf ?? Guid.Empty) == Guid.Empty)
            .OrderBy(e => e.IngestedAtUtc).ThenBy(e => e.Id)
            .Select(e => new StoredOriginal(e.Sha256, e.Id));

    internal sealed record StoredOriginal(string Sha256, Guid Id);

    private async Task<(EvidenceItem Item, ItemMetadata Metadata, IngestedEvidence Ingested)> DescribeAsync(
        StagedBlob staged, HashingCopy.Result copied, string originalName, IntakeFields fields, IntakeSignatures signatures, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var capturedAt = fields.CapturedAt is null ? null : PartialDate.Normalize("captured-at", fields.CapturedAt, now, out _);
        var mediaType = MediaTypes.Detect(copied.Head);
        var provenance = await ReadProvenanceAsync(staged, mediaType, signatures, cancellationToken);
        var text = ExtractedText.FromHead(mediaType, copied.Head);
        if (mediaType == "application/pdf")
        {
            await using var pdf = await blobs.OpenStagedAsync(staged, cancellationToken);
            text = ExtractedText.FromPdf(pdf);
        }
        var id = Guid.CreateVersion7(now);
        var item = new EvidenceItem
        {
            Id = id,
            CaseId = fields.CaseId,
            Sha256 = copied.Sha256,
            Size = copied.Size,
            MediaType = mediaType,
            ExtractedText = sealedText.Seal(id, text),
            SearchWords = sealedText.IndexWords(text),
            OriginalName = originalName,
            Collector = fields.Collector.Trim(),
            Source = Fields.Trimmed(fields.Source),
            CapturedAt = capturedAt,
            IngestedAtUtc = now.UtcDateTime,
            IngestedBy = actor.Value.Name,
            Provenance = provenance.ToJson(),
        };
        // What the investigator states for a court is its first version, recorded by the same event.
        var metadata = (fields.Metadata ?? new StatedMetadata()).Apply(null, item.Id, null, item.IngestedAtUtc, item.IngestedBy, now, out _);
        var ingested = new IngestedEvidence(item.Id, item.Sha256, item.Size, null, item.MediaType, item.OriginalName)
        {
            Signatures = provenance.Signatures!.Select(s => new IngestedSignature(s.Sidecar, s.State, s.Trusted)).ToList(),
        };
        return (item, metadata, ingested);
    }

    // From the staged copy: exactly the bytes that were hashed, not the source read a second time.
    private async Task<FileProvenance> ReadProvenanceAsync(StagedBlob staged, string mediaType, IntakeSignatures signatures, CancellationToken cancellationToken)
    {
        var verdicts = new List<SignatureVerdict>();
        if (signatures.Sidecars.Count > 0)
        {
            // Any kind of file can be signed; the keys are those configured (trusted) and those that came with it.
            var keys = trust.OpenPgpKeys.WithEvidenceKeys(signatures.Keys);
            await using var signed = await blobs.OpenStagedAsync(staged, cancellationToken);
            foreach (var sidecar in signatures.Sidecars)
            {
                verdicts.AddRange(sidecar.Bytes is { } sidecarBytes
                    ? OpenPgpVerifier.Verify(sidecar.Name, sidecarBytes, signed, keys, cancellationToken)
                    : [OpenPgpVerifier.TooLarge(sidecar.Name, sidecar.Size)]);
            }
        }
        if (!(mediaType.StartsWith("image/", StringComparison.Ordinal) || mediaType.StartsWith("video/", StringComparison.Ordinal)))
        {
            return new FileProvenance(ExifFacts.Absent, null, verdicts);
        }
        await using var bytes = await blobs.OpenStagedAsync(staged, cancellationToken);
        var exif = ExifReader.Read(bytes, mediaType);
        if (mediaType is not ("image/jpeg" or "image/png"))
        {
            return new FileProvenance(exif, null, verdicts);
        }
        bytes.Position = 0;
        // Trust is decided now, with the anchors configured now, and recorded: at the intake time, since the manifest's own
        // time stamp is not verified. A later change of the trust list does not rewrite what was recorded.
        return new FileProvenance(exif, C2paReader.Read(bytes, trust.C2paAnchors, clock.GetUtcNow(), cancellationToken), verdicts);
    }
}
