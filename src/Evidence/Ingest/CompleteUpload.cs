using Evidence.Access;
using Evidence.Requests;
using MediatR;

namespace Evidence.Ingest;

/// <summary>Ingests the assembled file and removes the upload; refused, with nothing recorded, while any chunk is missing.</summary>
[AllowedRoles(Role.Investigator)]
public sealed record CompleteUpload(Guid Id) : IRequest<IngestedEvidence>;

internal sealed class CompleteUploadHandler(UploadStaging staging, EvidenceIntake intake, CurrentActor actor) : IRequestHandler<CompleteUpload, IngestedEvidence>
{
    public async Task<IngestedEvidence> Handle(CompleteUpload request, CancellationToken cancellationToken)
    {
        var upload = await staging.FindAsync(actor.Value.Name, request.Id, cancellationToken);
        var begun = upload.Request;
        var fields = new IntakeFields(begun.Collector, begun.CaseId, begun.Source, begun.CapturedAt, begun.Metadata);
        // Checked again: between the start and the end of an upload the actor may have left the case.
        await intake.CheckAsync(fields, cancellationToken);
        await using var claim = await staging.ClaimAsync(upload, cancellationToken);
        await using var content = await claim.OpenAssembledAsync(cancellationToken);
        var recorded = await intake.RecordAsync(content, IngestUpload.KeptName(begun.FileName), fields, IntakeSignatures.None, progress: null, copied =>
        {
            if (copied.Size != begun.Size)
            {
                throw new InvalidRequestException($"The upload assembled to {copied.Size} bytes, not the {begun.Size} announced; nothing was recorded.");
            }
            if (begun.Sha256 is { } sha256 && !string.Equals(sha256, copied.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidRequestException($"The upload assembled to SHA-256 {copied.Sha256}, but the sender computed {sha256.ToLowerInvariant()}: " +
                    "a chunk was damaged on the way. Nothing was recorded; cancel the upload and send the file again.");
            }
        }, cancellationToken);
        claim.RemoveOnDispose();
        return recorded;
    }
}
