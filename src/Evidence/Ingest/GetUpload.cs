using Evidence.Access;
using Evidence.Requests;
using MediatR;

namespace Evidence.Ingest;

[AllowedRoles(Role.Investigator)]
public sealed record GetUpload(Guid Id) : IRequest<UploadState>;

internal sealed class GetUploadHandler(UploadStaging staging, CurrentActor actor) : IRequestHandler<GetUpload, UploadState>
{
    public async Task<UploadState> Handle(GetUpload request, CancellationToken cancellationToken) =>
        await staging.StateAsync(await staging.FindAsync(actor.Value.Name, request.Id, cancellationToken), cancellationToken);
}
