using System.Security.Cryptography;
using System.Text.Json;
using Evidence.Access;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Storage;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Handover;

/// <summary>
/// At the office: checks a field handover bundle against the field ledger key pinned with <see cref="FieldKey"/>
/// (<see cref="ReceivedBundle"/>: signatures, every inclusion proof, every item's history and bytes), refusing the whole
/// bundle, with nothing recorded, on any mismatch; then ingests every item through the normal intake, each with an
/// <c>Ingested</c> event and a <c>Received</c> event that carries its field history (the leaf hashes of its field events and
/// the field checkpoint), all in one unit of work; and writes the receipt (<see cref="HandoverReceipt"/>), signed by this
/// home's ledger key, which appears only if all of that commits. A bundle, or a field item, received before is refused.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record ReceiveHandover(string BundlePath, string FieldKey, string ReceivedBy, string? ReceiptPath = null, Guid? CaseId = null)
    : IRequest<HandoverReceived>, IValidatedRequest
{
    /// <summary>Told the number of bytes read after each chunk, for a progress bar.</summary>
    public IProgress<long>? Progress { get; init; }

    /// <summary>Where the receipt is written: <see cref="ReceiptPath"/>, else beside the bundle as NAME.receipt.txt.</summary>
    public string Receipt => ReceiptPath ?? Path.ChangeExtension(Path.GetFullPath(BundlePath), ".receipt.txt");

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(BundlePath))
        {
            yield return "the bundle file is required.";
            yield break;
        }
        if (!File.Exists(BundlePath))
        {
            yield return $"{BundlePath} does not exist.";
        }
        if (string.IsNullOrWhiteSpace(FieldKey))
        {
            yield return "the field ledger's verifier key (--key) is required: the bundle is checked against the key you were given, never against the one it carries.";
        }
        if (HandoverBundle.NameProblem("the person receiving the bundle (--received-by)", ReceivedBy) is { } problem)
        {
            yield return problem;
        }
        if (File.Exists(Receipt) || Directory.Exists(Receipt))
        {
            // A receipt is never overwritten: the one already there may be on its way to the field.
            yield return $"{Receipt} already exists; choose a new file name for the receipt (--receipt).";
        }
        else if (!Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(Receipt))))
        {
            yield return $"the folder for {Receipt} does not exist.";
        }
    }
}

/// <summary>What `handover import` prints: the handover, the bundle's SHA-256, the receipt written, who gave and who received, and each item.</summary>
public sealed record HandoverReceived(Guid Handover, string Bundle, string Receipt, string HandedOverBy, string ReceivedBy, IReadOnlyList<ReceivedItem> Items,
    HandoverEncryption? Encrypted);

/// <summary>One item received: its id in the field home, its id here, its SHA-256 and size.</summary>
public sealed record ReceivedItem(Guid FieldId, Guid Id, string Sha256, long Size);

internal sealed class ReceiveHandoverHandler(
    EvidenceDbContext db,
    EvidenceIntake intake,
    UnitOfWork unitOfWork,
    Ledger ledger,
    EvidenceSettings settings,
    TimeProvider clock) : IRequestHandler<ReceiveHandover, HandoverReceived>
{
    public async Task<HandoverReceived> Handle(ReceiveHandover request, CancellationToken cancellationToken)
    {
        // The key the ledger signs with now (after a rotation, the new one), never one held since start-up.
        var signer = await ledger.SigningKeyAsync(cancellationToken);
        var pinned = ParseKey(request.FieldKey);
        if (pinned.VerifierKey == signer.Verifier.VerifierKey)
        {
            throw new InvalidRequestException("The field key given is this home's own ledger key: a handover is received from another home; nothing was recorded. " +
                                              "Give the key of the field laptop that exported the bundle (`evidence log key` there).");
        }
        var path = Path.GetFullPath(request.BundlePath);
        var (bundle, bundleSha256, encrypted) = IsEncrypted(path)
            ? Decrypted(path, pinned, cancellationToken)
            : (ReceivedBundle.Open(path, pinned), await Sha256Async(path, cancellationToken), null);
        using var opened = bundle;
        var manifest = bundle.Manifest;
        var receivedBy = request.ReceivedBy.Trim();
        if (HandoverBundle.SamePerson(manifest.ExportedBy, receivedBy))
        {
            throw new InvalidRequestException($"A handover takes two people: {manifest.ExportedBy} handed this bundle over and cannot also receive it; " +
                                              "nothing was recorded. The person who takes it at the office receives it (--received-by).");
        }
        if (!HandoverBundle.SamePerson(manifest.To, receivedBy))
        {
            throw new InvalidRequestException($"The bundle was handed over to {manifest.To}, not to {receivedBy}; nothing was recorded. The person it was " +
                                              "addressed to receives it (--received-by), or the field exports it again to whoever will.");
        }

        // Asked now, so that a bundle received before is refused before its bytes are read, and again under the write lock,
        // among everything recorded since (the earlier requests of this one's batch included), so that two imports at once
        // cannot both pass.
        var seenUpTo = await ledger.SizeAsync(cancellationToken);
        var fieldKeys = bundle.FieldKeys.Select(k => k.VerifierKey).ToHashSet(StringComparer.Ordinal);
        await RefuseReceivedBeforeAsync(manifest, fieldKeys, bundleSha256, 0, cancellationToken);
        unitOfWork.BeforeWrite(ct => RefuseReceivedBeforeAsync(manifest, fieldKeys, bundleSha256, seenUpTo, ct));

        var now = clock.GetUtcNow();
        var received = new List<ReceivedItem>();
        var officeIdOf = new Dictionary<Guid, Guid>();
        foreach (var item in manifest.Items)
        {
            var derivedFrom = item.Statement is { Generation: ItemGeneration.Derived, DerivedFrom: { } original }
                ? await OfficeIdAsync(original, item.Id, officeIdOf, fieldKeys, cancellationToken)
                : (Guid?)null;
            var stated = item.Statement is null ? null : ReceivedBundle.StatedFrom(item.Statement, derivedFrom);
            var fields = new IntakeFields(item.Collector, request.CaseId, item.Source, item.CapturedAt, stated);
            // The original a derived item names may be in this bundle, and so not recorded yet: the office id was found above.
            await intake.CheckAsync(fields with { Metadata = stated is null ? null : stated with { DerivedFrom = null } }, cancellationToken);
            await using var content = bundle.OpenItem(item);
            var recorded = await intake.RecordAsync(content, item.OriginalName, fields, IntakeSignatures.None, request.Progress, copied =>
            {
                if (copied.Sha256 != item.Sha256 || copied.Size != item.Size || !content.Matches)
                {
                    throw new InvalidRequestException($"Item {item.Id} of the handover bundle is not the bytes its field Ingested event recorded " +
                                                      $"(read {copied.Size} bytes with SHA-256 {copied.Sha256}; recorded {item.Size} bytes with SHA-256 {item.Sha256}). " +
                                                      "The bundle was refused whole; nothing was recorded.");
                }
            }, cancellationToken);
            officeIdOf[item.Id] = recorded.Id;
            received.Add(new ReceivedItem(item.Id, recorded.Id, recorded.Sha256, recorded.Size));
            var details = ReceivedDetails(manifest, item, bundle, bundleSha256, encrypted, receivedBy);
            // After the item's Ingested event (recorded when the request is written), so that the ledger reads: ingested, then received.
            unitOfWork.BeforeWrite(_ =>
            {
                unitOfWork.Record("Received", recorded.Id, item.Sha256, details);
                return Task.CompletedTask;
            });
        }

        var receipt = new HandoverReceipt(manifest.Handover, bundleSha256, bundle.FieldKey.VerifierKey, manifest.ExportedBy, receivedBy, HandoverBundle.Time(now.UtcDateTime),
            received.Select(r => new ReceiptItem(r.FieldId, r.Sha256, r.Id)).ToList());
        // A field laptop may have pinned this office's key before it was rotated: the receipt carries the rotations from it.
        if (await ledger.LatestCheckpointAsync(cancellationToken) is { } officeCheckpoint && signer.Verifier.Verify(officeCheckpoint.Text, out _)
            && await ledger.RotationProofsAsync(officeCheckpoint, withConsistency: true, cancellationToken) is { Count: > 0 } rotations)
        {
            receipt = receipt with { OfficeCheckpoint = officeCheckpoint.Text, OfficeKeyRotations = rotations };
        }
        var final = Path.GetFullPath(request.Receipt);
        var partial = $"{final}.partial-{manifest.Handover:N}";
        var file = OwnerOnly.CreateNew(partial, FileAccess.Write, FileShare.None);
        unitOfWork.PublishOnCommit(file, final);
        try
        {
            await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(signer.Sign(receipt.Body)), cancellationToken);
            file.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            throw new UnavailableException($"Could not write the receipt {final} ({e.Message}); nothing was recorded.", e);
        }
        return new HandoverReceived(manifest.Handover, bundleSha256, final, manifest.ExportedBy, receivedBy, received, encrypted);
    }

    /// <summary>Whether the file is a CMS envelope (a bundle encrypted to an office) rather than a zip, by its first bytes.</summary>
    private static bool IsEncrypted(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            Span<byte> start = stackalloc byte[2];
            return CmsEnvelopeOpener.LooksLikeCms(start[..file.Read(start)]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRequestException($"The bundle {Text.Display.Path(path)} cannot be read, so nothing was recorded: {e.Message}");
        }
    }

    /// <summary>
    /// Opens a bundle encrypted to this office with its handover key (<see cref="HandoverKey"/>): the envelope is read once,
    /// hashed on the way (the bundle's SHA-256 is that of the file received, which the field recorded and the receipt names),
    /// and the zip inside is written to a scratch file in the home's package folder, scrambled under a key of this process
    /// (<see cref="ScratchCipher"/>) and removed when it is closed: no readable copy of the zip is ever on disk, and a crash
    /// leaves bytes nobody can read, which start-up removes. The zip is then checked exactly as a bundle in clear.
    /// </summary>
    private (ReceivedBundle Bundle, string Sha256, HandoverEncryption Encrypted) Decrypted(string path, NoteVerifier pinned, CancellationToken cancellationToken)
    {
        var key = HandoverKey.Load(settings)
            ?? throw new InvalidRequestException("The bundle is encrypted, and this home has no handover key to open it with; nothing was recorded. " +
                                                 "A bundle is encrypted to the certificate `evidence handover certificate` prints on the office that receives it.");
        var folder = OwnerOnly.CreateFolder(settings.PackageFolder);
        var scratchKey = RandomNumberGenerator.GetBytes(32);
        var scratch = OwnerOnly.CreateNew(Path.Combine(folder, $"handover-import.partial-{Guid.NewGuid():N}.scratch"), FileAccess.ReadWrite, FileShare.None,
            bufferSize: 0, FileOptions.DeleteOnClose);
        try
        {
            using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, FileOptions.SequentialScan);
            using var hashed = new HashingReader(input);
            using var zipSha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var cipher = new ScratchCipher(scratchKey);
            long written = 0;
            try
            {
                CmsEnvelopeOpener.Open(hashed, key.Certificate, plain =>
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    zipSha256.AppendData(plain);
                    var scrambled = plain.ToArray();
                    cipher.Apply(scrambled, written);
                    RandomAccess.Write(scratch.SafeFileHandle, scrambled, written);
                    written += scrambled.Length;
                });
                hashed.ReadToEndOfEnvelope();
            }
            catch (CmsEnvelopeOpener.NotForThisKeyException e)
            {
                throw new InvalidRequestException($"The bundle {Text.Display.Path(path)} is encrypted to another certificate, not to this office's handover certificate " +
                                                  $"(SHA-256 {key.Fingerprint}); nothing was recorded. It is for {e.Recipients}: the field encrypts to the certificate " +
                                                  "`evidence handover certificate` prints here.");
            }
            catch (InvalidDataException e)
            {
                throw new InvalidRequestException($"The bundle {Text.Display.Path(path)} cannot be opened with this office's handover key, so nothing was recorded: {e.Message}");
            }
            catch (IOException e)
            {
                throw new UnavailableException($"Could not read the bundle {Text.Display.Path(path)} or write its scratch copy ({e.Message}); nothing was recorded.", e);
            }
            var encrypted = new HandoverEncryption(key.Fingerprint, CmsEnvelope.RsaAlgorithms, Convert.ToHexStringLower(zipSha256.GetHashAndReset()), written);
            return (ReceivedBundle.Open(scratch.SafeFileHandle, scratchKey, path, pinned), hashed.Sha256(), encrypted);
        }
        catch
        {
            scratch.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scratchKey);
        }
    }

    /// <summary>
    /// The envelope file as it is read, hashed on the way, so that the SHA-256 recorded is of exactly the bytes decrypted. After
    /// the envelope, only the end-of-contents octets of its BER framing may follow: any other byte is refused.
    /// </summary>
    private sealed class HashingReader(Stream file) : Stream
    {
        private readonly IncrementalHash sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = file.Read(buffer);
            sha256.AppendData(buffer[..read]);
            return read;
        }

        public void ReadToEndOfEnvelope()
        {
            var rest = new byte[64 << 10];
            long trailing = 0;
            int read;
            while ((read = Read(rest)) > 0)
            {
                trailing += read;
                if (trailing > 64 || rest.AsSpan(0, read).ContainsAnyExcept((byte)0))
                {
                    throw new InvalidDataException("bytes follow the envelope");
                }
            }
        }

        public string Sha256() => Convert.ToHexStringLower(sha256.GetHashAndReset());

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                sha256.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// The details of an item's <c>Received</c> event: which handover and bundle, from which field key, the item's field id,
    /// the field checkpoint (size and root) and the leaf index and hash of every field event of the item, who handed it over
    /// and who received it. With them and the field's verifier key, anyone can ask the field ledger to prove the history.
    /// </summary>
    private static List<KeyValuePair<string, string?>> ReceivedDetails(HandoverManifest manifest, HandoverItem item, ReceivedBundle bundle, string bundleSha256,
        HandoverEncryption? encrypted, string receivedBy) =>
    [
        new("handover", manifest.Handover.ToString()),
        new("bundle", bundleSha256),
        new("fieldKey", bundle.FieldKey.VerifierKey),
        new("fieldEvidence", item.Id.ToString()),
        new("fieldCheckpoint", Fact.Number(bundle.Checkpoint.Size)),
        new("fieldRoot", Convert.ToHexStringLower(bundle.Checkpoint.Root)),
        new("fieldLeaves", string.Join(' ', bundle.EventsOf[item.Id].Select(e => $"{Fact.Number(e.Sequence)}:{e.LeafHash}"))),
        new("handedOverBy", manifest.ExportedBy),
        new("receivedBy", receivedBy),
        .. HandoverEncryption.Details(encrypted),
    ];

    /// <summary>
    /// Refuses a bundle received before (the same SHA-256), or one carrying a field item received before from the same field
    /// key: a second import would make a second office item of the same field item and a second receipt for it.
    /// </summary>
    private async Task RefuseReceivedBeforeAsync(HandoverManifest manifest, HashSet<string> fieldKeys, string bundleSha256, long from, CancellationToken cancellationToken)
    {
        var items = manifest.Items.Select(i => i.Id.ToString()).ToHashSet(StringComparer.Ordinal);
        var earlier = db.CustodyEvents.AsNoTracking().Where(e => e.Action == "Received" && e.Sequence >= from).OrderBy(e => e.Sequence)
            .Select(e => new { e.Sequence, e.OccurredAtUtc, e.Details }).AsAsyncEnumerable();
        await foreach (var e in earlier.WithCancellation(cancellationToken))
        {
            var details = JsonSerializer.Deserialize<Dictionary<string, string>>(e.Details) ?? [];
            if (details.GetValueOrDefault("bundle") == bundleSha256)
            {
                throw new InvalidRequestException($"This bundle was received here already (custody event #{e.Sequence}, {HandoverBundle.Time(e.OccurredAtUtc)}, " +
                                                  $"received by {details.GetValueOrDefault("receivedBy")}); nothing was recorded. The receipt written then is the record: " +
                                                  "send that one to the field.");
            }
            // Under any key of the field home's chain: received before its key was rotated is received all the same.
            if (details.GetValueOrDefault("fieldKey") is { } key && fieldKeys.Contains(key) && details.GetValueOrDefault("fieldEvidence") is { } field && items.Contains(field))
            {
                throw new InvalidRequestException($"Field item {field} was received here already, from handover {details.GetValueOrDefault("handover")} " +
                                                  $"(custody event #{e.Sequence}); nothing was recorded. Confirm that handover's receipt on the field laptop, " +
                                                  "then export again: confirmed items are not exported twice.");
            }
        }
    }

    /// <summary>
    /// The office id of the item a derived item was made from: received earlier in this bundle, or from the same field key
    /// before. A derived item whose original did neither is refused: it would name an item this office does not have.
    /// </summary>
    private async Task<Guid> OfficeIdAsync(Guid original, Guid derived, Dictionary<Guid, Guid> officeIdOf, HashSet<string> fieldKeys, CancellationToken cancellationToken)
    {
        if (officeIdOf.TryGetValue(original, out var inThisBundle))
        {
            return inThisBundle;
        }
        var text = original.ToString();
        var earlier = await db.CustodyEvents.AsNoTracking().Where(e => e.Action == "Received" && e.Details.Contains(text))
            .Select(e => new { e.EvidenceId, e.Details }).ToListAsync(cancellationToken);
        foreach (var e in earlier)
        {
            var details = JsonSerializer.Deserialize<Dictionary<string, string>>(e.Details) ?? [];
            if (details.GetValueOrDefault("fieldKey") is { } key && fieldKeys.Contains(key) && details.GetValueOrDefault("fieldEvidence") == text && e.EvidenceId is { } officeId)
            {
                return officeId;
            }
        }
        throw new InvalidRequestException($"Field item {derived} was made from field item {original}, which is neither earlier in this bundle nor received here " +
                                          "before; nothing was recorded. Hand the original over first, or in the same bundle.");
    }

    private static NoteVerifier ParseKey(string key)
    {
        try
        {
            return NoteVerifier.Parse(key);
        }
        catch (FormatException e)
        {
            throw new InvalidRequestException($"The field key (--key) is not a signed-note verifier key, so nothing was recorded: {e.Message}");
        }
    }

    private static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, FileOptions.SequentialScan);
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRequestException($"The bundle {Text.Display.Path(path)} cannot be read, so nothing was recorded: {e.Message}");
        }
    }
}
