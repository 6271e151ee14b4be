using Evidence.Access;
using Evidence.Requests;
using MediatR;

namespace Evidence.Ingest;

/// <summary>
/// Ingests bytes that arrive over the network (a browser upload, a script, a completed resumable upload) as one
/// evidence item, exactly as <see cref="IngestEvidence"/> does for a file. When the sender states the size or the
/// SHA-256 it computed, bytes that do not match are refused and nothing is recorded: a connection that dropped or
/// altered bytes never becomes evidence.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record IngestUpload(
    Stream Content,
    string FileName,
    string Collector,
    Guid? CaseId = null,
    string? Source = null,
    string? CapturedAt = null,
    long? ExpectedSize = null,
    string? ExpectedSha256 = null,
    Metadata.StatedMetadata? Metadata = null) : IRequest<IngestedEvidence>, IValidatedRequest
{
    public const int MaxFileNameLength = 255;

    /// <summary>
    /// Detached signatures of the file that arrived with it (a multipart <c>signature</c> part): checked against the
    /// bytes and kept in the item's provenance, as <see cref="IngestEvidence.Signatures"/> are. Bytes are null for a part
    /// larger than any signature (<see cref="Provenance.OpenPgpVerifier.MaxSidecarBytes"/>), which is not read.
    /// </summary>
    public IReadOnlyList<DetachedSignature> Signatures { get; init; } = [];

    /// <summary>Public keys that arrived with the file (<c>signerKey</c> parts): they verify, they are never trusted.</summary>
    public IReadOnlyList<byte[]> SignerKeys { get; init; } = [];

    /// <summary>
    /// The bytes, already staged and hashed as they arrived (the web app streams multipart parts straight into the blob
    /// store); <see cref="Content"/> is then not read.
    /// </summary>
    internal StagedFile? Staged { get; init; }

    public IEnumerable<string> Validate()
    {
        var name = FileName is null ? "" : KeptName(FileName);
        if (string.IsNullOrWhiteSpace(name))
        {
            yield return "the file name is required.";
        }
        else if (name.Length > MaxFileNameLength || name.Any(char.IsControl))
        {
            yield return $"the file name must be at most {MaxFileNameLength} characters without control characters.";
        }
        foreach (var problem in IntakeFields.Problems(Collector, Source, CapturedAt).Concat(Metadata?.Problems(DateTimeOffset.MaxValue) ?? []))
        {
            yield return problem;
        }
        if (ExpectedSize is < 0)
        {
            yield return "the stated size cannot be negative.";
        }
        if (ExpectedSha256 is not null && !Storage.BlobKey.IsSha256Hex(ExpectedSha256.ToLowerInvariant()))
        {
            yield return "the stated SHA-256 must be 64 hexadecimal digits.";
        }
        if (Signatures.Count > 8 || SignerKeys.Count > Provenance.OpenPgpKeys.MaxKeyFiles)
        {
            yield return "at most 8 signatures and 256 signer keys come with one file.";
        }
        if (Signatures.Any(s => s.Bytes is { } bytes && bytes.Length > Provenance.OpenPgpVerifier.MaxSidecarBytes))
        {
            yield return "a signature's bytes are at most 64 KiB; pass a larger one without its bytes.";
        }
    }

    /// <summary>The name as kept: only its last segment, so a sender's folder names ("../../x", "C:\x") never travel.</summary>
    internal static string KeptName(string fileName) => Text.FileNames.LastSegment(fileName.Trim());
}

internal sealed class IngestUploadHandler(EvidenceIntake intake) : IRequestHandler<IngestUpload, IngestedEvidence>
{
    public async Task<IngestedEvidence> Handle(IngestUpload request, CancellationToken cancellationToken)
    {
        var fields = new IntakeFields(request.Collector, request.CaseId, request.Source, request.CapturedAt, request.Metadata);
        await intake.CheckAsync(fields, cancellationToken);
        var name = IngestUpload.KeptName(request.FileName);
        var signatures = request.Signatures.Count == 0 ? IntakeSignatures.None
            : new IntakeSignatures(request.Signatures.Select(s => s with { Name = IngestUpload.KeptName(s.Name) }).ToList(), request.SignerKeys);
        Action<HashingCopy.Result> check = copied =>
        {
            if (copied.Size == 0)
            {
                throw new InvalidRequestException($"{Text.Display.Text(name)} is empty (0 bytes): an empty upload is almost always a failed one; nothing was recorded.");
            }
            if (request.ExpectedSize is { } size && size != copied.Size)
            {
                throw new InvalidRequestException($"{Text.Display.Text(name)} arrived with {copied.Size} bytes, but {size} were sent; nothing was recorded. Upload it again.");
            }
            if (request.ExpectedSha256 is { } sha256 && !string.Equals(sha256, copied.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidRequestException($"{Text.Display.Text(name)} arrived with SHA-256 {copied.Sha256}, but the sender computed {sha256.ToLowerInvariant()}; nothing was recorded. Upload it again.");
            }
        };
        return request.Staged is { } staged
            ? await intake.RecordAsync(staged, name, fields, signatures, check, cancellationToken)
            : await intake.RecordAsync(request.Content, name, fields, signatures, progress: null, check, cancellationToken);
    }
}
