using Evidence.Access;
using Evidence.Requests;
using MediatR;

namespace Evidence.Ingest;

/// <summary>
/// One chunk: every chunk but the last is exactly <see cref="UploadState.ChunkSize"/> bytes. Sending a chunk again
/// replaces it. <paramref name="Offset"/> and <paramref name="Total"/>, when the sender states them (HTTP
/// <c>Content-Range: bytes START-END/TOTAL</c>), must agree with the chunk's place and the announced size.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record ReceiveUploadChunk(Guid Id, int Index, Stream Content, long? Offset = null, long? Total = null) : IRequest<UploadState>;

internal sealed class ReceiveUploadChunkHandler(UploadStaging staging, CurrentActor actor) : IRequestHandler<ReceiveUploadChunk, UploadState>
{
    public async Task<UploadState> Handle(ReceiveUploadChunk request, CancellationToken cancellationToken)
    {
        // The owner is checked on every chunk, on whichever server receives it.
        var upload = await staging.FindAsync(actor.Value.Name, request.Id, cancellationToken);
        await staging.WriteChunkAsync(upload, request.Index, request.Content, request.Offset, request.Total, cancellationToken);
        return await staging.StateAsync(upload, cancellationToken);
    }
}
