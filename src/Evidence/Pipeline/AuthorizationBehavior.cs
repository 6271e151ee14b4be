using Evidence.Access;
using Evidence.Data;
using Evidence.Requests;
using MediatR;
using Microsoft.Extensions.Logging;

namespace Evidence.Pipeline;

/// <summary>A handler never runs for a role that may not send its request (ARCHITECTURE §2).</summary>
internal sealed class AuthorizationBehavior<TRequest, TResponse>(CurrentActor actor, UnitOfWork unitOfWork, ILogger<AuthorizationBehavior<TRequest, TResponse>> log)
    : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (!actor.Value.May<TRequest>())
        {
            log.LogWarning("Denied {Request} to {Actor} acting as {Role}", typeof(TRequest).Name, actor.Value.Name, actor.Value.Role);
            if (request is IRecordsDenial denial)
            {
                // The handler never runs, so this unit of work holds nothing but the refusal.
                unitOfWork.Record("AccessDenied", denial.DeniedEvidenceId, null, [new("request", typeof(TRequest).Name), .. denial.DenialDetails()]);
                await unitOfWork.CommitAsync(cancellationToken);
            }
            throw new ForbiddenException(
                $"{typeof(TRequest).Name} may be sent only by {string.Join(" or ", Policy.RolesAllowed(typeof(TRequest))!)}, not by {actor.Value.Role}.");
        }
        return await next();
    }
}
