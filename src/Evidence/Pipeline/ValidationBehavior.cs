using Evidence.Requests;
using MediatR;

namespace Evidence.Pipeline;

/// <summary>Rejects a request whose fields are wrong before anything is read, written or recorded.</summary>
internal sealed class ValidationBehavior<TRequest, TResponse> : IPipelineBehavior<TRequest, TResponse>
{
    public Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (request is IValidatedRequest validated)
        {
            var problems = validated.Validate().ToList();
            if (problems.Count > 0)
            {
                throw new InvalidRequestException($"{typeof(TRequest).Name} was refused:", problems);
            }
        }
        return next();
    }
}
