using Evidence.Access;
using Evidence.Requests;
using MediatR;

namespace Evidence.Ingest;

[AllowedRoles(Role.Investigator)]
public sealed record GetUpload(Guid Id) : IRequest<UploadState>;

internal sealed class GetUploadHandler(UploadStaging staging, CurrentActor actor) : IRequestHandler<GetUpload, UploadState>
{
    public Task<UploadState> Handle(GetUpload request, CancellationToken cancellationToken) =>
        Task.FromResult(staging.State(staging.Find(actor.Value.Name, request.Id)));
}
