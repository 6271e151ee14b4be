using Evidence.Access;
using Evidence.Requests;
using MediatR;

namespace Evidence.Ingest;

/// <summary>
/// Starts a resumable upload for a large file on a poor connection. The file arrives in numbered chunks, in any
/// order, each as often as needed; nothing is evidence until <see cref="CompleteUpload"/> reads the whole file,
/// hashes it and records it exactly as <see cref="IngestUpload"/> does.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record BeginUpload(
    string FileName,
    long Size,
    string Collector,
    Guid? CaseId = null,
    string? Source = null,
    string? CapturedAt = null,
    string? Sha256 = null,
    Metadata.StatedMetadata? Metadata = null) : IRequest<UploadState>, IValidatedRequest
{
    public IEnumerable<string> Validate()
    {
        var asIngest = new IngestUpload(Stream.Null, FileName, Collector, CaseId, Source, CapturedAt, Size, Sha256, Metadata);
        foreach (var problem in asIngest.Validate())
        {
            yield return problem;
        }
        if (Size == 0)
        {
            yield return "the file is empty (0 bytes): an empty upload is almost always a failed one.";
        }
    }
}

/// <summary>Where an upload stands: which chunks the server holds, so a client that lost its connection sends only the rest.</summary>
public sealed record UploadState(Guid Id, string FileName, long Size, int ChunkSize, int Chunks, IReadOnlyList<int> Received, DateTime StartedAtUtc)
{
    public IReadOnlyList<int> Missing => Enumerable.Range(0, Chunks).Except(Received).ToList();
}

/// <summary>The upload is larger than the installation accepts (<see cref="EvidenceSettings.MaxUploadBytes"/>).</summary>
public sealed class UploadTooLargeException(string message) : EvidenceException(message);

internal sealed class BeginUploadHandler(UploadStaging staging, EvidenceIntake intake, CurrentActor actor) : IRequestHandler<BeginUpload, UploadState>
{
    public async Task<UploadState> Handle(BeginUpload request, CancellationToken cancellationToken)
    {
        await intake.CheckAsync(new IntakeFields(request.Collector, request.CaseId, request.Source, request.CapturedAt, request.Metadata), cancellationToken);
        return await staging.BeginAsync(actor.Value.Name, request, cancellationToken);
    }
}
