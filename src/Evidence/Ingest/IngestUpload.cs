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
    string? ExpectedSha256 = null) : IRequest<IngestedEvidence>, IValidatedRequest
{
    public const int MaxFileNameLength = 255;

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
        foreach (var problem in IntakeFields.Problems(Collector, Source, CapturedAt))
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
    }

    /// <summary>The name as kept: only its last segment, so a sender's folder names ("../../x", "C:\x") never travel.</summary>
    internal static string KeptName(string fileName) => Text.FileNames.LastSegment(fileName.Trim());
}

internal sealed class IngestUploadHandler(EvidenceIntake intake) : IRequestHandler<IngestUpload, IngestedEvidence>
{
    public async Task<IngestedEvidence> Handle(IngestUpload request, CancellationToken cancellationToken)
    {
        var fields = new IntakeFields(request.Collector, request.CaseId, request.Source, request.CapturedAt);
        await intake.CheckAsync(fields, cancellationToken);
        var name = IngestUpload.KeptName(request.FileName);
        return await intake.RecordAsync(request.Content, name, fields, IntakeSignatures.None, progress: null, copied =>
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
        }, cancellationToken);
    }
}
