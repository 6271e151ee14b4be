using Evidence.Access;
using Evidence.Requests;
using MediatR;

namespace Evidence.Ingest;

/// <summary>One chunk: every chunk but the last is exactly <see cref="UploadState.ChunkSize"/> bytes. Sending a chunk again replaces it.</summary>
[AllowedRoles(Role.Investigator)]
public sealed record ReceiveUploadChunk(Guid Id, int Index, Stream Content) : IRequest<UploadState>;

internal sealed class ReceiveUploadChunkHandler(UploadStaging staging, CurrentActor actor) : IRequestHandler<ReceiveUploadChunk, UploadState>
{
    public async Task<UploadState> Handle(ReceiveUploadChunk request, CancellationToken cancellationToken)
    {
        var upload = staging.Find(actor.Value.Name, request.Id);
        await staging.WriteChunkAsync(upload, request.Index, request.Content, cancellationToken);
        return staging.State(upload);
    }
}
