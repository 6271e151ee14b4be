using Evidence.Access;
using Evidence.Requests;
using MediatR;

namespace Evidence.Ingest;

[AllowedRoles(Role.Investigator)]
public sealed record CancelUpload(Guid Id) : IRequest<Unit>;

internal sealed class CancelUploadHandler(UploadStaging staging, CurrentActor actor) : IRequestHandler<CancelUpload, Unit>
{
    public Task<Unit> Handle(CancelUpload request, CancellationToken cancellationToken)
    {
        staging.Remove(staging.Find(actor.Value.Name, request.Id));
        return Task.FromResult(Unit.Value);
    }
}
