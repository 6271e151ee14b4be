using Evidence.Access;
using Evidence.Requests;
using MediatR;

namespace Evidence.Ingest;

[AllowedRoles(Role.Investigator)]
public sealed record CancelUpload(Guid Id) : IRequest<Unit>;

internal sealed class CancelUploadHandler(UploadStaging staging, CurrentActor actor) : IRequestHandler<CancelUpload, Unit>
{
    public async Task<Unit> Handle(CancelUpload request, CancellationToken cancellationToken)
    {
        await staging.RemoveAsync(await staging.FindAsync(actor.Value.Name, request.Id, cancellationToken), cancellationToken);
        return Unit.Value;
    }
}
